"""The billing engine's entry point: a book of contracts in, invoices out.

`bill(book, until)` is a pure function: the same book and date always give the same
invoices, which is what lets the hub re-run a billing run without issuing anything twice.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from zoneinfo import ZoneInfo

from cn285.billing_core.catalog import Customer, Item, PriceList
from cn285.billing_core.charges import BillingError, Charge
from cn285.billing_core.contracts import Action, ActionKind, Contract, Line, LineKind
from cn285.billing_core.invoicing import Invoice, build_invoices
from cn285.billing_core.rating import RATERS, LineContext, rate_cascade
from cn285.billing_core.tax import TaxRules
from cn285.billing_core.terms import ContractTimelines, TermsError, build_terms
from cn285.billing_core.usage import UsageRecord

# Actions addressed to a contract reach the lines it holds on their day.
_CONTRACT_WIDE = {
    ActionKind.PAUSE,
    ActionKind.RESUME,
    ActionKind.TERMINATE,
    ActionKind.DISCOUNT,
    ActionKind.FREE,
    ActionKind.CHANGE_PRICE_LIST,
}


@dataclass
class Book:
    """Everything billing needs: catalog, customers, contracts, usage and changes."""

    customers: Mapping[str, Customer]
    items: Mapping[str, Item]
    price_lists: Mapping[str, PriceList]
    contracts: Mapping[str, Contract]
    usage: Mapping[str, list[UsageRecord]] = field(default_factory=dict)  # by CONTRACT/LINE
    actions: list[Action] = field(default_factory=list)
    tax: TaxRules | None = None
    timezone: str = "UTC"


def _sort_key(action: Action) -> tuple[date, int]:
    return (action.on or date.min, action.seq)


@dataclass
class ActionIndex:
    """Each line's actions, as delivered (a contract-wide action reaches all its lines,
    transferred ones included), and the contracts' holders and price lists over time:
    public, so that services needing the engine's reading of actions (termination notices)
    use it instead of a copy."""

    timelines: ContractTimelines
    delivered: dict[str, list[Action]]
    home: dict[str, str]  # line ref -> contract that declares it


def action_index(book: Book) -> ActionIndex:
    holders = {c.code: [(date.min, c.customer)] for c in book.contracts.values()}
    price_lists = {
        c.code: [(date.min, book.price_lists[c.price_list])] for c in book.contracts.values()
    }
    holding: dict[str, str] = {}
    home: dict[str, str] = {}
    for contract in book.contracts.values():
        for line in contract.lines:
            holding[contract.ref(line)] = contract.code
            home[contract.ref(line)] = contract.code
    delivered: dict[str, list[Action]] = {ref: [] for ref in holding}
    for action in sorted(book.actions, key=_sort_key):
        kind = action.kind
        if kind is ActionKind.CHANGE_HOLDER:
            holders[action.contract].append((action.on, action.customer))  # type: ignore[index,arg-type]
            continue
        if kind is ActionKind.CHANGE_PRICE_LIST:
            price_lists[action.contract].append(  # type: ignore[index]
                (action.on, book.price_lists[action.price_list])  # type: ignore[arg-type,index]
            )
        if action.line is not None:
            delivered[action.line].append(action)
        elif kind in _CONTRACT_WIDE:
            for ref, contract in holding.items():
                if contract == action.contract:
                    delivered[ref].append(action)
        if kind is ActionKind.TRANSFER:
            holding[action.line] = action.to_contract  # type: ignore[index,assignment]
    return ActionIndex(ContractTimelines(holders, price_lists), delivered, home)


@dataclass
class Billed:
    """The invoices of a book up to a date, and when each contract may next be due."""

    invoices: list[Invoice]
    next_due: dict[str, date | None]  # by contract code: None when nothing more is scheduled


def rate_book(
    book: Book,
    until: date,
    index: ActionIndex | None = None,
    next_due: dict[str, date | None] | None = None,
) -> list[Charge]:
    """Every charge due on or before `until`, line by line.

    With `next_due`, also records for each contract the first later date on which one of
    its lines may charge (an invoice date, an action taking effect, threshold usage).
    """
    index = index or action_index(book)
    charges: dict[str, list[Charge]] = {}
    cascades: list[tuple[LineContext, str]] = []
    for order, (contract, line) in enumerate(
        (c, ln) for c in book.contracts.values() for ln in c.lines
    ):
        ctx = line_context(book, index, contract, line, order)
        if line.kind is LineKind.CASCADE:
            cascades.append((ctx, contract.ref(line.of)))  # type: ignore[arg-type]
            continue
        charges[ctx.ref] = RATERS[line.kind](ctx, until)
        if next_due is not None:
            code = contract.code
            event = ctx.next_event
            known = next_due.get(code)
            next_due[code] = (
                event if known is None or (event is not None and event < known) else known
            )
    pending = cascades
    while pending:  # cascades of cascades: rate each once its source is rated
        waiting = [(ctx, src) for ctx, src in pending if src not in charges]
        if len(waiting) == len(pending):
            raise BillingError(f"{waiting[0][0].line.source}: cascade lines form a cycle")
        for ctx, src in pending:
            if src in charges:
                charges[ctx.ref] = rate_cascade(ctx, charges[src], until)
        pending = waiting
    return [charge for line_charges in charges.values() for charge in line_charges]


def line_context(
    book: Book, index: ActionIndex, contract: Contract, line: Line, order: int
) -> LineContext:
    ref = contract.ref(line)
    actions = index.delivered[ref]
    early = [a for a in actions if a.on is None]
    dated = [a for a in actions if a.on is not None]
    timelines = index.timelines

    def terms_at(known: list[Action], knowledge: date):
        try:
            return build_terms(
                line, contract.code, known, timelines, knowledge, lambda ln: ln.period
            )
        except TermsError as exc:
            raise BillingError(str(exc)) from None

    tz = ZoneInfo(contract.timezone or book.timezone)
    return LineContext(
        line=line,
        ref=ref,
        order=order,
        terms_at=terms_at,
        holder_at=timelines.holder,
        early=early,
        dated=dated,
        records=list(book.usage.get(ref, ())),
        timezone=tz,
    )


@contextmanager
def _without_cycle_collection() -> Iterator[None]:
    """Billing allocates millions of small acyclic objects that reference counting frees;
    the cycle collector's repeated scans of them cost about a third of the run."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def bill(book: Book, until: date) -> list[Invoice]:
    """Every invoice dated on or before `until`, in date order, numbered."""
    return bill_with_next(book, until).invoices


def bill_with_next(book: Book, until: date) -> Billed:
    """`bill`, plus the next date each contract may be due (what a store keeps)."""
    with _without_cycle_collection():
        index = action_index(book)
        next_due: dict[str, date | None] = {code: None for code in book.contracts}
        charges = rate_book(book, until, index, next_due)
        invoices = build_invoices(
            charges, book.customers, book.items, index.timelines.holder, book.tax
        )
        return Billed(invoices, next_due)

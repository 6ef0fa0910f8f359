"""What a quote version will invoice: its lines billed by the engine, like a scenario.

The version becomes a one-contract `Book` built by the scenario `Builder` (the same
validation and domain objects as `cn285 scenario run`) and is billed by `engine.bill`, so a
preview can never disagree with what the signed contract will invoice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from cn285.billing_core.calendar import add_months
from cn285.billing_core.catalog import Customer
from cn285.billing_core.charges import BillingError
from cn285.billing_core.engine import Book, bill
from cn285.billing_core.invoicing import Invoice
from cn285.billing_core.scenario.loader import Builder
from cn285.billing_core.tax import TaxError
from cn285.hub.quotes.versions import QuoteContent
from cn285.hub.services.book import Catalog
from cn285.hub.services.errors import Invalid

DEFAULT_MONTHS = 12
MAX_MONTHS = 120
PREVIEW_CONTRACT = "QUOTE"  # the contract code a preview bills under


@dataclass(frozen=True)
class Preview:
    """The invoices of a version up to `until`, and its totals by line and overall."""

    start: date
    until: date
    currency: str
    invoices: list[Invoice]

    @property
    def total_excl_tax(self) -> Decimal:
        return sum((i.total_excl_tax for i in self.invoices), Decimal("0.00"))

    @property
    def tax(self) -> Decimal:
        return sum((i.tax for i in self.invoices), Decimal("0.00"))

    @property
    def total(self) -> Decimal:
        return sum((i.total for i in self.invoices), Decimal("0.00"))

    def by_line(self) -> dict[str, Decimal]:
        """Amount invoiced per quote line code (adjustments and credits included)."""
        amounts: dict[str, Decimal] = {}
        for invoice in self.invoices:
            for line in invoice.lines:
                code = line.line.rpartition("/")[2]
                amounts[code] = amounts.get(code, Decimal("0.00")) + line.amount
        return amounts


def build_book(
    content: QuoteContent, customer: Customer, catalog: Catalog, code: str = PREVIEW_CONTRACT
) -> Book:
    """The version as a one-contract book; refused lines raise `Invalid` naming the field."""
    builder = Builder()
    customers = {customer.code: customer}
    contract = builder.contract(
        content.contract_in(code, customer.code),
        (),
        catalog.items,
        customers,
        catalog.price_lists,
    )
    contracts = {code: contract}
    lines = {contract.ref(ln): ln for ln in contract.lines}
    actions = []
    for i, action_in in enumerate(content.actions_in(code)):
        action = builder.action(
            action_in, ("adjustments", i), i, lines, contracts, customers, catalog.price_lists
        )
        if action is not None:
            actions.append(action)
    if builder.problems:
        raise Invalid([(_path(p.path, code), p.message) for p in builder.problems])
    return Book(
        customers=customers,
        items=catalog.items,
        price_lists=catalog.price_lists,
        contracts=contracts,
        actions=actions,
        tax=catalog.tax,
        timezone=catalog.timezone,
    )


def _path(path: str, code: str) -> str:
    # the builder names contract fields `lines[0].item`; the quote's body has the same shape
    return path.removeprefix(f"{code}.").removeprefix("contracts.")


def horizon(content: QuoteContent, months: int | None, term: bool) -> tuple[date, date]:
    """The first day of service and the last invoice date shown.

    `term`: up to the last line's end (every line must end); otherwise `months` from the
    first start (default 12).
    """
    starts = [ln.start for ln in content.lines if ln.start is not None]
    if not starts:
        raise Invalid([("lines", "a line needs `start` for a preview")])
    start = min(starts)
    if term:
        ends = [ln.end for ln in content.lines]
        if any(end is None for end in ends):
            raise Invalid([("term", "a line has no end: preview a number of months instead")])
        return start, max(e for e in ends if e is not None) + timedelta(days=1)
    count = DEFAULT_MONTHS if months is None else months
    if not 1 <= count <= MAX_MONTHS:
        raise Invalid([("months", f"between 1 and {MAX_MONTHS}")])
    return start, add_months(start, count) - timedelta(days=1)


def preview(
    content: QuoteContent,
    customer: Customer,
    catalog: Catalog,
    months: int | None = None,
    term: bool = False,
) -> Preview:
    """Bill the version up to its horizon (the day after the term: arrears included)."""
    book = build_book(content, customer, catalog)
    try:
        start, until = horizon(content, months, term)
        invoices = bill(book, until)
    except (BillingError, TaxError) as exc:
        raise Invalid([("lines", str(exc))]) from None
    except OverflowError:  # dates near 9999-12-31: no calendar beyond them
        raise Invalid([("lines", "dates too far in the future to preview")]) from None
    price_list = catalog.price_lists[content.price_list]
    return Preview(start, until, price_list.currency.code, invoices)

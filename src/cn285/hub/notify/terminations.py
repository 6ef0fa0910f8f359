"""When a termination stops service, asked of the billing engine itself.

A termination's notice rules (`30 days`, `1 month`, `end_of_period` under the line's
regime at the request day) live in `billing_core.terms`; the lines a contract-wide
termination reaches (including lines transferred in) live in the engine's action index.
This module replays exactly those, so a notice never announces a date the invoices
contradict.

Which lines a termination *concerns*: those whose last day of service it moves earlier
(given the changes before it) and which no other change ends sooner. A termination that
concerns no line (already ended, or superseded by an earlier end) is not notified.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date

from cn285.billing_core.calendar import ONE_DAY
from cn285.billing_core.contracts import Action, ActionKind
from cn285.billing_core.engine import ActionIndex, Book, action_index, line_context


@dataclass(frozen=True, slots=True)
class LineEnd:
    ref: str  # CONTRACT/LINE
    item: str  # the item's name
    last_day: date  # last day of service


@dataclass(frozen=True, slots=True)
class Termination:
    """What a termination request does: the lines it ends and the first day without
    service (`effective`), the day after the latest of their last days."""

    action_id: int
    contract: str  # the contract addressed, or the one holding the line addressed
    line: str | None  # the line addressed (None: the whole contract)
    requested_on: date
    notice: str  # as declared: "immediate", "30 days", "1 month", "end_of_period"
    lines: tuple[LineEnd, ...]
    customer: str  # holder of `contract` on the last day of service

    @property
    def last_day(self) -> date:
        return max(line.last_day for line in self.lines)

    @property
    def effective(self) -> date:
        return self.last_day + ONE_DAY


def terminations(book: Book, action_ids: Collection[int]) -> dict[int, Termination | None]:
    """The termination of each action id in `action_ids` (None: it ends no line).

    The book must hold the contracts of those actions and every contract linked to them by
    a transfer (`services.book.load_book` takes care of that given the codes)."""
    wanted = set(action_ids)
    index = action_index(book)
    found: dict[int, list[tuple[LineEnd, str]]] = {i: [] for i in wanted}
    actions: dict[int, Action] = {}
    order = 0
    for contract in book.contracts.values():
        for line in contract.lines:
            ref = contract.ref(line)
            order += 1
            delivered = index.delivered[ref]
            targets = [a for a in delivered if a.kind is ActionKind.TERMINATE and a.seq in wanted]
            if not targets:
                continue
            ctx = line_context(book, index, contract, line, order)
            dated = ctx.dated
            final = ctx.terms_at([*ctx.early, *dated], dated[-1].on)  # type: ignore[arg-type]
            for action in targets:
                actions[action.seq] = action
                i = dated.index(action)
                before = ctx.terms_at([*ctx.early, *dated[:i]], action.on).end  # type: ignore[arg-type]
                after = ctx.terms_at([*ctx.early, *dated[: i + 1]], action.on).end  # type: ignore[arg-type]
                moved = after is not None and (before is None or after < before)
                if not moved or final.end != after:
                    continue  # ends nothing, or another change ends the line sooner
                item = book.items.get(line.item)
                holder = final.contract(after)  # type: ignore[arg-type]
                found[action.seq].append(
                    (LineEnd(ref, item.name if item else line.item, after), holder)  # type: ignore[arg-type]
                )
    result: dict[int, Termination | None] = {}
    for action_id in wanted:
        ends = found[action_id]
        action = actions.get(action_id)
        if action is None or not ends:
            result[action_id] = None
            continue
        result[action_id] = _termination(index, action, ends)
    return result


def _termination(
    index: ActionIndex, action: Action, ends: list[tuple[LineEnd, str]]
) -> Termination:
    lines = tuple(sorted((end for end, _ in ends), key=lambda e: e.ref))
    last = max(line.last_day for line in lines)
    if action.line is not None:
        contract = next(holder for end, holder in ends if end.last_day == last)
    else:
        contract = action.contract or ""
    notice = action.notice
    text = (
        "immediate"
        if notice is None
        else "end_of_period"
        if notice.unit == "end_of_period"
        else f"{notice.amount} {notice.unit}"
    )
    return Termination(
        action_id=action.seq,
        contract=contract,
        line=action.line,
        requested_on=action.on,  # type: ignore[arg-type]
        notice=text,
        lines=lines,
        customer=index.timelines.holder(contract, last),
    )

"""Recognition schedules: in which month each revenue line becomes revenue, and how much.

Rules (docs/revrec.md):

- recurring and cascade lines with a service period are recognised straight-line by day
  over the period, both ends included, split by calendar month; each month's share is
  rounded half up to the currency's minor unit once, and the last month takes what
  rounding left so that the shares add up to the line exactly;
- usage and one-shot lines, and lines without a service period, are recognised entirely
  in the month of their document (usage is consumed, a one-shot delivered, when invoiced);
- nothing is recognised in a month before the document's month, because that month may
  be closed: the days of earlier months (an invoice billed in arrears, a credit note for
  days already served) are caught up in the document's month, as one share rounded once.

Credit notes follow the same rules with negative amounts, which makes them reverse what
they credit from their own date on.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from cn285.billing_core.calendar import days_between
from cn285.billing_core.money import CONTEXT, ZERO, round_money
from cn285.billing_core.revrec.lines import POINT_KINDS, RevenueLine
from cn285.billing_core.revrec.months import month_end, month_of, next_month


@dataclass(frozen=True, slots=True)
class Recognition:
    """Revenue recognised in `month` (its first day); negative when it reverses revenue."""

    month: date
    amount: Decimal


def schedule(line: RevenueLine) -> tuple[Recognition, ...]:
    """The months in which `line` is recognised, in order; months with 0.00 are left out."""
    document_month = month_of(line.invoice_date)
    if not line.amount:
        return ()
    if line.line_kind in POINT_KINDS or line.start is None or line.end is None:
        return (Recognition(document_month, line.amount),)
    buckets = _days_by_month(line.start, line.end, document_month)
    total_days = days_between(line.start, line.end)
    cur = line.cur
    shares: list[Recognition] = []
    placed = ZERO
    for month, days in buckets[:-1]:
        exact = CONTEXT.divide(CONTEXT.multiply(line.amount, days), total_days)
        share = round_money(exact, cur)
        placed += share
        if share:
            shares.append(Recognition(month, share))
    rest = line.amount - placed  # the rounding remainder goes to the last month
    if rest:
        shares.append(Recognition(buckets[-1][0], rest))
    return tuple(shares)


def recognise(lines: Iterable[RevenueLine]) -> Iterator[tuple[RevenueLine, Recognition]]:
    """Every recognition of `lines` with its line, one line at a time (streams)."""
    for line in lines:
        for recognition in schedule(line):
            yield line, recognition


def _days_by_month(start: date, end: date, document_month: date) -> list[tuple[date, int]]:
    """Days of service per month, those up to `document_month` gathered into it."""
    caught_up = 0
    later: list[tuple[date, int]] = []
    month = month_of(start)
    while month <= end:
        days = days_between(max(start, month), min(end, month_end(month)))
        if month <= document_month:
            caught_up += days
        else:
            later.append((month, days))
        month = next_month(month)
    return [(document_month, caught_up), *later] if caught_up else later

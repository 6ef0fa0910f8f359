"""The deferred revenue waterfall: what was invoiced, recognised and still deferred, by month.

The balance is the one the journal entries leave on the deferred revenue account: every
amount excluding tax goes there when issued and leaves it when recognised.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from cn285.billing_core.money import ZERO, CurrencyError
from cn285.billing_core.revrec.lines import RevenueLine
from cn285.billing_core.revrec.months import month_of
from cn285.billing_core.revrec.schedule import schedule


@dataclass(frozen=True, slots=True)
class WaterfallRow:
    """One month: closing = opening + invoiced − recognised (amounts excluding tax)."""

    month: date
    opening: Decimal
    invoiced: Decimal
    recognised: Decimal
    closing: Decimal


def waterfall(lines: Iterable[RevenueLine], months: Iterable[date]) -> list[WaterfallRow]:
    """One row per month asked for (any day names its month), in month order.

    Lines are read once and never kept: activity is summed as it streams, per row, with
    what falls between two rows (or before the first) carried into the later opening, and
    what falls after the last row ignored. All lines must be in one currency.
    """
    wanted = sorted({month_of(m) for m in months})
    invoiced = [ZERO] * len(wanted)
    recognised = [ZERO] * len(wanted)
    carried = [ZERO] * len(wanted)  # net activity before each row's month, since the last row
    currency: str | None = None

    def add(month: date, issued: Decimal, earned: Decimal) -> None:
        """Count activity of `month` in its row, or carry it into the next row's opening."""
        index = bisect_left(wanted, month)
        if index == len(wanted):
            return  # after the last row
        if wanted[index] == month:
            invoiced[index] += issued
            recognised[index] += earned
        else:
            carried[index] += issued - earned

    for line in lines:
        if currency is None:
            currency = line.currency
        elif line.currency != currency:
            raise CurrencyError(
                f"{line.invoice_number}: a waterfall is in one currency, got {line.currency}"
                f" after {currency}"
            )
        add(month_of(line.invoice_date), line.amount, ZERO)
        for recognition in schedule(line):
            add(recognition.month, ZERO, recognition.amount)

    rows = []
    balance = ZERO
    for index, month in enumerate(wanted):
        opening = balance + carried[index]
        balance = opening + invoiced[index] - recognised[index]
        rows.append(WaterfallRow(month, opening, invoiced[index], recognised[index], balance))
    return rows

"""Calendar arithmetic for service and billing periods.

Periods are measured in months (1, 3, 6, 12). Calendar alignment cuts the year into blocks
(months, quarters Jan–Mar…, semesters, years); anniversary alignment counts whole blocks
from an anchor day, clamped to month end (31 Jan → 28 Feb → 31 Mar), always from the
anchor so that a short month does not shift the following ones.
"""

from __future__ import annotations

from datetime import date, timedelta
from enum import StrEnum
from functools import lru_cache

from dateutil.relativedelta import relativedelta

ONE_DAY = timedelta(days=1)


class Period(StrEnum):
    """A service or billing period; `none` is a line billed as usage arrives."""

    MONTH = "month"
    QUARTER = "quarter"
    SEMESTER = "semester"
    YEAR = "year"
    NONE = "none"

    @property
    def months(self) -> int:
        return _MONTHS[self]


_MONTHS = {Period.MONTH: 1, Period.QUARTER: 3, Period.SEMESTER: 6, Period.YEAR: 12, Period.NONE: 0}


class Alignment(StrEnum):
    CALENDAR = "calendar"
    ANNIVERSARY = "anniversary"


def add_months(day: date, months: int) -> date:
    """`day` plus `months`, clamped to the last day of the resulting month."""
    return day + relativedelta(months=months)


def days_between(first: date, last: date) -> int:
    """Number of days from `first` to `last`, both included."""
    return (last - first).days + 1


@lru_cache(maxsize=4096)
def calendar_block(day: date, months: int) -> tuple[date, date]:
    """The calendar block of `months` months that contains `day` (first and last day)."""
    first_month = (day.month - 1) // months * months + 1
    start = date(day.year, first_month, 1)
    return start, add_months(start, months) - ONE_DAY


def anniversary_block(anchor: date, months: int, day: date) -> tuple[date, date]:
    """The block of `months` months counted from `anchor` that contains `day` (day >= anchor)."""
    if day < anchor:
        raise ValueError(f"{day} is before the anniversary anchor {anchor}")
    k = ((day.year - anchor.year) * 12 + day.month - anchor.month) // months
    start = add_months(anchor, k * months)
    if start > day:
        k -= 1
        start = add_months(anchor, k * months)
    end = add_months(anchor, (k + 1) * months) - ONE_DAY
    if end < day:  # clamping made the estimate one block short
        k += 1
        start = add_months(anchor, k * months)
        end = add_months(anchor, (k + 1) * months) - ONE_DAY
    return start, end


def block(day: date, months: int, alignment: Alignment, anchor: date) -> tuple[date, date]:
    """The full period of `months` months containing `day` under `alignment`."""
    if alignment is Alignment.CALENDAR:
        return calendar_block(day, months)
    return anniversary_block(anchor, months, day)


def add_notice(on: date, amount: int, unit: str) -> date:
    """Last day of service for a notice of `amount` days or months given on `on`."""
    if unit == "days":
        return on + timedelta(days=amount) - ONE_DAY
    return add_months(on, amount) - ONE_DAY

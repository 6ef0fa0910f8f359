"""Calendar months as accounting periods: a month is named by its first day."""

from __future__ import annotations

from datetime import date, timedelta


def month_of(day: date) -> date:
    """The first day of the month of `day`: the key of every monthly figure."""
    return day.replace(day=1)


def next_month(month: date) -> date:
    """The first day of the month after `month`."""
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def month_end(month: date) -> date:
    """The last day of the month of `month`: the date of its closing entry."""
    return next_month(month_of(month)) - timedelta(days=1)

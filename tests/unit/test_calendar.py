from datetime import date

import pytest

from cn285.billing_core.calendar import (
    Alignment,
    add_notice,
    anniversary_block,
    block,
    calendar_block,
    days_between,
)


def test_calendar_blocks():
    assert calendar_block(date(2026, 1, 16), 1) == (date(2026, 1, 1), date(2026, 1, 31))
    assert calendar_block(date(2026, 5, 2), 3) == (date(2026, 4, 1), date(2026, 6, 30))
    assert calendar_block(date(2026, 9, 30), 6) == (date(2026, 7, 1), date(2026, 12, 31))
    assert calendar_block(date(2028, 2, 29), 12) == (date(2028, 1, 1), date(2028, 12, 31))


def test_anniversary_clamps_to_month_end_from_the_anchor():
    anchor = date(2026, 1, 31)
    assert anniversary_block(anchor, 1, date(2026, 2, 10)) == (date(2026, 1, 31), date(2026, 2, 27))
    assert anniversary_block(anchor, 1, date(2026, 3, 1)) == (date(2026, 2, 28), date(2026, 3, 30))
    assert anniversary_block(anchor, 1, date(2026, 3, 31)) == (date(2026, 3, 31), date(2026, 4, 29))
    assert anniversary_block(anchor, 1, date(2026, 5, 30)) == (date(2026, 4, 30), date(2026, 5, 30))
    assert anniversary_block(anchor, 3, date(2026, 5, 1)) == (date(2026, 4, 30), date(2026, 7, 30))


def test_anniversary_before_anchor_is_refused():
    with pytest.raises(ValueError):
        anniversary_block(date(2026, 1, 31), 1, date(2026, 1, 1))


def test_block_dispatches_on_alignment():
    day, anchor = date(2026, 3, 15), date(2026, 1, 10)
    assert block(day, 1, Alignment.CALENDAR, anchor) == (date(2026, 3, 1), date(2026, 3, 31))
    assert block(day, 1, Alignment.ANNIVERSARY, anchor) == (date(2026, 3, 10), date(2026, 4, 9))


def test_days_and_notice():
    assert days_between(date(2026, 1, 16), date(2026, 1, 31)) == 16
    assert add_notice(date(2026, 4, 10), 30, "days") == date(2026, 5, 9)
    assert add_notice(date(2026, 1, 31), 1, "months") == date(2026, 2, 27)
    assert add_notice(date(2026, 3, 15), 2, "months") == date(2026, 5, 14)

"""The deferred revenue waterfall: balances carried from month to month."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest

from cn285.billing_core.money import CurrencyError
from cn285.billing_core.revrec import WaterfallRow, waterfall
from tests.unit.revrec.builders import revenue_line

QUARTER = {"start": date(2026, 1, 1), "end": date(2026, 3, 31)}  # 344.44, 311.11, 344.45


def rows(lines, months):
    return [
        (r.month, r.opening, r.invoiced, r.recognised, r.closing) for r in waterfall(lines, months)
    ]


def test_waterfall_follows_a_quarterly_line_and_its_credit_note():
    lines = [
        revenue_line("1000.00", **QUARTER),
        revenue_line(
            "-500.00",
            number="CN-000001",
            invoiced=date(2026, 2, 14),
            start=date(2026, 2, 15),
            end=date(2026, 3, 31),
        ),  # 45 days: February −155.56, March the rest −344.44
    ]
    months = [date(2026, m, 1) for m in (1, 2, 3, 4)]
    assert rows(iter(lines), months) == [
        (date(2026, 1, 1), D("0"), D("1000.00"), D("344.44"), D("655.56")),
        (date(2026, 2, 1), D("655.56"), D("-500.00"), D("155.55"), D("0.01")),
        (date(2026, 3, 1), D("0.01"), D("0"), D("0.01"), D("0.00")),
        (date(2026, 4, 1), D("0.00"), D("0"), D("0"), D("0.00")),
    ]


def test_waterfall_carries_activity_between_and_before_rows_into_the_opening():
    lines = [
        revenue_line(
            "50.00", number="INV-000000", invoiced=date(2025, 11, 3), start=None, end=None
        ),
        revenue_line("1000.00", **QUARTER),
    ]
    assert rows(lines, [date(2026, 3, 31), date(2026, 1, 1)]) == [
        (date(2026, 1, 1), D("0.00"), D("1000.00"), D("344.44"), D("655.56")),
        (date(2026, 3, 1), D("344.45"), D("0"), D("344.45"), D("0.00")),
    ]


def test_waterfall_ignores_activity_after_its_last_month():
    lines = [revenue_line("1000.00", **QUARTER)]
    assert waterfall(lines, [date(2026, 1, 1)]) == [
        WaterfallRow(date(2026, 1, 1), D("0"), D("1000.00"), D("344.44"), D("655.56"))
    ]


def test_waterfall_without_months_is_empty():
    assert waterfall([revenue_line()], []) == []


def test_waterfall_refuses_to_mix_currencies():
    lines = [revenue_line(), revenue_line("100", currency="JPY", number="INV-000002")]
    with pytest.raises(CurrencyError, match="INV-000002: a waterfall is in one currency"):
        waterfall(lines, [date(2026, 1, 1)])

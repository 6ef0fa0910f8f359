"""A version's preview is what the scenario runner bills for the same lines and actions."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from cn285.billing_core.engine import bill
from cn285.hub.quotes.preview import horizon, preview
from cn285.hub.services.errors import Invalid
from tests.quotes.builders import LINES, catalog_and_customer, content, scenario


def _shape(invoices):
    return [
        (
            i.date,
            i.total_excl_tax,
            i.tax,
            i.total,
            [(ln.line.rpartition("/")[2], ln.start, ln.end, ln.amount) for ln in i.lines],
        )
        for i in invoices
    ]


def test_preview_amounts_equal_the_scenario_runner_for_the_same_lines():
    reference = scenario()
    expected = bill(reference.book, date(2026, 7, 15))
    catalog, customer = catalog_and_customer()
    got = preview(content(), customer, catalog, months=6)
    assert got.until == date(2026, 7, 15)
    assert _shape(got.invoices) == _shape(expected)
    assert got.total_excl_tax == sum(i.total_excl_tax for i in expected)
    assert got.currency == "EUR"


def test_preview_of_one_month_prorates_and_bills_the_setup_once():
    catalog, customer = catalog_and_customer()
    got = preview(content(adjustments=[]), customer, catalog, months=1)
    # one month from 16 January: up to 15 February, so February is billed in advance
    assert [i.date for i in got.invoices] == [date(2026, 1, 16), date(2026, 2, 1)]
    assert got.by_line() == {"L1": Decimal("303.23"), "L2": Decimal("500.00")}
    assert got.total == Decimal("963.88")


def test_preview_over_the_term_runs_to_the_last_line_end():
    catalog, customer = catalog_and_customer()
    lines = [{**LINES[0], "end": "2026-03-31"}]
    got = preview(content(lines=lines, adjustments=[]), customer, catalog, term=True)
    assert got.until == date(2026, 4, 1)
    assert [i.date for i in got.invoices] == [date(2026, 1, 16), date(2026, 2, 1), date(2026, 3, 1)]


def test_preview_over_the_term_needs_every_line_to_end():
    with pytest.raises(Invalid, match="term: a line has no end"):
        horizon(content(), None, term=True)


def test_preview_of_an_unpriced_item_names_the_line_field():
    catalog, customer = catalog_and_customer()
    bad = content(lines=[{**LINES[0], "item": "NOPE"}], adjustments=[])
    with pytest.raises(Invalid) as caught:
        preview(bad, customer, catalog)
    assert ("lines[0].item", "unknown item 'NOPE'") in caught.value.problems

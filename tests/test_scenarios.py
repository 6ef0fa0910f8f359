"""Every shared and own scenario bills exactly the invoices it expects."""

from __future__ import annotations

from pathlib import Path

import pytest

from cn285.billing_core.engine import bill
from cn285.billing_core.scenario import check, load
from tests.conftest import EXAMPLE, OWN_SCENARIOS, SHARED_SCENARIOS, require_shared

FILES = [
    *sorted(SHARED_SCENARIOS.glob("*.yaml")),
    *sorted(OWN_SCENARIOS.glob("*.yaml")),
    *sorted(EXAMPLE.parent.glob("*.yaml")),
]


def test_scenarios_are_present():
    assert len(list(OWN_SCENARIOS.glob("*.yaml"))) >= 25
    require_shared()
    assert len(list(SHARED_SCENARIOS.glob("*.yaml"))) >= 3


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_scenario_expectations_hold(path: Path):
    scenario = load(path.read_text(encoding="utf-8"))
    assert scenario.expect is not None and scenario.expect.invoices, "a scenario must expect"
    invoices = bill(scenario.book, scenario.until)
    assert [str(d) for d in check(scenario.expect, invoices)] == []
    for invoice in invoices:  # totals are the sums of the lines, tax per line
        assert invoice.total_excl_tax == sum(line.amount for line in invoice.lines)
        assert invoice.tax == sum(line.tax for line in invoice.lines)
        assert invoice.total == invoice.total_excl_tax + invoice.tax
        assert invoice.lines


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_billing_is_deterministic_and_prefix_stable(path: Path):
    """Billing to an earlier date gives exactly the invoices dated up to it: a later run
    never changes what an earlier one issued."""
    scenario = load(path.read_text(encoding="utf-8"))
    full = bill(scenario.book, scenario.until)
    assert full == bill(scenario.book, scenario.until)
    dates = sorted({inv.date for inv in full})
    if len(dates) < 2:
        return
    cut = dates[len(dates) // 2]
    early = bill(scenario.book, cut)
    assert early == [inv for inv in full if inv.date <= cut]


def test_a_wrong_expectation_is_reported():
    text = EXAMPLE.read_text(encoding="utf-8").replace('amount: "116.00"', 'amount: "116.01"')
    scenario = load(text)
    differences = check(scenario.expect, bill(scenario.book, scenario.until))
    assert [str(d) for d in differences] == [
        "invoice ACME 2026-02-01, line K1/L2 from 2026-01-16: amount: expected 116.01, got 116.00"
    ]

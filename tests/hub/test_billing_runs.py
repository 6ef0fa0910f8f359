"""Billing runs from the store: same invoices as the scenario runner, exactly once."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlmodel import Session

from cn285.billing_core.engine import bill
from cn285.billing_core.scenario import load
from cn285.hub.services.billing import run_billing
from cn285.hub.services.errors import Conflict
from cn285.hub.services.scenario_load import load_scenario
from cn285.hub.store import models
from tests.conftest import EXAMPLE, OWN_SCENARIOS, SHARED_SCENARIOS, require_shared

FILES = [*sorted(SHARED_SCENARIOS.glob("*.yaml")), *sorted(OWN_SCENARIOS.glob("*.yaml"))]


def stored_invoices(engine) -> list[tuple]:
    with Session(engine) as session:
        invoices = session.scalars(
            select(models.Invoice).order_by(
                models.Invoice.date,
                models.Invoice.customer_code,
                models.Invoice.contract_code,
                models.Invoice.id,
            )
        ).all()
        result = []
        for inv in invoices:
            lines = session.scalars(
                select(models.InvoiceLine)
                .where(models.InvoiceLine.invoice_id == inv.id)
                .order_by(models.InvoiceLine.position)
            ).all()
            result.append(
                (
                    inv.number,
                    inv.kind,
                    inv.customer_code,
                    inv.contract_code,
                    inv.date,
                    inv.currency,
                    inv.total_excl_tax,
                    inv.tax,
                    inv.total,
                    tuple(
                        (ln.line_ref, ln.start, ln.end, ln.amount, ln.tax, ln.quantity)
                        for ln in lines
                    ),
                )
            )
        return result


def engine_invoices(scenario) -> list[tuple]:
    return [
        (
            inv.number,
            inv.kind,
            inv.customer,
            inv.contract,
            inv.date,
            inv.currency.code,
            inv.total_excl_tax,
            inv.tax,
            inv.total,
            tuple((ln.line, ln.start, ln.end, ln.amount, ln.tax, ln.quantity) for ln in inv.lines),
        )
        for inv in bill(scenario.book, scenario.until)
    ]


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_loaded_scenario_bills_exactly_what_the_runner_prints(engine, path: Path):
    scenario = load(path.read_text(encoding="utf-8"))
    load_scenario(engine, scenario)
    result = run_billing(engine, scenario.until, batch_size=1)
    assert result.errors == []
    assert stored_invoices(engine) == engine_invoices(scenario)
    again = run_billing(engine, scenario.until)
    assert again.issued == {} and again.contracts == 0


@pytest.mark.parametrize(
    "name",
    [
        "71-change-period-inside-advance-period.yaml",
        "52-transfer.yaml",
        "26-threshold-quantity.yaml",
        "59-group-invoices.yaml",
        "53-change-holder.yaml",
    ],
)
def test_billing_day_by_day_issues_the_same_invoices(engine, name: str):
    scenario = load((OWN_SCENARIOS / name).read_text(encoding="utf-8"))
    load_scenario(engine, scenario)
    start = min(ln.start for c in scenario.book.contracts.values() for ln in c.lines)
    day = start - dt.timedelta(days=1)
    while day < scenario.until:
        day += dt.timedelta(days=1)
        assert run_billing(engine, day).errors == []
    assert stored_invoices(engine) == engine_invoices(scenario)


def test_loading_twice_changes_nothing_and_a_different_definition_conflicts(engine):
    text = EXAMPLE.read_text(encoding="utf-8")
    first = load_scenario(engine, load(text))
    assert first.created["contract"] == 1 and first.created["usage"] == 3
    second = load_scenario(engine, load(text))
    assert second.created == {"usage": 0}
    with pytest.raises(Conflict, match="item PLATFORM is already stored with another name"):
        load_scenario(engine, load(text.replace("name: Platform}", "name: Platform Pro}")))


def test_numbers_are_sequential_per_series_in_date_order(engine):
    require_shared()
    scenario = load((SHARED_SCENARIOS / "03-pause-credit-and-resume.yaml").read_text())
    load_scenario(engine, scenario)
    run_billing(engine, dt.date(2026, 4, 20))
    run_billing(engine, scenario.until)
    rows = [(r[0], r[4]) for r in stored_invoices(engine)]
    assert rows == [
        ("INV-000001", dt.date(2026, 3, 1)),
        ("INV-000002", dt.date(2026, 4, 1)),
        ("CN-000001", dt.date(2026, 4, 16)),
        ("INV-000003", dt.date(2026, 6, 10)),
        ("INV-000004", dt.date(2026, 7, 1)),
    ]

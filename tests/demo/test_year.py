"""A year of the demo company in a SQLite store: loaded, then each day its events and a
billing run, as `cn285 demo` does. Run with `-s` to see how long it takes."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlmodel import Session

from cn285.billing_core.contracts import ActionKind
from cn285.billing_core.scenario.schema import ActionIn
from cn285.billing_core.tax import REVERSE_CHARGE_NOTE
from cn285.hub.demo.company import (
    Company,
    EventRejected,
    apply_events,
    build_company,
    coverage,
    load_company,
)
from cn285.hub.demo.model import ContractChange
from cn285.hub.services.billing import RunResult, run_billing
from cn285.hub.services.errors import Conflict
from cn285.hub.store import models
from cn285.hub.store.database import open_engine

START = date(2026, 1, 1)
CENT = Decimal("0.01")


@dataclass
class Year:
    company: Company
    engine: object
    loaded: dict[str, int]
    applied: Counter[str] = field(default_factory=Counter)
    runs: list[RunResult] = field(default_factory=list)
    invoices: list[models.Invoice] = field(default_factory=list)
    lines: dict[int, list[models.InvoiceLine]] = field(default_factory=dict)


@pytest.fixture(scope="module")
def year(tmp_path_factory) -> Year:
    engine = open_engine(f"sqlite:///{tmp_path_factory.mktemp('demo') / 'cn285.db'}")
    company = build_company(START)
    began = time.perf_counter()
    result = Year(company, engine, load_company(engine, company))
    day = company.start
    while day <= company.end:
        result.applied.update(apply_events(engine, company, day))
        result.runs.append(run_billing(engine, day))
        day += timedelta(days=1)
    elapsed = time.perf_counter() - began
    with Session(engine) as session:
        result.invoices = list(session.scalars(select(models.Invoice)))
        for line in session.scalars(select(models.InvoiceLine)):
            result.lines.setdefault(line.invoice_id, []).append(line)
    kinds = Counter(i.kind for i in result.invoices)
    print(
        f"\ndemo year on SQLite: load + {len(result.runs)} daily runs in {elapsed:.1f} s; "
        f"{kinds['invoice']} invoices, {kinds['credit_note']} credit notes"
    )
    return result


def test_year_bills_without_errors(year):
    assert [e for run in year.runs for e in run.errors] == []
    assert {run.status for run in year.runs} == {"completed"}


def test_every_event_of_the_year_is_applied(year):
    summary = coverage(year.company)
    assert year.applied["customers"] == summary["customers_signed"]
    assert year.applied["contracts"] == summary["contracts_signed"]
    assert year.applied["actions"] == summary["actions"]
    assert year.applied["usage_created"] == summary["usage_records"]
    assert year.applied["usage_duplicates"] == summary["usage_resent"] > 0
    assert year.loaded["customers"] == summary["customers"]
    assert year.loaded["contracts"] == summary["contracts"]


def test_invoices_are_issued_every_month(year):
    months = {(i.date.year, i.date.month) for i in year.invoices if i.kind == "invoice"}
    first = START.year * 12 + START.month - 1
    expected = {divmod(first + k, 12) for k in range(12)}
    expected = {(y, m + 1) for y, m in expected}
    assert months == expected
    assert all(i.number for i in year.invoices)


@pytest.mark.parametrize("kind", [ActionKind.PAUSE, ActionKind.TERMINATE, ActionKind.SET_QUANTITY])
def test_changes_inside_a_billed_period_are_credited(year, kind):
    credited = {
        (i.date, line.contract_code)
        for i in year.invoices
        for line in year.lines[i.id]
        if line.amount < 0 and line.adjustment
    }
    changes = [
        e for e in year.company.events if isinstance(e, ContractChange) and e.action.do is kind
    ]
    assert any((e.day, e.contract) in credited for e in changes)


def test_credit_notes_are_issued(year):
    notes = [i for i in year.invoices if i.kind == "credit_note"]
    assert notes
    assert all(n.total < 0 for n in notes)


def test_reverse_charge_invoices_carry_no_tax(year):
    reverse = [i for i in year.invoices if i.tax_regime == "reverse_charge"]
    assert len(reverse) > 12
    for invoice in reverse:
        assert invoice.tax == 0 and invoice.total == invoice.total_excl_tax
        assert invoice.note == REVERSE_CHARGE_NOTE
        assert all(line.tax_rate == 0 for line in year.lines[invoice.id])


def test_invoice_totals_add_up_to_their_lines_to_the_cent(year):
    for invoice in year.invoices:
        lines = year.lines[invoice.id]
        assert invoice.total_excl_tax == sum((ln.amount for ln in lines), Decimal(0))
        assert invoice.tax == sum((ln.tax for ln in lines), Decimal(0))
        assert invoice.total == invoice.total_excl_tax + invoice.tax
        assert invoice.total == invoice.total.quantize(CENT)
    totals = sum((i.total for i in year.invoices), Decimal(0))
    lines = sum((ln.amount + ln.tax for ls in year.lines.values() for ln in ls), Decimal(0))
    assert totals == lines


def counts(engine) -> dict[str, int]:
    with Session(engine) as session:
        return {
            table.__name__: session.scalar(select(func.count()).select_from(table))
            for table in (
                models.Item,
                models.Price,
                models.Customer,
                models.Contract,
                models.ContractLine,
                models.ContractAction,
                models.UsageRecord,
                models.Setting,
                models.AuditRecord,
            )
        }


def test_loading_twice_is_refused_and_changes_nothing(tmp_path):
    engine = open_engine(f"sqlite:///{tmp_path / 'cn285.db'}")
    company = build_company(START)
    load_company(engine, company)
    before = counts(engine)
    with pytest.raises(Conflict, match="empty store only"):
        load_company(engine, company)
    assert counts(engine) == before


def test_applying_a_day_twice_is_refused_and_changes_nothing(tmp_path):
    engine = open_engine(f"sqlite:///{tmp_path / 'cn285.db'}")
    company = build_company(START)
    load_company(engine, company)
    apply_events(engine, company, company.start)
    before = counts(engine)
    with pytest.raises(Conflict, match="already applied"):
        apply_events(engine, company, company.start)
    assert counts(engine) == before


def test_a_refused_event_rolls_back_its_whole_day(tmp_path):
    engine = open_engine(f"sqlite:///{tmp_path / 'cn285.db'}")
    company = build_company(START)
    load_company(engine, company)
    day = company.start
    wrong = ContractChange(
        day,
        "CT-1001",
        ActionIn(do=ActionKind.SET_QUANTITY, on=day, line="CT-1001/NOPE", quantity=2),
    )
    broken = replace(company, events=(*company.events_on(day), wrong))
    before = counts(engine)
    with pytest.raises(EventRejected, match="CT-1001/NOPE"):
        apply_events(engine, broken, day)
    assert counts(engine) == before
    assert apply_events(engine, company, day)["usage_created"] > 0  # the day is still to do

"""Month closes of revenue recognition over issued invoices, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlmodel import Session

from cn285.billing_core.revrec import AccountPlan
from cn285.billing_core.scenario import load
from cn285.hub.services.billing import run_billing
from cn285.hub.services.errors import Conflict, NotFound
from cn285.hub.services.revrec import close_month, closed_entry, invoice_schedule
from cn285.hub.services.scenario_load import load_scenario
from cn285.hub.store import models
from tests.conftest import OWN_SCENARIOS

PLAN = AccountPlan()
D = Decimal


def loaded(engine, name: str, bill_until: dt.date | None = None):
    scenario = load((OWN_SCENARIOS / name).read_text(encoding="utf-8"))
    load_scenario(engine, scenario)
    if bill_until is not None:
        run_billing(engine, bill_until)
    return scenario


def lines_of(entry) -> list[tuple[str, Decimal, Decimal]]:
    return [(line.account, line.debit, line.credit) for line in entry.lines]


def test_each_close_recognises_its_days_and_balances(engine):
    # 302.47 for 1 Oct – 31 Dec 2027 (92 days), then 245.90 for 1 Jan – 15 Mar 2028 (75)
    loaded(engine, "32-calendar-year-leap.yaml", dt.date(2028, 12, 31))
    expected = {
        dt.date(2027, 10, 1): D("101.92"),  # 302.47 × 31 / 92
        dt.date(2027, 11, 1): D("98.63"),  # 302.47 × 30 / 92
        dt.date(2027, 12, 1): D("101.92"),  # the rest of 302.47
        dt.date(2028, 1, 1): D("101.64"),  # 245.90 × 31 / 75
        dt.date(2028, 2, 1): D("95.08"),  # 245.90 × 29 / 75 (leap February)
        dt.date(2028, 3, 1): D("49.18"),  # the rest of 245.90
        dt.date(2028, 4, 1): D("0"),
    }
    for month, amount in expected.items():
        close = close_month(engine, month, PLAN)
        assert (close.created, close.recognised) == (True, amount), month
        if amount:
            assert close.entry is not None and close.entry.reference == f"REVREC-{month:%Y-%m}"
            assert lines_of(close.entry) == [("487000", amount, D(0)), ("706000", D(0), amount)]
        else:
            assert close.entry is None
    assert sum(expected.values()) == D("302.47") + D("245.90")


def test_a_close_run_again_posts_nothing_and_returns_the_same_entry(engine):
    loaded(engine, "32-calendar-year-leap.yaml", dt.date(2028, 12, 31))
    first = close_month(engine, dt.date(2027, 10, 20), PLAN)
    again = close_month(engine, dt.date(2027, 10, 1), PLAN)
    assert (again.created, again.recognised, again.entry) == (False, first.recognised, first.entry)
    with Session(engine) as session:
        postings = session.scalar(select(func.count()).select_from(models.RevrecPosting))
        events = session.scalar(
            select(func.count())
            .select_from(models.OutboxEvent)
            .where(models.OutboxEvent.entity == "journal_entry")
        )
    assert (postings, events) == (1, 1)
    assert closed_entry(engine, "REVREC-2027-10") == first.entry
    assert closed_entry(engine, "REVREC-2031-01") is None


def test_months_close_in_order_and_a_closed_month_is_locked(engine):
    loaded(engine, "32-calendar-year-leap.yaml", dt.date(2028, 12, 31))
    close_month(engine, dt.date(2027, 10, 1), PLAN)
    with pytest.raises(Conflict, match="the next month to close is 2027-11"):
        close_month(engine, dt.date(2027, 12, 1), PLAN)
    close_month(engine, dt.date(2027, 11, 1), PLAN)
    with pytest.raises(Conflict, match="2027-09 precedes the last closed month 2027-11"):
        close_month(engine, dt.date(2027, 9, 1), PLAN)


def test_a_document_issued_after_its_month_closed_lands_in_the_first_open_month(engine):
    loaded(engine, "32-calendar-year-leap.yaml")  # nothing billed yet
    october = close_month(engine, dt.date(2027, 10, 1), PLAN)
    assert (october.recognised, october.entry) == (D(0), None)
    run_billing(engine, dt.date(2028, 12, 31))  # the 1 October invoice is issued now
    november = close_month(engine, dt.date(2027, 11, 1), PLAN)
    assert november.recognised == D("101.92") + D("98.63")  # October caught up


def test_every_invoiced_amount_is_recognised_once_across_closes(engine):
    loaded(engine, "59-group-invoices.yaml", dt.date(2026, 3, 31))
    with Session(engine) as session:
        invoiced = sum(session.scalars(select(models.Invoice.total_excl_tax)), D(0))
    recognised = sum(close_month(engine, dt.date(2026, m, 1), PLAN).recognised for m in (1, 2, 3))
    assert invoiced > 0 and recognised == invoiced


def test_an_invoice_schedule_adds_up_to_each_line(engine):
    loaded(engine, "32-calendar-year-leap.yaml", dt.date(2028, 12, 31))
    with Session(engine) as session:
        number = session.scalars(
            select(models.Invoice.number).order_by(models.Invoice.date)
        ).first()
    [(line, months)] = invoice_schedule(engine, number or "")
    assert [(r.month, r.amount) for r in months] == [
        (dt.date(2027, 10, 1), D("101.92")),
        (dt.date(2027, 11, 1), D("98.63")),
        (dt.date(2027, 12, 1), D("101.92")),
    ]
    assert sum(r.amount for r in months) == line.amount
    with pytest.raises(NotFound):
        invoice_schedule(engine, "INV-999999")


def test_the_revrec_commands(engine, db_url, tmp_path):
    from typer.testing import CliRunner

    from cn285.hub.cli import app

    loaded(engine, "32-calendar-year-leap.yaml", dt.date(2028, 12, 31))
    runner = CliRunner()
    config = tmp_path / "cn285.toml"
    config.write_text('[revrec]\nincome = "706100"\n', encoding="utf-8")
    closed = runner.invoke(
        app, ["revrec", "close", "--period", "2027-10", "--db", db_url, "--config", str(config)]
    )
    assert closed.exit_code == 0, closed.output
    assert "REVREC-2027-10: 2027-10 closed, 101.92 recognised" in closed.output
    assert "706100" in closed.output
    skipped = runner.invoke(app, ["revrec", "close", "--period", "2027-12", "--db", db_url])
    assert skipped.exit_code == 1 and "the next month to close is 2027-11" in skipped.output
    wrong = runner.invoke(app, ["revrec", "close", "--period", "2027-13", "--db", db_url])
    assert wrong.exit_code == 2 and "is not a month" in wrong.output
    config.write_text("[revrec]\nincome_acount = 1\n", encoding="utf-8")
    typo = runner.invoke(
        app, ["revrec", "close", "--period", "2027-11", "--db", db_url, "--config", str(config)]
    )
    assert typo.exit_code == 2 and "revrec.income_acount: unknown key" in typo.output
    shown = runner.invoke(app, ["revrec", "schedule", "--invoice", "INV-000001", "--db", db_url])
    assert shown.exit_code == 0
    assert shown.output.split() == [
        "line",
        "1",
        "ERP",
        "302.47",
        "(recurring)",
        "2027-10",
        "101.92",
        "2027-11",
        "98.63",
        "2027-12",
        "101.92",
    ]

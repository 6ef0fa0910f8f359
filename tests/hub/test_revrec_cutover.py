"""The revenue recognition cut-over: imported history is not recognised again by Cn285.

Months before the start (`[revrec] start`, else the month of the first invoice Cn285
issued) are the previous system's: never closed here, and what schedules put in them is
never posted. On SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import textwrap
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, func, select
from sqlmodel import Session

from cn285.billing_core.revrec import AccountPlan
from cn285.billing_core.revrec.months import month_of
from cn285.billing_core.scenario import load
from cn285.hub.services.billing import run_billing
from cn285.hub.services.errors import Conflict, Invalid
from cn285.hub.services.revrec import (
    account_plan,
    close_month,
    close_through,
    invoice_schedule,
    start_setting,
)
from cn285.hub.services.scenario_load import load_scenario
from cn285.hub.store import models
from cn285.hub.store.database import session_scope
from tests.hub.test_api import keys  # noqa: F401  (fixture)
from tests.hub.test_revrec_closes import loaded
from tests.imports.kinds_support import batch, rows

PLAN = AccountPlan()
D = Decimal
JAN_2026 = dt.date(2026, 1, 1)

# Acme, migrated: the previous system billed it until February 2026, Cn285 bills monthly
# in advance from 1 March 2026 (100.00 a month)
MIGRATED = """
scenario: a customer migrated to Cn285, billed by it from March 2026
timezone: UTC
tax: {seller_country: FR, rates: {FR: {standard: "20"}}}
customers: [{code: ACME, name: Acme SA, country: FR}]
items: [{code: PLATFORM, name: Platform}, {code: SETUP, name: Setup fee}]
price_lists:
  - code: STD
    currency: EUR
    prices:
      PLATFORM: {model: flat, price: "100.00"}
contracts:
  - code: K1
    customer: ACME
    price_list: STD
    lines:
      - {code: L1, item: PLATFORM, kind: recurring, start: 2026-03-01, period: month,
         timing: advance}
run: {until: 2026-03-01}
"""

# 1 November 2025 – 31 October 2026 is 365 days; 1,200.00 × days / 365 per month, rounded
# half up, the remainder in October
ANNUAL_SCHEDULE = {
    dt.date(2025, 11, 1): D("98.63"),  # 30 days
    dt.date(2025, 12, 1): D("101.92"),  # 31 days
    dt.date(2026, 1, 1): D("101.92"),
    dt.date(2026, 2, 1): D("92.05"),  # 28 days
    dt.date(2026, 3, 1): D("101.92"),
    dt.date(2026, 4, 1): D("98.63"),
    dt.date(2026, 5, 1): D("101.92"),
    dt.date(2026, 6, 1): D("98.63"),
    dt.date(2026, 7, 1): D("101.92"),
    dt.date(2026, 8, 1): D("101.92"),
    dt.date(2026, 9, 1): D("98.63"),
    dt.date(2026, 10, 1): D("101.91"),  # 1,200.00 − 1,098.09
}


def history_row(number: str, day: str, start: str, end: str, amount: str, **more: str) -> dict:
    """One line of a historical invoice, as a file gives it (20 % VAT)."""
    tax = (D(amount) * D("0.2")).quantize(D("0.01"))
    return {
        "number": number,
        "customer": "ACME",
        "date": day,
        "currency": "EUR",
        "tax_regime": "domestic",
        "item": "PLATFORM",
        "line_kind": "recurring",
        "start": start,
        "end": end,
        "amount": amount,
        "tax_rate": "20",
        "tax": str(tax),
        **more,
    }


ANNUAL = history_row("F-2025-0042", "2025-11-01", "2025-11-01", "2026-10-31", "1200.00")
DECEMBER = history_row("F-2025-0050", "2025-12-01", "2025-12-01", "2025-12-31", "100.00")


@pytest.fixture
def migrated(engine):
    """Acme's contract loaded (nothing billed yet) and two historical invoices imported."""
    load_scenario(engine, load(textwrap.dedent(MIGRATED)))
    done = batch(engine, "invoices", rows(ANNUAL, DECEMBER))
    assert done.errors == [] and done.outcome.created == 2
    return engine


def recognised(closes) -> dict[dt.date, Decimal]:
    return {c.month: c.recognised for c in closes}


def journal_entries(engine) -> list[str]:
    with Session(engine) as session:
        return list(
            session.scalars(
                select(models.OutboxEvent.key)
                .where(models.OutboxEvent.entity == "journal_entry")
                .order_by(models.OutboxEvent.id)
            )
        )


def closed_months(engine) -> list[dt.date]:
    with Session(engine) as session:
        return list(session.scalars(select(models.RevrecPeriod.month).order_by("month")))


# -- the default start ---------------------------------------------------------------------


def test_history_alone_and_no_start_closes_nothing(migrated):
    assert close_through(migrated, dt.date(2026, 2, 28), PLAN) == []
    with pytest.raises(Conflict, match=r"only imported invoices.*set \[revrec\] start"):
        close_month(migrated, dt.date(2025, 11, 1), PLAN)
    assert (closed_months(migrated), journal_entries(migrated)) == ([], [])


def test_the_default_start_is_the_month_of_the_first_invoice_cn285_issued(migrated):
    run_billing(migrated, dt.date(2026, 4, 1))  # INV-000001 on 1 March, INV-000002 on 1 April
    closes = close_through(migrated, dt.date(2026, 4, 30), PLAN)
    assert recognised(closes) == {
        dt.date(2026, 3, 1): D("101.92") + D("100.00"),  # not November to February again
        dt.date(2026, 4, 1): D("98.63") + D("100.00"),
    }
    assert journal_entries(migrated) == ["REVREC-2026-03", "REVREC-2026-04"]
    with pytest.raises(Conflict, match="2026-02 is before the revenue recognition start 2026-03"):
        close_month(migrated, dt.date(2026, 2, 1), PLAN)


def test_the_first_close_is_the_start_month(migrated):
    run_billing(migrated, dt.date(2026, 4, 1))
    with pytest.raises(
        Conflict,
        match="first month to close is the start 2026-03 \\(the month of the first invoice Cn285",
    ):
        close_month(migrated, dt.date(2026, 4, 1), PLAN)
    with pytest.raises(Conflict, match="2026-01 is before the revenue recognition start 2026-03"):
        close_month(migrated, JAN_2026, PLAN)
    assert closed_months(migrated) == []


def test_a_late_invoice_dated_before_the_start_does_not_move_it(migrated):
    """The start is the first month closed from then on: an invoice Cn285 issues later with
    an earlier date does not bring the history of the months before back into a close."""
    run_billing(migrated, dt.date(2026, 3, 1))
    close_through(migrated, dt.date(2026, 3, 31), PLAN)
    # 120.00 for 1 January – 30 April (120 days: 31.00, 28.00, 31.00, 30.00), dated 15 January
    late_invoice(migrated, dt.date(2026, 1, 15), dt.date(2026, 1, 1), dt.date(2026, 4, 30))
    [april] = close_through(migrated, dt.date(2026, 4, 30), PLAN)
    # history's April share; of the late line, March and April (January and February come
    # before the start, as for every line)
    assert april.recognised == D("98.63") + D("31.00") + D("30.00")
    with pytest.raises(Conflict, match="start cannot move once a month is closed"):
        close_month(migrated, dt.date(2026, 5, 1), PLAN, start=JAN_2026)
    run_billing(migrated, dt.date(2026, 5, 1))  # April's invoice too late for April's close
    [may] = close_through(migrated, dt.date(2026, 5, 31), PLAN, start=dt.date(2026, 3, 1))
    assert may.recognised == D("101.92") + D("100.00") * 2


def late_invoice(engine, day: dt.date, start: dt.date, end: dt.date) -> None:
    """An invoice of 120.00 (+ 20 % VAT) issued now with an earlier date, as a backdated
    contract would have it."""
    with session_scope(engine) as session:
        invoice = models.Invoice(
            key=f"ACME|late|{day}|EUR",
            number="INV-000900",
            kind="invoice",
            customer_code="ACME",
            date=day,
            currency="EUR",
            tax_regime="domestic",
            total_excl_tax=D("120.00"),
            tax=D("24.00"),
            total=D("144.00"),
        )
        session.add(invoice)
        session.flush()
        session.add(
            models.InvoiceLine(
                invoice_id=invoice.id,  # type: ignore[arg-type]
                position=1,
                line_ref="K9/L1",
                contract_code="K9",
                item_code="PLATFORM",
                description="Platform",
                kind="recurring",
                start=start,
                end=end,
                amount=D("120.00"),
                tax_rate=D("20"),
                tax=D("24.00"),
            )
        )


# -- a configured start --------------------------------------------------------------------


def test_an_annual_historical_invoice_is_recognised_from_the_configured_start_only(migrated):
    closes = close_through(migrated, dt.date(2026, 12, 31), PLAN, start=JAN_2026)
    months = [dt.date(2026, m, 1) for m in range(1, 13)]
    # December's monthly invoice lies wholly before the start: nothing of it is posted
    assert recognised(closes) == {m: ANNUAL_SCHEDULE.get(m, D(0)) for m in months}
    [(line, schedule)] = invoice_schedule(migrated, "F-2025-0042")
    assert [(r.month, r.amount) for r in schedule] == list(ANNUAL_SCHEDULE.items())
    before = sum((r.amount for r in schedule if r.month < JAN_2026), D(0))
    assert before == D("98.63") + D("101.92")
    posted = sum((c.recognised for c in closes), D(0))
    assert posted == D("999.45") == line.amount - before  # January to October, to the cent
    assert closes[0].entry is not None and closes[0].reference == "REVREC-2026-01"
    assert [(x.account, x.debit, x.credit) for x in closes[0].entry.lines] == [
        ("487000", D("101.92"), D(0)),
        ("706000", D(0), D("101.92")),
    ]
    assert journal_entries(migrated) == [f"REVREC-2026-{m:02d}" for m in range(1, 11)]


def test_own_invoices_before_a_configured_start_are_left_to_the_previous_system(migrated):
    run_billing(migrated, dt.date(2026, 4, 1))
    start = dt.date(2026, 4, 1)
    with pytest.raises(Conflict, match="2026-03 is before the revenue recognition start 2026-04"):
        close_month(migrated, dt.date(2026, 3, 1), PLAN, start=start)
    [april] = close_through(migrated, dt.date(2026, 4, 30), PLAN, start=start)
    assert (april.month, april.recognised) == (start, D("98.63") + D("100.00"))


def test_a_store_without_history_closes_as_before(engine):
    loaded(engine, "32-calendar-year-leap.yaml", dt.date(2028, 12, 31))
    closes = close_through(engine, dt.date(2028, 3, 31), PLAN)
    assert closes[0].reference == "REVREC-2027-10"  # the month of the first invoice
    assert sum((c.recognised for c in closes), D(0)) == D("302.47") + D("245.90")


# -- the setting ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value", ["2026-1", "2026-13", "26-01", "2026-01-01", "", 202601, dt.date(2026, 1, 1)]
)
def test_a_start_that_is_not_a_month_is_refused_naming_the_key(value):
    with pytest.raises(Invalid) as refused:
        start_setting({"revrec": {"start": value}})
    assert refused.value.problems == [
        ("revrec.start", f'must be a month, "YYYY-MM" (got {value!r})')
    ]


def test_the_start_is_read_beside_the_accounts():
    config = {"revrec": {"start": "2026-01", "income": "706100"}}
    assert start_setting(config) == JAN_2026
    assert account_plan(config) == AccountPlan(income="706100")
    assert start_setting({}) is None
    with pytest.raises(Invalid, match=r"revrec\.strat: unknown key \(known: .*start"):
        start_setting({"revrec": {"strat": "2026-01"}})


def test_the_commands_and_the_api_use_the_start(migrated, db_url, tmp_path, keys):  # noqa: F811
    from fastapi.testclient import TestClient
    from typer.testing import CliRunner

    from cn285.hub.api.app import create_app
    from cn285.hub.cli import app

    runner = CliRunner()
    config = tmp_path / "cn285.toml"
    config.write_text('[revrec]\nstart = "2026-1"\n', encoding="utf-8")
    command = ["revrec", "close", "--db", db_url, "--config", str(config), "--period"]
    bad = runner.invoke(app, [*command, "2026-01"])
    assert bad.exit_code == 2 and 'revrec.start: must be a month, "YYYY-MM"' in bad.output
    config.write_text('[revrec]\nstart = "2026-01"\n', encoding="utf-8")
    early = runner.invoke(app, [*command, "2025-12"])
    assert early.exit_code == 1
    assert "2025-12 is before the revenue recognition start 2026-01" in early.output
    closed = runner.invoke(app, [*command, "2026-01"])
    assert closed.exit_code == 0, closed.output
    assert "REVREC-2026-01: 2026-01 closed, 101.92 recognised" in closed.output

    api = TestClient(create_app(migrated, revrec_start=JAN_2026))
    api.headers["Authorization"] = f"Bearer {keys['rw']}"
    refused = api.post("/v1/revrec/closes", json={"period": "2025-11"})
    assert refused.status_code == 409 and "start 2026-01" in refused.json()["detail"]
    february = api.post("/v1/revrec/closes", json={"period": "2026-02"})
    assert february.status_code == 201 and february.json()["recognised"] == "92.05"


def test_the_monthly_job_closes_from_the_configured_start(migrated):
    from cn285.hub.scheduler import jobs
    from cn285.hub.scheduler.timeline import timeline

    day = dt.date(2026, 3, 1)
    idle = jobs.run_job(migrated, {}, timeline({}), "revrec_close", today=day)
    assert (idle.status, idle.summary) == ("ok", "no month to close")  # history only
    config = {"revrec": {"start": "2026-01"}}
    run = jobs.run_job(migrated, config, timeline(config), "revrec_close", today=day)
    assert (run.status, run.summary) == ("ok", "REVREC-2026-01 101.92, REVREC-2026-02 92.05")


# -- whatever the start ----------------------------------------------------------------------


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    start=st.dates(dt.date(2025, 9, 1), dt.date(2027, 3, 31)).map(month_of),
    first=st.dates(dt.date(2025, 10, 1), dt.date(2026, 6, 30)),
    days=st.integers(1, 500),
    cents=st.integers(1, 10**8),
)
def test_what_closes_post_and_what_precedes_the_start_make_the_line(
    engine, start, first, days, cents
):
    """For any start and any historical line: the closes from the start post exactly what
    its schedule recognises from the start on; with what it recognises before the start,
    the line's amount, to the cent."""
    _empty_revrec(engine)
    amount = D(cents).scaleb(-2)
    last = first + dt.timedelta(days=days - 1)
    row = history_row("F-P", f"{first}", f"{first}", f"{last}", f"{amount}")
    done = batch(engine, "invoices", rows(row))
    assert done.errors == []
    closes = close_through(engine, max(last, start), PLAN, start=start)  # to its last month
    assert closes[0].month == start
    [(line, months)] = invoice_schedule(engine, "F-P")
    before = sum((r.amount for r in months if r.month < start), D(0))
    posted = sum((c.recognised for c in closes), D(0))
    assert posted == sum((r.amount for r in months if r.month >= start), D(0))
    assert posted + before == line.amount == amount
    for close in closes:  # month by month, the schedule's own amounts
        assert close.recognised == sum((r.amount for r in months if r.month == close.month), D(0))


def _empty_revrec(engine) -> None:
    """A store with Acme and no invoice (hypothesis runs many examples on one store)."""
    with session_scope(engine) as session:
        for table in (
            models.RevrecPosting,
            models.RevrecEntryLine,
            models.RevrecPeriod,
            models.OutboxEvent,
            models.AuditRecord,
            models.InvoiceLine,
            models.Invoice,
        ):
            session.execute(delete(table))
        loaded = session.scalar(select(func.count()).select_from(models.Customer))
    if not loaded:
        load_scenario(engine, load(textwrap.dedent(MIGRATED)))

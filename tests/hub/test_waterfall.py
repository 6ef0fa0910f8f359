"""The deferred revenue waterfall of the store, its table and its chart, on SQLite and
PostgreSQL."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from itertools import pairwise

import pytest

from cn285.billing_core.revrec import WaterfallRow
from cn285.hub.services import waterfall as service
from cn285.hub.services.errors import Invalid
from cn285.hub.services.waterfall import render_png, render_table, store_waterfall
from cn285.hub.store import models
from cn285.hub.store.database import session_scope
from tests.hub.test_revrec_closes import loaded

D = Decimal
SEPTEMBER_2027 = dt.date(2027, 9, 1)
APRIL_2028 = dt.date(2028, 4, 1)
# 302.47 for 1 Oct – 31 Dec 2027 (92 days), then 245.90 for 1 Jan – 15 Mar 2028 (75 days,
# leap February): month, opening, invoiced, recognised, closing
LEAP_YEAR_WATERFALL = [
    (dt.date(2027, 9, 1), D("0"), D("0"), D("0"), D("0")),
    (dt.date(2027, 10, 1), D("0"), D("302.47"), D("101.92"), D("200.55")),
    (dt.date(2027, 11, 1), D("200.55"), D("0"), D("98.63"), D("101.92")),
    (dt.date(2027, 12, 1), D("101.92"), D("0"), D("101.92"), D("0.00")),
    (dt.date(2028, 1, 1), D("0.00"), D("245.90"), D("101.64"), D("144.26")),
    (dt.date(2028, 2, 1), D("144.26"), D("0"), D("95.08"), D("49.18")),
    (dt.date(2028, 3, 1), D("49.18"), D("0"), D("49.18"), D("0.00")),
    (dt.date(2028, 4, 1), D("0.00"), D("0"), D("0"), D("0.00")),
]


def figures(rows: list[WaterfallRow]) -> list[tuple]:
    return [(r.month, r.opening, r.invoiced, r.recognised, r.closing) for r in rows]


def issued(engine, number: str | None, day: dt.date, currency: str, amount: str) -> None:
    """Store a one-line invoice for a month of service from `day` (draft when no number)."""
    with session_scope(engine) as session:
        invoice = models.Invoice(
            key=f"OTHER|K|{day}|{currency}|{number}",
            number=number,
            kind="invoice",
            customer_code="OTHER",
            date=day,
            currency=currency,
            tax_regime="exempt",
            total_excl_tax=D(amount),
            tax=D(0),
            total=D(amount),
        )
        session.add(invoice)
        session.flush()
        session.add(
            models.InvoiceLine(
                invoice_id=invoice.id,
                position=1,
                line_ref="K/L1",
                contract_code="K",
                item_code="ERP",
                description="service",
                kind="recurring",
                start=day,
                end=day + dt.timedelta(days=29),
                amount=D(amount),
                tax_rate=D(0),
                tax=D(0),
            )
        )


def test_a_billed_scenario_gives_the_exact_figures_of_each_month(engine):
    loaded(engine, "32-calendar-year-leap.yaml", dt.date(2028, 12, 31))
    rows = store_waterfall(engine, SEPTEMBER_2027, APRIL_2028)
    assert figures(rows) == LEAP_YEAR_WATERFALL
    assert [str(r.closing) for r in rows[6:]] == ["0.00", "0.00"]
    assert sum(r.invoiced for r in rows) == sum(r.recognised for r in rows) == D("548.37")


def test_every_row_closes_at_its_opening_plus_invoiced_minus_recognised(engine):
    loaded(engine, "32-calendar-year-leap.yaml", dt.date(2028, 12, 31))
    rows = store_waterfall(engine, SEPTEMBER_2027, APRIL_2028)
    for row in rows:
        assert row.closing == row.opening + row.invoiced - row.recognised, row.month
    for before, after in pairwise(rows):
        assert after.opening == before.closing, after.month


def test_lines_streamed_one_at_a_time_give_the_same_figures(engine, monkeypatch):
    loaded(engine, "32-calendar-year-leap.yaml", dt.date(2028, 12, 31))
    monkeypatch.setattr(service, "CHUNK", 1)
    assert figures(store_waterfall(engine, SEPTEMBER_2027, APRIL_2028)) == LEAP_YEAR_WATERFALL


def test_activity_before_the_first_month_makes_its_opening_balance(engine):
    loaded(engine, "32-calendar-year-leap.yaml", dt.date(2028, 12, 31))
    [november] = store_waterfall(engine, dt.date(2027, 11, 20), dt.date(2027, 11, 5))
    assert figures([november]) == [LEAP_YEAR_WATERFALL[2]]


def test_invoices_not_issued_yet_are_left_out(engine):
    loaded(engine, "32-calendar-year-leap.yaml")  # nothing billed
    issued(engine, None, dt.date(2027, 10, 1), "EUR", "500.00")  # a draft: no number
    rows = store_waterfall(engine, SEPTEMBER_2027, APRIL_2028)
    assert all(r.opening == r.invoiced == r.recognised == r.closing == 0 for r in rows)


def test_a_store_in_two_currencies_needs_the_currency_chosen(engine):
    loaded(engine, "32-calendar-year-leap.yaml", dt.date(2028, 12, 31))
    issued(engine, "USD-000001", dt.date(2027, 10, 1), "USD", "300.00")
    with pytest.raises(Invalid, match=r"currency: .*one currency"):
        store_waterfall(engine, SEPTEMBER_2027, APRIL_2028)
    eur = store_waterfall(engine, SEPTEMBER_2027, APRIL_2028, currency="EUR")
    assert figures(eur) == LEAP_YEAR_WATERFALL
    [usd] = store_waterfall(engine, dt.date(2027, 10, 1), dt.date(2027, 10, 1), currency="usd")
    assert (usd.invoiced, usd.recognised, usd.closing) == (D("300.00"), D("300.00"), D("0.00"))


def test_a_range_that_ends_before_it_starts_is_refused(engine):
    with pytest.raises(Invalid, match="last_month: 2027-09 is before the first month 2027-10"):
        store_waterfall(engine, dt.date(2027, 10, 1), SEPTEMBER_2027)


def test_the_table_shows_every_month_and_figure_aligned(engine):
    loaded(engine, "32-calendar-year-leap.yaml", dt.date(2028, 12, 31))
    table = render_table(store_waterfall(engine, SEPTEMBER_2027, APRIL_2028))
    lines = table.splitlines()
    assert lines[0].split() == ["month", "opening", "invoiced", "recognised", "closing"]
    assert lines[2].split() == ["2027-10", "0.00", "302.47", "101.92", "200.55"]
    assert lines[3].split() == ["2027-11", "200.55", "0.00", "98.63", "101.92"]
    assert lines[5].split() == ["2028-01", "0.00", "245.90", "101.64", "144.26"]
    assert lines[6].split() == ["2028-02", "144.26", "0.00", "95.08", "49.18"]
    assert lines[7].split() == ["2028-03", "49.18", "0.00", "49.18", "0.00"]
    assert len(lines) == 9 and len({len(line) for line in lines}) == 1  # aligned columns


def test_the_chart_is_written_as_a_png_file(engine, tmp_path):
    loaded(engine, "32-calendar-year-leap.yaml", dt.date(2028, 12, 31))
    path = render_png(store_waterfall(engine, SEPTEMBER_2027, APRIL_2028), tmp_path / "wf.png")
    assert path == tmp_path / "wf.png"
    data = path.read_bytes()
    assert len(data) > 1_000 and data.startswith(b"\x89PNG\r\n\x1a\n")


def test_the_waterfall_command(engine, db_url, tmp_path):
    from typer.testing import CliRunner

    from cn285.hub.cli import app

    loaded(engine, "32-calendar-year-leap.yaml", dt.date(2028, 12, 31))
    chart = tmp_path / "waterfall.png"
    result = CliRunner().invoke(
        app,
        [
            "revrec",
            "waterfall",
            "--from",
            "2027-09",
            "--to",
            "2028-04",
            "--png",
            str(chart),
            "--db",
            db_url,
        ],
    )
    assert result.exit_code == 0, result.output
    assert "302.47" in result.output and "101.92" in result.output
    assert chart.read_bytes().startswith(b"\x89PNG")
    wrong = CliRunner().invoke(
        app, ["revrec", "waterfall", "--from", "2027-13", "--to", "2028-04", "--db", db_url]
    )
    assert wrong.exit_code == 2 and "is not a month" in wrong.output

"""Sales and REVREC journals exported from the store, as FEC and CSV, on both databases."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

from sqlalchemy import select
from sqlmodel import Session
from typer.testing import CliRunner

from cn285.billing_core.revrec import AccountPlan
from cn285.hub.cli import app
from cn285.hub.exports import check_fec, write_fec
from cn285.hub.services.exports import revrec_journal, sales_journal
from cn285.hub.services.revrec import close_month
from cn285.hub.store import models
from tests.hub.test_revrec_closes import loaded

PLAN = AccountPlan()
YEARS = (dt.date(2026, 1, 1), dt.date(2028, 12, 31))


def test_the_sales_journal_has_one_balanced_entry_per_document(engine):
    loaded(engine, "59-group-invoices.yaml", dt.date(2026, 3, 31))
    loaded(engine, "55-vat-domestic-reduced.yaml")
    from cn285.hub.services.billing import run_billing

    run_billing(engine, dt.date(2026, 3, 31))
    with Session(engine) as session:
        invoices = session.scalars(select(models.Invoice).order_by(models.Invoice.date)).all()
    out = io.StringIO(newline="")
    counts = write_fec(sales_journal(engine, *YEARS, PLAN), out)
    assert counts.entries == len(invoices)
    assert counts.debit == counts.credit == sum(abs(i.total) for i in invoices)
    text = out.getvalue().splitlines()
    assert check_fec(text) == []
    receivable = [row.split("|") for row in text[1:] if row.split("|")[4] == "411000"]
    assert {r[6] for r in receivable} == {i.customer_code for i in invoices}  # aux accounts
    in_order = sorted(invoices, key=lambda i: (i.date, i.number))
    assert [r[8] for r in receivable] == [i.number for i in in_order]  # PieceRef


def test_the_revrec_journal_holds_the_closed_months_as_posted(engine):
    loaded(engine, "32-calendar-year-leap.yaml", dt.date(2028, 12, 31))
    for month in (10, 11, 12):
        close_month(engine, dt.date(2027, month, 1), PLAN)
    entries = list(revrec_journal(engine, dt.date(2027, 11, 1), dt.date(2027, 12, 31), PLAN))
    assert [e.piece_ref for e in entries] == ["REVREC-2027-11", "REVREC-2027-12"]
    assert [e.number for e in entries] == [1, 2]
    assert [e.total for e in entries] == [Decimal("98.63"), Decimal("101.92")]


def test_the_export_command_writes_a_complete_file(engine, db_url, tmp_path):
    loaded(engine, "32-calendar-year-leap.yaml", dt.date(2028, 12, 31))
    close_month(engine, dt.date(2027, 10, 1), PLAN)
    runner = CliRunner()
    target = tmp_path / "sales.fec"
    result = runner.invoke(
        app,
        [
            "export",
            "sales-journal",
            "--from",
            "2027-01-01",
            "--to",
            "2028-12-31",
            "--format",
            "fec",
            "--output",
            str(target),
            "--db",
            db_url,
        ],
    )
    assert result.exit_code == 0, result.output
    lines = target.read_text(encoding="utf-8").splitlines()
    assert check_fec(lines) == [] and len(lines) == 1 + 2 * 3
    assert "411000|Clients|LIMOGES|Limoges Porcelaine|INV-000001|20271001" in lines[1]
    assert not list(tmp_path.glob("*.part"))
    as_csv = runner.invoke(
        app, ["export", "revrec", "--from", "2027-10-01", "--to", "2027-10-31", "--db", db_url]
    )
    rows = list(csv.DictReader(io.StringIO(as_csv.stdout)))
    assert [(r["account"], r["debit"], r["credit"]) for r in rows] == [
        ("487000", "101.92", "0.00"),
        ("706000", "0.00", "101.92"),
    ]
    bad = runner.invoke(
        app, ["export", "revrec", "--from", "2027-10", "--to", "2027-10-31", "--db", db_url]
    )
    assert bad.exit_code == 2 and "dates are YYYY-MM-DD" in bad.output

"""`cn285 demo`: months of the sample company against both sandboxes, checked from the ERPs'
side (their own records, read through their APIs), not only by Cn285's reconciliation."""

from __future__ import annotations

import email
import subprocess
import sys
from decimal import Decimal

from sqlalchemy import select
from sqlmodel import Session

from cn285.hub.demo.runner import run_demo
from cn285.hub.store import models
from tests.conftest import ROOT

CENT = Decimal("0.01")


def test_four_months_reach_both_erps_to_the_cent_with_nothing_to_reconcile(tmp_path):
    seen: dict[str, object] = {}

    def inspect(erps, engine):
        with Session(engine) as session:
            issued = session.scalars(
                select(models.Invoice).where(models.Invoice.number.is_not(None))
            ).all()
            customers = {c.code: c for c in session.scalars(select(models.Customer))}
        seen["local"] = {i.number: abs(i.total) for i in issued}
        seen["paid"] = {i.number for i in issued if i.payment_status == "paid"}
        seen["emails"] = {c.email for c in customers.values()}
        odoo = erps.admin("odoo")
        rows = odoo.client.call(
            "account.move",
            "search_read",
            [["move_type", "in", ["out_invoice", "out_refund"]], ["state", "=", "posted"]],
            fields=["ref", "amount_total", "payment_state"],
        )
        odoo.close()
        seen["odoo"] = {r["ref"]: Decimal(str(r["amount_total"])).quantize(CENT) for r in rows}
        seen["odoo_paid"] = {r["ref"] for r in rows if r["payment_state"] in ("paid", "in_payment")}
        netsuite = {}
        for kind in ("invoice", "creditMemo"):
            for record in erps.netsuite.records(kind):
                netsuite[record["externalId"]] = Decimal(str(record["total"])).quantize(CENT)
        seen["netsuite"] = netsuite

    result = run_demo(tmp_path, months=4, inspect=inspect)

    assert result.failures == []
    assert set(result.jobs) == {"ok"}
    assert result.discrepancies == {"odoo": 0, "netsuite": 0}
    local = seen["local"]
    assert result.invoices > 200 and result.credit_notes > 0
    assert len(local) == result.invoices + result.credit_notes
    assert seen["odoo"] == local  # every invoice and credit note, once, to the cent
    assert seen["netsuite"] == local
    assert result.payments > 100
    assert seen["paid"] == seen["odoo_paid"]  # what the ERP says is paid is paid here
    assert len(seen["paid"]) == result.paid_invoices == result.payments
    assert result.months_closed == 4 and result.recognised > 0
    assert result.erp_records["odoo"]["journal_entry"] == 4
    # reminders reached the customers' mailboxes through the SMTP server
    mails = sorted((tmp_path / "mail").glob("*.eml"))
    assert len(mails) == result.emails > 0
    for path in mails:
        message = email.message_from_bytes(path.read_bytes())
        assert message["To"] in seen["emails"]
        assert "terminat" in message.get_payload(decode=True).decode().lower()
    assert [p.name for p in result.reports] == [
        f"reconciliation-{run}.html" for run in _latest_runs(tmp_path)
    ]
    assert (tmp_path / "cn285.toml").read_text().count("[connectors.") == 2


def _latest_runs(folder) -> list[str]:
    from cn285.hub.store.database import open_engine

    engine = open_engine(str(folder / "demo.db"))
    with Session(engine) as session:
        runs = session.scalars(
            select(models.ReconciliationRun).order_by(models.ReconciliationRun.id.desc())
        ).all()
    engine.dispose()
    latest: dict[str, int] = {}
    for run in runs:
        latest.setdefault(run.connector, run.id)
    return [f"{connector}-{run_id}" for connector, run_id in latest.items()]


def test_the_cli_prints_the_summary_and_succeeds(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "cn285", "demo", "--months", "1", "--folder", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    assert "2026-01 " in out
    assert "discrepancies        netsuite: 0, odoo: 0" in out
    assert "records in odoo" in out and "records in netsuite" in out
    assert "finished in" in out
    assert (tmp_path / "demo.db").exists()
    again = subprocess.run(  # a second demo in the same folder starts afresh
        [sys.executable, "-m", "cn285", "demo", "--months", "1", "--folder", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert again.returncode == 0, again.stdout + again.stderr
    first = [line for line in out.splitlines() if line.startswith("invoices issued")]
    assert first == [
        line for line in again.stdout.splitlines() if line.startswith("invoices issued")
    ]

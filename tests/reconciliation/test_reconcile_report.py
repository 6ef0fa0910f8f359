"""The report files: every value escaped in HTML, one CSV row per differing field, and a
file either complete or left as it was."""

from __future__ import annotations

import csv
import json

import pytest

from cn285.hub.reconciliation import report
from cn285.hub.store import models
from cn285.hub.store.database import session_scope
from cn285.hub.store.types import now

HOSTILE = '<script>alert("x")</script> & Co'


def a_run(engine) -> int:
    with session_scope(engine) as session:
        run = models.ReconciliationRun(
            connector="odoo",
            status="differences",
            finished_at=now(),
            checked={"invoices": 2, "erp_invoices": 2, "customers": 1},
            counts={"invoice_amount_differs": 1, "customer_unlinked": 1},
        )
        session.add(run)
        session.flush()
        session.add_all(
            [
                models.ReconciliationItem(
                    run_id=run.id,
                    kind="invoice_amount_differs",
                    entity="invoice",
                    local_key="INV-000001",
                    remote_id="41",
                    detail={
                        "fields": {
                            "tax": {"cn285": "20.00", "erp": "22.00", "difference": "2.00"},
                            "total": {"cn285": "120.00", "erp": "132.00", "difference": "12.00"},
                        }
                    },
                ),
                models.ReconciliationItem(
                    run_id=run.id,
                    kind="customer_unlinked",
                    entity="customer",
                    local_key=HOSTILE,
                    detail={"reason": "not_in_erp"},
                ),
            ]
        )
        assert run.id is not None
        return run.id


def test_reports_in_three_formats_escape_everything(engine, tmp_path):
    run_id = a_run(engine)
    files = report.write_reports(engine, run_id, tmp_path / "out")
    assert {fmt: path.name for fmt, path in files.items()} == {
        fmt: f"reconciliation-odoo-{run_id}.{fmt}" for fmt in ("json", "csv", "html")
    }
    document = json.loads(files["json"].read_text("utf-8"))
    assert document["run"]["differences"] == 2
    assert [i["local_key"] for i in document["items"]] == ["INV-000001", HOSTILE]
    rows = list(csv.DictReader(files["csv"].read_text("utf-8").splitlines()))
    assert [(r["local_key"], r["field"], r["difference"], r["reason"]) for r in rows] == [
        ("INV-000001", "tax", "2.00", ""),
        ("INV-000001", "total", "12.00", ""),
        (HOSTILE, "", "", "not_in_erp"),
    ]
    html = files["html"].read_text("utf-8")
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; Co" in html
    assert "<script>" not in html
    assert "132.00" in html and "INV-000001" in html


def test_a_report_that_fails_half_way_leaves_the_previous_file(engine, tmp_path, monkeypatch):
    run_id = a_run(engine)
    folder = tmp_path / "reports"
    files = report.write_reports(engine, run_id, folder)
    before = files["csv"].read_text("utf-8")

    def broken(engine, run_id):
        yield "run_id,connector\n"
        raise OSError("disk full")

    monkeypatch.setitem(report.RENDERERS, "csv", broken)
    with pytest.raises(OSError, match="disk full"):
        report.write_reports(engine, run_id, folder)
    assert files["csv"].read_text("utf-8") == before
    assert sorted(p.name for p in folder.iterdir()) == sorted(p.name for p in files.values())

"""`cn285 reconcile` as cron runs it (a real subprocess against a sandbox): its exit code,
its summary and its report files."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import time
from decimal import Decimal

from typer.testing import CliRunner

from cn285.hub.cli import app
from cn285.hub.reconciliation.report import CSV_HEADER
from tests.conftest import ROOT
from tests.reconciliation.test_reconcile_sandboxes import remote_id

TRICKY = "Groupe <Hexagone> & Cie"


def cn285_reconcile(erp, db_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **erp.environment()}
    env.pop("CN285_CONFIG", None)
    command = ["reconcile", "--connector", erp.name, "--db", db_url, *args]
    return subprocess.run(
        [sys.executable, "-m", "cn285", *command],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def reports(folder, erp) -> dict[str, str]:
    files = sorted(folder.glob(f"reconciliation-{erp.name}-*.json"))
    latest = files[-1].name.removesuffix(".json")
    return {ext: (folder / f"{latest}.{ext}").read_text("utf-8") for ext in ("json", "csv", "html")}


def test_exit_code_summary_and_report_files(engine, db_url, erp, synced, tmp_path, monkeypatch):
    config = tmp_path / "cn285.toml"
    folder = tmp_path / "from-config"
    config.write_text(f'[reconciliation]\nreport_dir = "{folder}"\n', encoding="utf-8")

    for key, value in erp.environment().items():  # the clean run in process: it is faster
        monkeypatch.setenv(key, value)
    clean = CliRunner().invoke(
        app, ["reconcile", "--connector", erp.name, "--db", db_url, "--config", str(config)]
    )
    assert clean.exit_code == 0, clean.output
    assert f"{erp.name}: ok (run 1)" in clean.output
    first = reports(folder, erp)
    assert json.loads(first["json"])["items"] == []
    assert list(csv.reader(first["csv"].splitlines())) == [list(CSV_HEADER)]

    erp.change_first_line(remote_id(engine, "invoice", "INV-000001"), Decimal("110.00"))
    time.sleep(1.1)  # modification times have a one-second resolution
    erp.rename_customer(remote_id(engine, "customer", "GROUPE"), TRICKY)
    output = tmp_path / "reports"
    found = cn285_reconcile(erp, db_url, "--config", str(config), "--output", str(output))
    assert found.returncode == 1, found.stdout + found.stderr
    assert f"{erp.name}: differences (run 2)" in found.stdout
    assert "  invoice_amount_differs: 1" in found.stdout
    assert "  customer_differs: 1" in found.stdout
    assert f"reconciliation-{erp.name}-2.html" in found.stdout

    second = reports(output, erp)
    document = json.loads(second["json"])
    assert document["run"]["status"] == "differences"
    assert document["run"]["counts"] == {"invoice_amount_differs": 1, "customer_differs": 1}
    assert {(i["kind"], i["local_key"]) for i in document["items"]} == {
        ("invoice_amount_differs", "INV-000001"),
        ("customer_differs", "GROUPE"),
    }
    rows = list(csv.DictReader(second["csv"].splitlines()))
    assert list(rows[0]) == list(CSV_HEADER)
    totals = {(r["local_key"], r["field"]): (r["cn285"], r["erp"], r["difference"]) for r in rows}
    assert totals[("INV-000001", "total")] == ("120.00", "132.00", "12.00")
    assert totals[("INV-000001", "tax")] == ("20.00", "22.00", "2.00")
    assert totals[("GROUPE", "name")] == ("Groupe Hexagone", TRICKY, "")
    html = second["html"]
    assert "INV-000001" in html and "Groupe &lt;Hexagone&gt; &amp; Cie" in html
    assert TRICKY not in html
    assert not [p for p in output.iterdir() if p.name.startswith(".")]  # no temporary left


def test_a_bad_configuration_or_connector_is_a_usage_error(tmp_path, monkeypatch):
    for key in os.environ:
        if key.startswith(("CN285_", "NETSUITE_")):
            monkeypatch.delenv(key)
    config = tmp_path / "cn285.toml"
    args = ["reconcile", "--connector", "sap", "--db", str(tmp_path / "cn285.db")]
    missing = CliRunner().invoke(app, [*args, "--config", str(config)])
    assert missing.exit_code == 2
    assert "cn285.toml: no such configuration file" in missing.stderr
    config.write_text("", encoding="utf-8")
    unknown = CliRunner().invoke(app, [*args, "--config", str(config)])
    assert unknown.exit_code == 2
    assert "--connector: 'sap' is not configured (configured: none)" in unknown.stderr

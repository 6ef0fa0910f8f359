"""What users see of the sync: `cn285 sync`, `cn285 sync status` and /v1/sync/..."""

from __future__ import annotations

import subprocess
import sys

from fastapi.testclient import TestClient
from sqlmodel import Session

from cn285.hub.api.app import create_app
from cn285.hub.services.apikeys import create_key
from cn285.sandboxes.odoo import OdooSandbox
from tests.conftest import ROOT
from tests.connectors.contract import bill_scenarios


def cn285(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    import os

    return subprocess.run(
        [sys.executable, "-m", "cn285", *args],
        cwd=ROOT,
        text=True,
        capture_output=True,
        check=False,
        env={**os.environ, **(env or {})},
    )


def test_sync_commands_report_runs_and_dead_letters_without_secrets(engine, db_url, tmp_path):
    bill_scenarios(engine, "59-group-invoices.yaml", "57-vat-eu-b2c.yaml")
    with OdooSandbox(version=17) as sandbox:
        config = tmp_path / "cn285.toml"
        config.write_text(
            f'[connectors.odoo]\nurl = "{sandbox.url}"\ndatabase = "{sandbox.database}"\n'
            f'login = "{sandbox.login}"\n'
        )
        secret = {"CN285_ODOO_PASSWORD": sandbox.password}
        result = cn285("sync", "--db", db_url, "--config", str(config), env=secret)
        assert result.returncode == 0, result.stderr
        assert "odoo invoices: completed" in result.stdout
        assert "failed" in result.stdout
        assert sandbox.password not in result.stdout + result.stderr
        assert "odoo invoices [" in result.stderr  # the progress bar
        status = cn285("sync", "status", "--db", db_url)
        assert status.returncode == 0
        assert "odoo invoices: completed" in status.stdout
        assert "dead letters: 2" in status.stdout and "no sale tax of 19" in status.stdout
        wrong = cn285(
            "sync", "--db", db_url, "--config", str(config), env={"CN285_ODOO_PASSWORD": "nope"}
        )
        assert wrong.returncode == 1 and "refused the credentials" in wrong.stderr
        assert "nope" not in wrong.stdout + wrong.stderr
    with Session(engine) as session:
        key = create_key(session, "ops")
        session.commit()
    api = TestClient(create_app(engine), headers={"Authorization": f"Bearer {key}"})
    runs = api.get("/v1/sync/runs").json()
    assert {r["stream"] for r in runs} == {"items", "customers", "invoices", "payments"}
    letters = api.get("/v1/sync/dead-letters", params={"connector": "odoo"}).json()
    assert len(letters) == 2 and all("19" in d["error"] or "7" in d["error"] for d in letters)
    assert TestClient(create_app(engine)).get("/v1/sync/runs").status_code == 401


def test_no_connector_configured_is_a_clear_error(db_url, tmp_path):
    result = cn285("sync", "--db", db_url, "--config", str(tmp_path / "none.toml"))
    assert result.returncode == 2 and "no such configuration file" in result.stderr
    empty = tmp_path / "cn285.toml"
    empty.write_text("")
    result = cn285("sync", "--db", db_url, "--config", str(empty))
    assert result.returncode == 2 and "no connector configured" in result.stderr

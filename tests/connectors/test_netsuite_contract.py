"""The NetSuite connector against the NetSuite sandbox, over real HTTP with TBA signing."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from cn285.connectors.base import Connector, connector_for
from cn285.sandboxes.netsuite import NetSuiteSandbox
from tests.connectors.contract import ConnectorContract

# the scenarios bill items NetSuite does not have: their lines go to a generic service item
MAPPING = "items:\n  fallback: PLATFORM-SUB\n"


class NetSuiteHarness:
    name = "netsuite"

    def __init__(self, sandbox: NetSuiteSandbox, mapping: Path) -> None:
        self.sandbox = sandbox
        self.mapping = mapping
        self.admin = connector_for("netsuite", self.config())

    def config(self) -> dict[str, str]:
        s = self.sandbox
        return {
            **{k: v for k, v in s.client_settings().items() if k != "rest_url"},
            "url": s.base_url,
            "mapping": str(self.mapping),
        }

    def environment(self) -> dict[str, str]:
        return {f"CN285_NETSUITE_{k.upper()}": v for k, v in self.config().items()}

    def connector(self) -> Connector:
        return connector_for("netsuite", self.config())

    def write_calls(self, connector: Connector) -> int:
        return connector.client.writes  # type: ignore[attr-defined]

    def request(self, method: str, path: str, **kwargs: Any) -> Any:
        return self.admin.client.request(method, path, **kwargs)  # type: ignore[attr-defined]

    def invoices(self) -> dict[str, Decimal]:
        found: dict[str, Decimal] = {}
        for kind in ("invoice", "creditMemo"):
            for record in self.sandbox.records(kind):
                number = record.get("externalId")
                assert number not in found, f"{number} is twice in NetSuite"
                found[number] = Decimal(record["total"]).quantize(Decimal("0.01"))
        return found

    def rename_customer(self, remote_id: str, name: str) -> None:
        self.request("PATCH", f"/record/v1/customer/{remote_id}", json={"companyName": name})

    def customer(self, remote_id: str) -> dict[str, Any]:
        record = self.request("GET", f"/record/v1/customer/{remote_id}").json()
        return {"name": record.get("companyName"), "email": record.get("email")}

    def pay(self, remote_invoice_id: str, amount: Decimal) -> None:
        invoice = self.sandbox.record("invoice", remote_invoice_id)
        assert invoice is not None
        self.request(
            "POST",
            "/record/v1/customerPayment",
            json={
                "customer": {"id": invoice["entity"]["id"]},
                "payment": float(amount),
                "apply": {
                    "items": [
                        {"doc": {"id": remote_invoice_id}, "apply": True, "amount": float(amount)}
                    ]
                },
            },
        )

    def journal_entries(self) -> dict[str, list[tuple[str, Decimal, Decimal]]]:
        cent, found = Decimal("0.01"), {}
        for entry in self.sandbox.records("journalEntry"):
            lines = []
            for line in entry["line"]:
                account = self.sandbox.record("account", line["account"]["id"]) or {}
                debit = Decimal(line.get("debit") or 0).quantize(cent)
                credit = Decimal(line.get("credit") or 0).quantize(cent)
                lines.append((account.get("acctNumber"), debit, credit))
            found[entry["externalId"]] = lines
        return found

    def faults(self, error_rate: float, drop_rate: float, latency: float) -> None:
        plan = self.sandbox.faults
        plan.error_rate, plan.drop_rate, plan.latency = error_rate, drop_rate, latency


@pytest.fixture
def erp(tmp_path: Path) -> Iterator[NetSuiteHarness]:
    mapping = tmp_path / "netsuite.yaml"
    mapping.write_text(MAPPING, encoding="utf-8")
    sandbox = NetSuiteSandbox(seed=285)
    sandbox.start()
    harness = NetSuiteHarness(sandbox, mapping)
    try:
        yield harness
    finally:
        harness.admin.close()
        sandbox.stop()


class TestNetSuiteConnector(ConnectorContract):
    pass


def test_an_invoice_netsuite_totals_differently_stays_in_the_dead_letters(engine, tmp_path):
    """Created once, bound (never created again), and kept in the dead letters with both
    totals on every later run: a wrong amount is never taken as synced."""
    from sqlalchemy import select
    from sqlmodel import Session

    from cn285.hub.store import models
    from cn285.hub.sync.service import sync
    from tests.connectors.contract import FAST, bill_scenarios

    mapping = tmp_path / "netsuite.yaml"  # 20 % lines sent with the 10 % code: totals differ
    mapping.write_text(MAPPING + "invoices:\n  tax_codes: {'20': FR-VAT-10}\n", encoding="utf-8")
    invoices = bill_scenarios(engine, "59-group-invoices.yaml")
    with NetSuiteSandbox() as sandbox:
        harness = NetSuiteHarness(sandbox, mapping)
        for _ in range(2):
            connector = harness.connector()
            [run] = sync(engine, connector, ["invoices"], policy=FAST)
            connector.close()
            assert run.failed == len(invoices) and run.created == 0
        harness.admin.close()
        assert len(sandbox.records("invoice")) == len(invoices)  # each once
    with Session(engine) as session:
        letters = session.scalars(select(models.DeadLetter)).all()
    assert {d.key for d in letters} == {i.number for i in invoices}
    assert all(d.resolved_at is None and "differs from" in d.error for d in letters)

"""The Odoo connector against the Odoo sandbox, over real HTTP through odoorpc."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

from cn285.connectors.base import Connector, connector_for
from cn285.sandboxes.odoo import OdooSandbox
from cn285.sandboxes.odoo.faults import FaultConfig
from tests.connectors.contract import ConnectorContract

WRITES = {"create", "write", "unlink", "action_post", "action_create_payments"}


class OdooHarness:
    name = "odoo"

    def __init__(self, sandbox: OdooSandbox) -> None:
        self.sandbox = sandbox
        self.admin = connector_for("odoo", self.config())

    def config(self) -> dict[str, str]:
        s = self.sandbox
        return {"url": s.url, "database": s.database, "login": s.login, "password": s.password}

    def environment(self) -> dict[str, str]:
        return {f"CN285_ODOO_{k.upper()}": v for k, v in self.config().items()}

    def connector(self) -> Connector:
        connector = connector_for("odoo", self.config())
        calls: list[str] = []
        original = connector.client.call  # type: ignore[attr-defined]

        def counted(model: str, method: str, *args: Any, **kwargs: Any) -> Any:
            calls.append(method)
            return original(model, method, *args, **kwargs)

        connector.client.call = counted  # type: ignore[attr-defined]
        connector.methods = calls  # type: ignore[attr-defined]
        return connector

    def write_calls(self, connector: Connector) -> int:
        return sum(1 for m in connector.methods if m in WRITES)  # type: ignore[attr-defined]

    def call(self, model: str, method: str, *args: Any, **kwargs: Any) -> Any:
        return self.admin.client.call(model, method, *args, **kwargs)  # type: ignore[attr-defined]

    def invoices(self) -> dict[str, Decimal]:
        rows = self.call(
            "account.move",
            "search_read",
            [["move_type", "in", ["out_invoice", "out_refund"]], ["ref", "!=", False]],
            fields=["ref", "amount_total"],
        )
        found: dict[str, Decimal] = {}
        for row in rows:
            assert row["ref"] not in found, f"{row['ref']} is twice in Odoo"
            found[row["ref"]] = Decimal(str(row["amount_total"])).quantize(Decimal("0.01"))
        return found

    def rename_customer(self, remote_id: str, name: str) -> None:
        self.call("res.partner", "write", [int(remote_id)], {"name": name})

    def customer(self, remote_id: str) -> dict[str, Any]:
        return self.call("res.partner", "read", [int(remote_id)], fields=["name", "email"])[0]

    def pay(self, remote_invoice_id: str, amount: Decimal) -> None:
        context = {"active_model": "account.move", "active_ids": [int(remote_invoice_id)]}
        wizard = self.call(
            "account.payment.register", "create", {"amount": float(amount)}, context=context
        )
        self.call("account.payment.register", "action_create_payments", [wizard], context=context)

    def journal_entries(self) -> dict[str, list[tuple[str, Decimal, Decimal]]]:
        cent, found = Decimal("0.01"), {}
        moves = self.call(
            "account.move", "search_read", [["move_type", "=", "entry"]], fields=["ref", "state"]
        )
        for move in moves:
            assert move["state"] == "posted", move
            lines = self.call(
                "account.move.line",
                "search_read",
                [["move_id", "=", move["id"]]],
                fields=["account_id", "debit", "credit"],
                order="id asc",
            )
            codes = {
                row["id"]: row["code"]
                for row in self.call(
                    "account.account",
                    "read",
                    [ln["account_id"][0] for ln in lines],
                    fields=["code"],
                )
            }
            found[move["ref"]] = [
                (
                    codes[ln["account_id"][0]],
                    Decimal(str(ln["debit"])).quantize(cent),
                    Decimal(str(ln["credit"])).quantize(cent),
                )
                for ln in lines
            ]
        return found

    def faults(self, error_rate: float, drop_rate: float, latency: float) -> None:
        self.sandbox.faults.configure(
            FaultConfig(
                error_rate=error_rate, drop_rate=drop_rate, latency_ms=latency * 1000, seed=285
            )
        )


@pytest.fixture
def erp() -> Iterator[OdooHarness]:
    sandbox = OdooSandbox(version=17)
    sandbox.start()
    try:
        yield OdooHarness(sandbox)
    finally:
        sandbox.stop()


class TestOdooConnector(ConnectorContract):
    pass

"""Both ERP sandboxes behind one small interface to tamper with what a sync wrote there.

Built on the connector contract's harnesses (`tests/connectors`): each starts its sandbox
and talks to it over HTTP as an ERP administrator would, through the ERP's public API.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from cn285.connectors.base import InvoiceLineRecord, InvoiceRecord
from tests.connectors.test_netsuite_contract import NetSuiteHarness
from tests.connectors.test_odoo_contract import OdooHarness


class OdooTamper(OdooHarness):
    #: what removing a posted invoice means in Odoo: it cannot be deleted, only cancelled
    removed = "cancelled"

    def change_first_line(self, remote_id: str, amount: Decimal) -> None:
        """Reset to draft, change the first line's price, post again (an accountant's fix)."""
        move = int(remote_id)
        self.call("account.move", "button_draft", [move])
        [row] = self.call("account.move", "read", [move], fields=["invoice_line_ids"])
        line = row["invoice_line_ids"][0]
        self.call(
            "account.move",
            "write",
            [move],
            {"invoice_line_ids": [[1, line, {"price_unit": float(amount)}]]},
        )
        self.call("account.move", "action_post", [move])

    def remove_invoice(self, remote_id: str) -> None:
        self.call("account.move", "button_cancel", [int(remote_id)])


class NetSuiteTamper(NetSuiteHarness):
    removed = "deleted"

    def change_first_line(self, remote_id: str, amount: Decimal) -> None:
        record = self.request(
            "GET", f"/record/v1/invoice/{remote_id}", params={"expandSubResources": "true"}
        ).json()
        lines = [_writable(line) for line in record["item"]["items"]]
        lines[0]["amount"] = float(amount)
        self.request(
            "PATCH",
            f"/record/v1/invoice/{remote_id}",
            json={"item": {"items": lines}},
            params={"replace": "item"},
        )

    def remove_invoice(self, remote_id: str) -> None:
        self.request("DELETE", f"/record/v1/invoice/{remote_id}")


def _writable(line: dict[str, Any]) -> dict[str, Any]:
    keep = ("item", "description", "quantity", "amount", "taxCode")
    return {
        k: ({"id": v["id"]} if isinstance(v, dict) else v) for k, v in line.items() if k in keep
    }


def foreign_invoice(number: str, customer_remote_id: str) -> InvoiceRecord:
    """An invoice under a Cn285-like number that Cn285 never issued (50.00 + 20 % VAT)."""
    line = InvoiceLineRecord(
        "Hand-made", "HR", Decimal(1), Decimal("50.00"), Decimal(20), Decimal("10.00")
    )
    return InvoiceRecord(
        number=number,
        kind="invoice",
        customer_remote_id=customer_remote_id,
        date=dt.date(2026, 3, 15),
        currency="EUR",
        lines=(line,),
        total_excl_tax=Decimal("50.00"),
        tax=Decimal("10.00"),
        total=Decimal("60.00"),
    )

"""Saving the sandbox to a JSON file and starting again from it."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from cn285.sandboxes.netsuite import Credentials, NetSuiteSandbox
from cn285.sandboxes.netsuite.persistence import PersistenceError
from tests.sandboxes.netsuite.conftest import ACCOUNT, NetSuiteClient, customer_id, item_id


def test_round_trip_keeps_records_types_and_sequences(tmp_path, clock):
    data = tmp_path / "netsuite.json"
    with NetSuiteSandbox(ACCOUNT, clock=clock, data_file=data) as first:
        client = NetSuiteClient(first)
        acme = customer_id(first, "CUST-0001")
        invoice = client.create(
            "invoice",
            {
                "entity": {"id": acme},
                "tranDate": "2025-02-28",
                "externalId": "INV-RT-1",
                "item": {"items": [{"item": {"id": item_id(first, "API-CALLS")}, "quantity": 12}]},
            },
        )
        client.create(
            "customerPayment",
            {
                "customer": {"id": acme},
                "payment": "0.01",
                "apply": {"items": [{"doc": {"id": invoice}}]},
            },
        )
        saved = {
            name: [dict(r) for r in first.records(name)]
            for name in ("customer", "invoice", "customerPayment")
        }
    assert json.loads(data.read_text())["account"] == ACCOUNT

    creds = Credentials.generate()
    with NetSuiteSandbox(ACCOUNT, clock=clock, data_file=data, credentials=creds) as second:
        for name, rows in saved.items():
            assert second.records(name) == rows
        stored = second.record("invoice", invoice)
        assert stored["total"] == Decimal("0.02")  # 12 x 0.002 = 0.024 -> 0.02, VAT 0.004 -> 0
        assert stored["amountRemaining"] == Decimal("0.01")
        client = NetSuiteClient(second)
        body = client.get("/record/v1/invoice/eid:INV-RT-1").json()
        assert (body["id"], body["tranDate"]) == (invoice, "2025-02-28")
        new_invoice = client.create(
            "invoice",
            {
                "entity": {"id": acme},
                "item": {"items": [{"item": {"id": item_id(second, "TRAINING")}}]},
            },
        )
        assert int(new_invoice) > int(invoice)
        assert client.record("invoice", new_invoice)["tranId"] == "INV00002"


def test_every_write_is_saved(tmp_path):
    data = tmp_path / "netsuite.json"
    with NetSuiteSandbox(ACCOUNT, data_file=data) as sandbox:
        NetSuiteClient(sandbox).create("customer", {"companyName": "Saved At Once"})
        names = [r.get("companyName") for r in json.loads(data.read_text())["records"]["customer"]]
        assert "Saved At Once" in names


def test_save_to_an_explicit_path_and_reload(tmp_path, sandbox):
    path = tmp_path / "snapshot.json"
    sandbox.save(path)
    reloaded = NetSuiteSandbox(ACCOUNT, data_file=path)
    reloaded.start()
    try:
        assert reloaded.records("salesTaxItem") == sandbox.records("salesTaxItem")
    finally:
        reloaded.stop()


def test_a_foreign_file_is_refused(tmp_path):
    path = tmp_path / "other.json"
    path.write_text('{"hello": "world"}')
    with pytest.raises(PersistenceError):
        NetSuiteSandbox(ACCOUNT, data_file=path).start()

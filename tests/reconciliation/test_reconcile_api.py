"""The reconciliation routes of the REST API, against each ERP sandbox."""

from __future__ import annotations

import csv
import json
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from cn285.hub.api.app import create_app
from cn285.hub.reconciliation.report import CSV_HEADER
from cn285.hub.services.apikeys import create_key
from tests.reconciliation.test_reconcile_sandboxes import remote_id

ROUTE = "/v1/reconciliation/runs"


@pytest.fixture
def api(engine, erp) -> tuple[TestClient, dict[str, dict[str, str]]]:
    with Session(engine) as session:
        keys = {
            "rw": create_key(session, "ops"),
            "ro": create_key(session, "audit", read_only=True),
        }
        session.commit()
    app = create_app(engine)
    app.state.config = {"connectors": {erp.name: erp.config()}}
    headers = {name: {"Authorization": f"Bearer {key}"} for name, key in keys.items()}
    return TestClient(app), headers


def test_runs_are_started_listed_and_read_with_their_reports(engine, erp, synced, api):
    client, keys = api
    clean = client.post(ROUTE, json={"connector": erp.name}, headers=keys["rw"])
    assert clean.status_code == 201, clean.text
    [first] = clean.json()
    assert (first["connector"], first["status"], first["counts"]) == (erp.name, "ok", {})
    assert first["checked"]["invoices"] == len(synced)

    erp.change_first_line(remote_id(engine, "invoice", "INV-000001"), Decimal("110.00"))
    erp.pay(remote_id(engine, "invoice", "INV-000003"), Decimal("10.00"))
    [second] = client.post(ROUTE, json={}, headers=keys["rw"]).json()  # every configured one
    assert second["status"] == "differences"
    assert second["counts"] == {"invoice_amount_differs": 1, "payment_status_differs": 1}

    listed = client.get(ROUTE, params={"limit": 1}, headers=keys["ro"]).json()
    assert [r["id"] for r in listed["items"]] == [first["id"]]
    following = client.get(
        ROUTE, params={"limit": 1, "cursor": listed["next_cursor"]}, headers=keys["ro"]
    ).json()
    assert ([r["id"] for r in following["items"]], following["next_cursor"]) == (
        [second["id"]],
        None,
    )
    only = client.get(ROUTE, params={"status": "differences"}, headers=keys["ro"]).json()
    assert [r["id"] for r in only["items"]] == [second["id"]]

    detail = client.get(f"{ROUTE}/{second['id']}", params={"limit": 1}, headers=keys["ro"]).json()
    assert detail["status"] == "differences" and len(detail["items"]) == 1
    rest = client.get(
        f"{ROUTE}/{second['id']}",
        params={"limit": 1, "cursor": detail["next_cursor"]},
        headers=keys["ro"],
    ).json()
    assert rest["next_cursor"] is None
    items = {i["kind"]: i for i in detail["items"] + rest["items"]}
    assert items["invoice_amount_differs"]["local_key"] == "INV-000001"
    assert items["invoice_amount_differs"]["detail"]["fields"]["total"] == {
        "cn285": "120.00",
        "erp": "132.00",
        "difference": "12.00",
    }
    assert items["payment_status_differs"]["detail"]["fields"]["amount_paid"]["erp"] == "10.00"
    one_kind = client.get(
        f"{ROUTE}/{second['id']}", params={"kind": "payment_status_differs"}, headers=keys["ro"]
    ).json()
    assert [i["local_key"] for i in one_kind["items"]] == ["INV-000003"]

    as_json = client.get(f"{ROUTE}/{second['id']}/report.json", headers=keys["ro"])
    assert as_json.headers["content-type"] == "application/json"
    assert len(json.loads(as_json.text)["items"]) == 2
    as_csv = client.get(f"{ROUTE}/{second['id']}/report.csv", headers=keys["ro"])
    assert as_csv.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(as_csv.text.splitlines()))
    assert rows[0] == list(CSV_HEADER) and len(rows) == 1 + 3 + 2  # 3 amounts, status and paid
    as_html = client.get(f"{ROUTE}/{second['id']}/report.html", headers=keys["ro"])
    assert as_html.headers["content-type"].startswith("text/html")
    assert "INV-000001" in as_html.text and "INV-000003" in as_html.text


@pytest.mark.parametrize("erp", ["odoo"], indirect=True)
def test_reconciliation_routes_refuse_what_they_must(engine, erp, api):
    client, keys = api
    assert client.get(ROUTE).status_code == 401
    assert client.post(ROUTE, json={}, headers=keys["ro"]).status_code == 403
    unknown = client.post(ROUTE, json={"connector": "sap"}, headers=keys["rw"])
    assert unknown.status_code == 422
    assert unknown.json()["detail"][0]["loc"] == ["body", "connector"]
    assert client.post(ROUTE, json={"extra": 1}, headers=keys["rw"]).status_code == 422
    assert client.get(f"{ROUTE}/999", headers=keys["ro"]).status_code == 404
    assert client.get(f"{ROUTE}/999/report.html", headers=keys["ro"]).status_code == 404
    assert client.get(f"{ROUTE}/1/report.xml", headers=keys["ro"]).status_code == 422

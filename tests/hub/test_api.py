"""The REST API through FastAPI's test client, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from cn285.hub.api.app import create_app
from cn285.hub.services.apikeys import create_key

CUSTOMER = {"code": "ACME", "name": "Acme SA", "country": "FR", "vat_number": "FR40303265045"}
PRICES = {
    "code": "STD",
    "currency": "EUR",
    "prices": {
        "PLATFORM": {"model": "flat", "price": "100.00"},
        "API": {
            "model": "graduated",
            "tiers": [
                {"up_to": 1000, "unit_price": "0.10"},
                {"up_to": 5000, "unit_price": "0.08"},
                {"unit_price": "0.05"},
            ],
        },
    },
}
CONTRACT = {
    "code": "K1",
    "customer": "ACME",
    "price_list": "STD",
    "lines": [
        {
            "code": "L1",
            "item": "PLATFORM",
            "kind": "recurring",
            "quantity": "2",
            "start": "2026-01-16",
            "period": "month",
            "timing": "advance",
        },
        {"code": "L2", "item": "API", "kind": "usage", "start": "2026-01-16"},
    ],
}


@pytest.fixture
def keys(engine) -> dict[str, str]:
    with Session(engine) as session:
        keys = {
            "rw": create_key(session, "ops"),
            "ro": create_key(session, "audit", read_only=True),
        }
        session.commit()
    return keys


@pytest.fixture
def api(engine, keys) -> TestClient:
    client = TestClient(create_app(engine))
    client.headers["Authorization"] = f"Bearer {keys['rw']}"
    return client


def seed(api: TestClient) -> None:
    tax = {"seller_country": "FR", "rates": {"FR": {"standard": "20"}}}
    assert api.put("/v1/settings", json={"tax": tax, "timezone": "UTC"}).status_code == 200
    for path, body in (
        ("/v1/customers", CUSTOMER),
        ("/v1/items", {"code": "PLATFORM", "name": "Platform"}),
        ("/v1/items", {"code": "API", "name": "API calls"}),
        ("/v1/price-lists", PRICES),
        ("/v1/contracts", CONTRACT),
    ):
        response = api.post(path, json=body)
        assert response.status_code == 201, response.text


def test_health_is_open_and_everything_else_needs_a_key(engine, keys):
    client = TestClient(create_app(engine))
    assert client.get("/health").json() == {"status": "ok"}
    assert client.get("/v1/customers").status_code == 401
    assert client.get("/v1/customers", headers={"Authorization": "Bearer nope"}).status_code == 401
    bad = keys["rw"][:-2] + "xx"
    assert (
        client.get("/v1/customers", headers={"Authorization": f"Bearer {bad}"}).status_code == 401
    )
    ro = {"Authorization": f"Bearer {keys['ro']}"}
    assert client.get("/v1/customers", headers=ro).status_code == 200
    assert client.post("/v1/customers", json=CUSTOMER, headers=ro).status_code == 403
    assert client.get("/openapi.json").json()["info"]["title"] == "Cn285"


def test_validation_errors_name_the_field(api):
    response = api.post("/v1/customers", json={**CUSTOMER, "vat_number": "FR123"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "vat_number"]
    response = api.post("/v1/customers", json={**CUSTOMER, "colour": "red"})
    assert response.status_code == 422 and response.json()["detail"][0]["loc"] == ["body", "colour"]
    api.post("/v1/items", json={"code": "PLATFORM", "name": "Platform"})
    response = api.post(
        "/v1/price-lists",
        json={
            "code": "X",
            "currency": "EUR",
            "prices": {"PLATFORM": {"model": "volume", "tiers": [{"up_to": 5, "unit_price": "1"}]}},
        },
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == [
        "body",
        "prices",
        "PLATFORM",
        "tiers",
        0,
        "up_to",
    ]


def test_duplicates_conflict_and_unknown_codes_are_404(api):
    assert api.post("/v1/customers", json=CUSTOMER).status_code == 201
    assert api.post("/v1/customers", json=CUSTOMER).status_code == 409
    assert api.get("/v1/customers/NOPE").status_code == 404
    assert api.get("/v1/invoices/INV-999999").status_code == 404


def test_contract_lines_are_validated_like_a_scenario(api):
    seed(api)
    bad = {
        **CONTRACT,
        "code": "K2",
        "lines": [{**CONTRACT["lines"][0], "billing_period": "month", "period": "quarter"}],
    }
    response = api.post("/v1/contracts", json=bad)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "lines", 0, "billing_period"]
    got = api.get("/v1/contracts/K1").json()
    assert [ln["code"] for ln in got["lines"]] == ["L1", "L2"]
    assert got["lines"][0]["quantity"] == "2"


def test_usage_ingestion_is_idempotent_and_all_or_nothing(api):
    seed(api)
    batch = [
        {"line": "K1/L2", "id": "u1", "at": "2026-01-20T10:00:00Z", "quantity": "700"},
        {"line": "K1/L2", "id": "u2", "at": "2026-01-31T23:59:59Z", "quantity": 500},
    ]
    assert api.post("/v1/usage/batch", json=batch).json() == {
        "received": 2,
        "created": 2,
        "duplicates": 0,
    }
    assert api.post("/v1/usage/batch", json=batch).json() == {
        "received": 2,
        "created": 0,
        "duplicates": 2,
    }
    wrong = [
        {"line": "K1/L2", "id": "u3", "at": "2026-02-01T00:00:00Z", "quantity": "6000"},
        {"line": "K1/L9", "id": "u4", "at": "2026-02-01T00:00:00Z", "quantity": "1"},
    ]
    response = api.post("/v1/usage/batch", json=wrong)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", 1, "line"]
    response = api.post(
        "/v1/usage",
        json={"line": "K1/L2", "id": "f", "at": "2026-02-02T00:00:00Z", "quantity": 1.5},
    )
    assert response.status_code == 422  # floats are refused
    single = {"line": "K1/L2", "id": "u3", "at": "2026-02-01T00:00:00Z", "quantity": "6000"}
    assert api.post("/v1/usage", json=single).json()["created"] == 1
    early = {"line": "K1/L2", "id": "u0", "at": "2026-01-10T00:00:00Z", "quantity": "1"}
    response = api.post("/v1/usage", json=early)
    assert response.status_code == 422 and "outside the service" in response.text


def test_billing_run_issues_invoices_once_with_amounts_as_strings(api):
    seed(api)
    api.post(
        "/v1/usage/batch",
        json=[
            {"line": "K1/L2", "id": "u1", "at": "2026-01-20T10:00:00Z", "quantity": "700"},
            {"line": "K1/L2", "id": "u2", "at": "2026-01-31T23:59:59Z", "quantity": "500"},
        ],
    )
    run = api.post("/v1/billing-runs", json={"until": "2026-02-28"}).json()
    assert (run["status"], run["invoices_issued"]) == ("completed", 2)
    again = api.post("/v1/billing-runs", json={"until": "2026-02-28"}).json()
    assert again["invoices_issued"] == 0
    invoices = api.get("/v1/invoices", params={"customer": "ACME"}).json()["items"]
    assert [(i["number"], i["date"], i["total"]) for i in invoices] == [
        ("INV-000001", "2026-01-16", "123.88"),
        ("INV-000002", "2026-02-01", "379.20"),
    ]
    detail = api.get("/v1/invoices/INV-000002").json()
    assert [(ln["line"], ln["from"], ln["amount"]) for ln in detail["lines"]] == [
        ("K1/L1", "2026-02-01", "200.00"),
        ("K1/L2", "2026-01-16", "116.00"),
    ]
    assert (
        api.get("/v1/invoices", params={"date_from": "2026-02-01"}).json()["items"][0]["number"]
        == "INV-000002"
    )
    late = {"line": "K1/L2", "id": "late", "at": "2026-01-25T00:00:00Z", "quantity": "1"}
    response = api.post("/v1/usage", json=late)
    assert response.status_code == 422 and "already invoiced" in response.text


def test_actions_change_contracts_but_never_the_billed_past(api):
    seed(api)
    api.post("/v1/billing-runs", json={"until": "2026-03-01"})
    response = api.post("/v1/contracts/K1/actions", json={"do": "pause", "on": "2026-02-15"})
    assert response.status_code == 409 and "billed up to 2026-03-01" in response.text
    response = api.post(
        "/v1/contracts/K1/actions", json={"do": "set_quantity", "on": "2026-03-16", "quantity": "1"}
    )
    assert response.status_code == 422  # a line change names its line
    response = api.post(
        "/v1/contracts/K1/actions",
        json={"do": "set_quantity", "on": "2026-03-16", "line": "K1/L1", "quantity": "1"},
    )
    assert response.status_code == 201, response.text
    assert api.get("/v1/contracts/K1").json()["next_due"] == "2026-03-16"
    run = api.post("/v1/billing-runs", json={"until": "2026-03-16"}).json()
    assert run["credit_notes_issued"] == 1
    credit = api.get("/v1/invoices", params={"kind": "credit_note"}).json()["items"][0]
    assert credit["total_excl_tax"] == "-51.61"  # one seat of 100.00 for 16 of 31 days
    audit = api.get("/v1/audit", params={"entity": "contract", "key": "K1"}).json()["items"]
    assert [a["action"] for a in audit] == ["create", "action:set_quantity"]
    assert audit[1]["actor"] == "ops" and audit[1]["after"]["quantity"] == "1"


def test_settings_are_validated(api):
    response = api.put(
        "/v1/settings", json={"tax": {"seller_country": "US"}, "timezone": "Mars/Base"}
    )
    assert response.status_code == 422
    assert [d["loc"] for d in response.json()["detail"]] == [
        ["body", "tax", "seller_country"],
        ["body", "timezone"],
    ]


@pytest.mark.parametrize("zone", ["America", "x" * 300])  # a folder of zones; a name too long
def test_a_zone_name_that_is_no_file_is_refused_not_a_server_error(api, zone):
    """Found by the API fuzz test: these made ZoneInfo raise OSError, answered 500."""
    response = api.put("/v1/settings", json={"timezone": zone})
    assert response.status_code == 422
    assert [d["loc"] for d in response.json()["detail"]] == [["body", "timezone"]]


def test_cursor_pagination_walks_every_item_once(api):
    for n in range(7):
        api.post("/v1/customers", json={"code": f"C{n}", "name": f"C{n}", "country": "US"})
    seen, cursor = [], None
    while True:
        params = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        body = api.get("/v1/customers", params=params).json()
        seen += [c["code"] for c in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == [f"C{n}" for n in range(7)]
    assert api.get("/v1/customers", params={"cursor": "garbage"}).status_code == 422
    assert api.get("/v1/customers", params={"limit": 0}).status_code == 422

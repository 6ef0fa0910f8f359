"""Month closes and schedules through the REST API."""

from __future__ import annotations

import datetime as dt

from fastapi.testclient import TestClient

from cn285.billing_core.revrec import AccountPlan
from cn285.hub.api.app import create_app
from tests.hub.test_api import keys  # noqa: F401  (fixture)
from tests.hub.test_revrec_closes import loaded


def test_closes_and_schedules(engine, keys):  # noqa: F811
    loaded(engine, "32-calendar-year-leap.yaml", dt.date(2028, 12, 31))
    api = TestClient(create_app(engine, AccountPlan(income="706100")))
    api.headers["Authorization"] = f"Bearer {keys['rw']}"
    first = api.post("/v1/revrec/closes", json={"period": "2027-10"})
    assert first.status_code == 201, first.text
    assert first.json()["recognised"] == "101.92"
    assert [(x["account"], x["debit"], x["credit"]) for x in first.json()["lines"]] == [
        ("487000", "101.92", "0"),
        ("706100", "0", "101.92"),
    ]
    again = api.post("/v1/revrec/closes", json={"period": "2027-10"})
    assert again.status_code == 200 and again.json()["created"] is False
    skipped = api.post("/v1/revrec/closes", json={"period": "2027-12"})
    assert skipped.status_code == 409 and "2027-11" in skipped.json()["detail"]
    assert api.post("/v1/revrec/closes", json={"period": "2027-13"}).status_code == 422
    listed = api.get("/v1/revrec/closes").json()
    assert [(c["period"], c["recognised"]) for c in listed] == [("2027-10", "101.92")]
    schedule = api.get("/v1/revrec/schedules/INV-000001").json()
    assert [(m["month"], m["amount"]) for m in schedule[0]["months"]] == [
        ("2027-10", "101.92"),
        ("2027-11", "98.63"),
        ("2027-12", "101.92"),
    ]
    assert api.get("/v1/revrec/schedules/INV-404").status_code == 404
    read_only = {"Authorization": f"Bearer {keys['ro']}"}
    refused = api.post("/v1/revrec/closes", json={"period": "2027-11"}, headers=read_only)
    assert refused.status_code == 403


def test_year_zero_is_refused_not_a_server_error(engine, keys):  # noqa: F811
    """Found by the API fuzz test: 0000-01 matched the pattern, and the calendar refused it."""
    api = TestClient(create_app(engine, AccountPlan()))
    api.headers["Authorization"] = f"Bearer {keys['rw']}"
    response = api.post("/v1/revrec/closes", json={"period": "0000-01"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "period"]

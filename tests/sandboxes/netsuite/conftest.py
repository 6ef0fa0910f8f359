"""Fixtures for the NetSuite sandbox: a running sandbox and a client that signs like a real
integration does, with requests-oauthlib (OAuth1, HMAC-SHA256, realm = account id)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests
from requests_oauthlib import OAuth1

from cn285.sandboxes.netsuite import NetSuiteSandbox

ACCOUNT = "1234567_SB1"


class Clock:
    """The sandbox's record clock, moved by hand so lastModifiedDate is predictable."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


class NetSuiteClient:
    """A thin signed HTTP client for `{base}/services/rest...` paths."""

    def __init__(self, sandbox: NetSuiteSandbox, **auth: Any) -> None:
        self.sandbox = sandbox
        self.session = requests.Session()
        self.auth_options = auth

    def auth(self, **overrides: Any) -> OAuth1:
        creds = self.sandbox.credentials
        options = {
            "signature_method": "HMAC-SHA256",
            "realm": ACCOUNT,
            **self.auth_options,
            **overrides,
        }
        return OAuth1(
            creds.consumer_key, creds.consumer_secret, creds.token_id, creds.token_secret, **options
        )

    def request(
        self, method: str, path: str, auth: OAuth1 | None = None, **kwargs: Any
    ) -> requests.Response:
        url = path if path.startswith("http") else f"{self.sandbox.rest_url}{path}"
        return self.session.request(method, url, auth=auth or self.auth(), timeout=10, **kwargs)

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("POST", path, **kwargs)

    def patch(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("PATCH", path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("PUT", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("DELETE", path, **kwargs)

    def create(self, record_type: str, body: dict[str, Any]) -> str:
        """POST a record; return the id read from the Location header, as clients do."""
        response = self.post(f"/record/v1/{record_type}", json=body)
        assert response.status_code == 204, response.text
        return response.headers["Location"].rsplit("/", 1)[1]

    def record(self, record_type: str, record_id: str) -> dict[str, Any]:
        response = self.get(
            f"/record/v1/{record_type}/{record_id}", params={"expandSubResources": "true"}
        )
        assert response.status_code == 200, response.text
        return response.json()

    def suiteql(self, q: str, **params: Any) -> requests.Response:
        return self.post(
            "/query/v1/suiteql", json={"q": q}, params=params, headers={"Prefer": "transient"}
        )


def item_id(sandbox: NetSuiteSandbox, item_name: str) -> str:
    for type_name in ("serviceSaleItem", "nonInventorySaleItem", "inventoryItem", "salesTaxItem"):
        for record in sandbox.records(type_name):
            if record["itemId"] == item_name:
                return record["id"]
    raise KeyError(item_name)


def customer_id(sandbox: NetSuiteSandbox, entity_id: str) -> str:
    return next(r["id"] for r in sandbox.records("customer") if r["entityId"] == entity_id)


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2025, 3, 1, 9, 0, 0, tzinfo=UTC))


@pytest.fixture
def sandbox(clock: Clock) -> Iterator[NetSuiteSandbox]:
    with NetSuiteSandbox(ACCOUNT, clock=clock) as running:
        yield running


@pytest.fixture
def client(sandbox: NetSuiteSandbox) -> Iterator[NetSuiteClient]:
    client = NetSuiteClient(sandbox)
    yield client
    client.session.close()

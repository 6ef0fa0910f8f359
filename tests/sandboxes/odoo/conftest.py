"""Fixtures: an Odoo sandbox on loopback and clients that talk to it over real HTTP."""

from __future__ import annotations

import datetime as dt
import json
import urllib.request
import xmlrpc.client
from collections.abc import Iterator
from typing import Any

import odoorpc
import pytest

from cn285.sandboxes.odoo import OdooSandbox


class ManualClock:
    """A clock the test moves by hand, so that write_date changes are observable."""

    def __init__(self, start: dt.datetime | None = None) -> None:
        self.now = start or dt.datetime(2024, 3, 1, 9, 0, 0, tzinfo=dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += dt.timedelta(seconds=seconds)


def connect(sandbox: OdooSandbox, **kwargs: Any) -> odoorpc.ODOO:
    client = odoorpc.ODOO("127.0.0.1", port=sandbox.port, **kwargs)
    client.login(sandbox.database, sandbox.login, sandbox.password)
    return client


def post_json(url: str, params: dict[str, Any], request_id: int = 7) -> dict[str, Any]:
    """One JSON-RPC call as odoorpc makes it; returns the whole response body."""
    body = json.dumps({"jsonrpc": "2.0", "method": "call", "params": params, "id": request_id})
    request = urllib.request.Request(
        url, data=body.encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200
        return json.load(response)


class XmlRpc:
    """`xmlrpc.client` proxies on a sandbox, authenticated as admin."""

    def __init__(self, sandbox: OdooSandbox) -> None:
        self.sandbox = sandbox
        self.common = xmlrpc.client.ServerProxy(f"{sandbox.url}/xmlrpc/2/common")
        self.models = xmlrpc.client.ServerProxy(f"{sandbox.url}/xmlrpc/2/object")
        self.uid = self.common.authenticate(sandbox.database, "admin", "admin", {})

    def __call__(self, model: str, method: str, *args: Any, **kwargs: Any) -> Any:
        return self.models.execute_kw(
            self.sandbox.database, self.uid, "admin", model, method, list(args), kwargs
        )


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def sandbox(clock: ManualClock) -> Iterator[OdooSandbox]:
    with OdooSandbox(version=17, clock=clock) as running:
        yield running


@pytest.fixture
def odoo(sandbox: OdooSandbox) -> odoorpc.ODOO:
    return connect(sandbox)


@pytest.fixture
def xmlrpc_client(sandbox: OdooSandbox) -> XmlRpc:
    return XmlRpc(sandbox)


def xmlid(odoo: odoorpc.ODOO, name: str) -> int:
    """The id of a record by external id (archived records too)."""
    module, _, rest = name.partition(".")
    context = {"active_test": False}
    reference = odoo.execute_kw(
        "ir.model.data", "check_object_reference", [module, rest], {"context": context}
    )
    return reference[1]

"""Fixtures: an ERP sandbox of each kind (`erp`), a store billed from two scenarios and
synced with it (`synced`)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from cn285.sandboxes.netsuite import NetSuiteSandbox
from cn285.sandboxes.odoo import OdooSandbox
from tests.connectors.contract import FAST, STREAMS, bill_scenarios
from tests.connectors.test_netsuite_contract import MAPPING
from tests.reconciliation.harness import NetSuiteTamper, OdooTamper

# an invoice, two-line invoices and a credit note with mixed lines, for two customers
SCENARIOS = ("59-group-invoices.yaml", "60-credit-note-mixed-lines.yaml")


@pytest.fixture(params=["odoo", "netsuite"])
def erp(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[OdooTamper | NetSuiteTamper]:
    if request.param == "odoo":
        odoo = OdooSandbox(version=17)
        odoo.start()
        try:
            yield OdooTamper(odoo)
        finally:
            odoo.stop()
        return
    mapping = tmp_path / "netsuite.yaml"
    mapping.write_text(MAPPING, encoding="utf-8")
    netsuite = NetSuiteSandbox(seed=285)
    netsuite.start()
    harness = NetSuiteTamper(netsuite, mapping)
    try:
        yield harness
    finally:
        harness.admin.close()
        netsuite.stop()


@pytest.fixture
def synced(engine, erp):
    """The store after billing the scenarios and a clean sync of every stream."""
    from cn285.hub.sync.service import sync

    invoices = bill_scenarios(engine, *SCENARIOS)
    connector = erp.connector()
    try:
        runs = sync(engine, connector, STREAMS, policy=FAST)
    finally:
        connector.close()
    assert all(r.status == "completed" and not r.failed for r in runs), runs
    return invoices

"""Narrowing by id and external id never changes a query's answer, only its cost."""

from __future__ import annotations

import dataclasses

import pytest

from cn285.sandboxes.netsuite import NetSuiteSandbox
from cn285.sandboxes.netsuite.query import engine
from cn285.sandboxes.netsuite.query.tables import TABLES
from cn285.sandboxes.netsuite.records.types import RECORD_TYPES


@pytest.fixture(scope="module")
def sandbox() -> NetSuiteSandbox:
    sandbox = NetSuiteSandbox()
    sandbox._prepare_data()
    writer = sandbox.writer
    for n in range(30):
        customer = writer.upsert(
            RECORD_TYPES["customer"], f"C-{n}", {"companyName": f"Company {n}"}
        )
        writer.upsert(
            RECORD_TYPES["invoice"],
            f"INV-{n}",
            {
                "entity": {"id": customer["id"]},
                "item": {"items": [{"item": {"id": "5"}, "amount": n + 1, "taxCode": {"id": "1"}}]},
            },
        )
    return sandbox


QUERIES = [
    "SELECT id, externalid FROM transaction WHERE externalid IN ('INV-3', 'INV-7', 'NONE')",
    "SELECT id FROM transaction WHERE type = 'CustInvc' AND externalid = 'INV-4'",
    "SELECT id FROM transaction WHERE externalid IN ('INV-3') OR id = 1",  # OR: not narrowed
    "SELECT t.id FROM transaction t WHERE t.id > 10 AND t.id <= 20 ORDER BY t.id",
    "SELECT id FROM customer WHERE 20 < id ORDER BY id DESC",
    "SELECT id FROM customer WHERE id IN ('5', 6, '7.0') AND externalid IS NOT NULL",
    "SELECT id, externalid FROM customer WHERE externalid = 'C-1' AND NOT id = 3",
    "SELECT id FROM item WHERE id IN (1, 2, 3)",
    "SELECT id FROM currency WHERE id = 2",
    "SELECT id FROM customer WHERE externalid NOT IN ('C-1')",
    "SELECT id FROM customer WHERE externalid IN ('C-1') OR entityid IN ('CUST-0002') "
    "OR vatregnumber IN ('FR40303265045')",
    "SELECT id FROM customer WHERE externalid IN ('C-1') OR companyname = 'Company 2'",
    "SELECT id FROM transaction WHERE tranid = 'INV00003' OR (id = 1 AND type = 'CustInvc')",
    "SELECT id FROM item WHERE itemid IN ('TRAINING', 'API-CALLS') AND isinactive = 'F'",
]


@pytest.mark.parametrize("query", QUERIES)
def test_the_answer_is_the_same_with_and_without_narrowing(
    sandbox: NetSuiteSandbox, query: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    narrowed = engine.run(query, sandbox.store, sandbox.prefs)
    for name, table in list(TABLES.items()):
        monkeypatch.setitem(TABLES, name, dataclasses.replace(table, types=()))
    full = engine.run(query, sandbox.store, sandbox.prefs)
    assert narrowed.rows == full.rows and narrowed.total == full.total
    assert full.rows or "NOT" in query or "currency" in query  # the queries select something


def test_a_non_numeric_id_is_still_an_error(sandbox: NetSuiteSandbox) -> None:
    from cn285.sandboxes.netsuite.errors import NetSuiteError

    with pytest.raises(NetSuiteError):
        engine.run("SELECT id FROM customer WHERE id = 'abc'", sandbox.store, sandbox.prefs)

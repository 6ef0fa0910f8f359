"""SuiteQL over REST: the request contract, the supported subset, paging."""

from __future__ import annotations

import pytest

from tests.sandboxes.netsuite.conftest import customer_id, item_id


@pytest.fixture
def invoices(client, sandbox, clock):
    """Five invoices for Acme, modified at 10:00, 10:10, ... 10:40 UTC on 1 March 2025."""
    acme = customer_id(sandbox, "CUST-0001")
    training = item_id(sandbox, "TRAINING")
    clock.advance(hours=1)
    ids = []
    for n in range(5):
        ids.append(
            client.create(
                "invoice",
                {
                    "entity": {"id": acme},
                    "tranDate": f"2025-02-{n + 1:02d}",
                    "externalId": f"INV-EXT-{n}",
                    "memo": None if n == 2 else f"memo {n}",
                    "item": {"items": [{"item": {"id": training}, "quantity": n + 1}]},
                },
            )
        )
        clock.advance(minutes=10)
    return ids


def test_suiteql_envelope_and_items(client, invoices):
    response = client.suiteql(
        "SELECT id, tranid, foreigntotal FROM transaction WHERE type = 'CustInvc' ORDER BY id"
    )
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"links", "count", "hasMore", "items", "offset", "totalResults"}
    assert body["totalResults"] == 5
    assert body["items"][0] == {
        "links": [],
        "id": invoices[0],
        "tranid": "INV00001",
        "foreigntotal": 1320.0,
    }


def test_suiteql_requires_prefer_transient(client):
    response = client.post("/query/v1/suiteql", json={"q": "SELECT id FROM customer"})
    assert response.status_code == 400
    assert response.json()["o:errorDetails"][0]["o:errorHeader"] == "Prefer"


def test_where_on_lastmodifieddate_with_to_timestamp(client, invoices):
    q = (
        "SELECT id FROM transaction WHERE lastmodifieddate > "
        "TO_TIMESTAMP('2025-03-01 10:15:00', 'YYYY-MM-DD HH24:MI:SS') ORDER BY id"
    )
    body = client.suiteql(q).json()
    assert [row["id"] for row in body["items"]] == invoices[2:]


def test_where_on_dates_with_to_date_and_user_format(client, invoices):
    q = (
        "SELECT id FROM transaction WHERE trandate >= TO_DATE('2025-02-04', 'YYYY-MM-DD') "
        "ORDER BY trandate DESC"
    )
    assert [r["id"] for r in client.suiteql(q).json()["items"]] == invoices[:2:-1]
    q = "SELECT id FROM transaction WHERE trandate < '2/2/2025'"
    assert [r["id"] for r in client.suiteql(q).json()["items"]] == invoices[:1]


def test_dates_show_in_the_user_format_and_to_char_gives_the_time(client, invoices):
    q = (
        "SELECT trandate, lastmodifieddate, "
        "TO_CHAR(lastmodifieddate, 'YYYY-MM-DD\"T\"HH24:MI:SS') AS modified "
        f"FROM transaction WHERE id = {invoices[1]}"
    )
    assert client.suiteql(q).json()["items"] == [
        {
            "links": [],
            "trandate": "2/2/2025",
            "lastmodifieddate": "3/1/2025",
            "modified": "2025-03-01T10:10:00",
        }
    ]


def test_order_by_and_paging(client, invoices):
    q = "SELECT id, tranid FROM transaction WHERE type = 'CustInvc' ORDER BY tranid DESC"
    first = client.suiteql(q, limit=2).json()
    assert (first["count"], first["hasMore"], first["totalResults"]) == (2, True, 5)
    assert [r["tranid"] for r in first["items"]] == ["INV00005", "INV00004"]
    last = client.suiteql(q, limit=2, offset=4).json()
    assert (last["count"], last["hasMore"], last["offset"]) == (1, False, 4)
    assert last["items"][0]["tranid"] == "INV00001"
    assert client.suiteql(q, limit=2, offset=3).status_code == 400
    assert client.suiteql(q, limit=1001).status_code == 400


def test_operators_nulls_and_parentheses(client, invoices):
    def ids(where):
        q = f"SELECT id FROM transaction WHERE {where} ORDER BY id"
        response = client.suiteql(q)
        assert response.status_code == 200, response.text
        return [r["id"] for r in response.json()["items"]]

    assert ids("memo IS NULL") == [invoices[2]]
    assert ids("memo IS NOT NULL AND type = 'CustInvc'") == invoices[:2] + invoices[3:]
    assert ids("memo <> 'memo 1'") == invoices[:1] + invoices[3:]  # NULL is not <> anything
    assert ids("memo LIKE 'memo%' AND NOT memo LIKE '%3'") == invoices[:2] + invoices[4:]
    assert ids(f"id IN ({invoices[0]}, {invoices[4]})") == [invoices[0], invoices[4]]
    assert ids("externalid IN ('INV-EXT-1', 'INV-EXT-3')") == [invoices[1], invoices[3]]
    assert ids("(foreigntotal > 3000 OR tranid = 'INV00001') AND status = 'A'") == [
        invoices[0],
        invoices[2],
        invoices[3],
        invoices[4],
    ]
    assert ids("foreigntotal BETWEEN 2000 AND 4000") == invoices[1:3]


def test_null_columns_are_left_out(client, invoices):
    q = f"SELECT id, memo FROM transaction WHERE id = {invoices[2]}"
    assert client.suiteql(q).json()["items"] == [{"links": [], "id": invoices[2]}]


def test_select_star_and_aliases(client, sandbox):
    q = "SELECT * FROM customer c WHERE c.entityid = 'CUST-0002'"
    row = client.suiteql(q).json()["items"][0]
    assert row["companyname"] == "Globex Corporation"
    assert row["isperson"] == "F"
    q = "SELECT c.id AS ident, BUILTIN.DF(c.currency) currency_name FROM customer c ORDER BY 1"
    rows = client.suiteql(q).json()["items"]
    assert rows[1] == {
        "links": [],
        "ident": customer_id(sandbox, "CUST-0002"),
        "currency_name": "US Dollar",
    }


def test_item_and_line_tables(client, sandbox, invoices):
    q = "SELECT itemid, itemtype FROM item WHERE itemtype IN ('NonInvtPart', 'InvtPart')"
    assert [r["itemid"] for r in client.suiteql(q).json()["items"]] == ["ONBOARDING", "GATEWAY-HW"]
    q = f"SELECT quantity, netamount FROM transactionline WHERE transaction = {invoices[1]}"
    assert client.suiteql(q).json()["items"] == [
        {"links": [], "quantity": -2, "netamount": -2400.0}
    ]


@pytest.mark.parametrize(
    ("q", "fragment"),
    [
        ("SELECT nosuchcolumn FROM customer", "Field 'nosuchcolumn' for record 'customer'"),
        ("SELECT id FROM nosuchtable", "Record 'nosuchtable' was not found"),
        ("SELECT id FROM customer WHERE", "Search error occurred"),
        ("DELETE FROM customer", "expected SELECT"),
        ("SELECT id FROM customer WHERE datecreated > '2025-03-01'", "date format M/d/yyyy"),
    ],
)
def test_bad_queries_are_refused(client, q, fragment):
    response = client.suiteql(q)
    assert response.status_code == 400
    detail = response.json()["o:errorDetails"][0]
    assert detail["o:errorCode"] == "INVALID_PARAMETER"
    assert fragment in detail["detail"]


def test_ids_sort_as_numbers_and_read_as_strings(client):
    for n in range(10):
        client.create("customer", {"companyName": f"Sort {n}"})
    rows = client.suiteql("SELECT id FROM customer ORDER BY id DESC", limit=3).json()["items"]
    assert [row["id"] for row in rows] == ["13", "12", "11"]
    rows = client.suiteql("SELECT id FROM customer WHERE id >= 9 AND id < '11'").json()["items"]
    assert [row["id"] for row in rows] == ["9", "10"]


def test_nulls_sort_last_ascending_and_first_descending(client, invoices):
    q = "SELECT id FROM transaction ORDER BY memo"
    ascending = [row["id"] for row in client.suiteql(q).json()["items"]]
    assert ascending[-1] == invoices[2]
    q = "SELECT TOP 2 id FROM transaction ORDER BY memo DESC"
    assert [row["id"] for row in client.suiteql(q).json()["items"]] == [invoices[2], invoices[4]]

"""Invoices, payments, credit memos and journal entries: amounts and business rules."""

from __future__ import annotations

import pytest

from tests.sandboxes.netsuite.conftest import customer_id, item_id


@pytest.fixture
def acme(sandbox):
    return customer_id(sandbox, "CUST-0001")


def _invoice(client, sandbox, customer, **extra):
    lines = [
        {"item": {"id": item_id(sandbox, "PLATFORM-SUB")}, "quantity": 3},
        {"item": {"id": item_id(sandbox, "API-CALLS")}, "quantity": 12345},
        {"item": {"id": item_id(sandbox, "TRAINING")}, "rate": "99.99"},
    ]
    return client.create(
        "invoice",
        {"entity": {"id": customer}, "tranDate": "2025-03-01", "item": {"items": lines}, **extra},
    )


def test_invoice_totals_and_tax_per_line(client, sandbox, acme):
    body = client.record("invoice", _invoice(client, sandbox, acme))
    lines = body["item"]["items"]
    assert [(line["line"], line["amount"], line["tax1Amt"]) for line in lines] == [
        (1, 1500.0, 300.0),  # 3 x 500, VAT 20 %
        (2, 24.69, 4.94),  # 12345 x 0.002, VAT 20 % of 24.69 = 4.938
        (3, 99.99, 10.0),  # VAT 10 % of 99.99 = 9.999
    ]
    assert lines[0]["description"] == "Monthly platform subscription"
    assert (body["subtotal"], body["taxTotal"], body["total"]) == (1624.68, 314.94, 1939.62)
    assert body["amountRemaining"] == 1939.62
    assert body["status"] == {"id": "A", "refName": "Open"}
    assert body["currency"]["refName"] == "Euro"  # from the customer
    assert body["tranId"] == "INV00001"


def test_tax_rounds_half_up_per_line(client, sandbox, acme):
    invoice = client.create(
        "invoice",
        {
            "entity": {"id": acme},
            "item": {
                "items": [
                    {"item": {"id": item_id(sandbox, "TRAINING")}, "rate": "0.25"},  # 10 % = 0.025
                ]
            },
        },
    )
    body = client.record("invoice", invoice)
    assert body["taxTotal"] == 0.03
    assert sandbox.record("invoice", invoice)["total"].as_tuple().exponent == -2


def test_invoice_prices_in_the_customer_currency(client, sandbox):
    globex = customer_id(sandbox, "CUST-0002")
    invoice = client.create(
        "invoice",
        {
            "entity": {"id": globex},
            "item": {"items": [{"item": {"id": item_id(sandbox, "PLATFORM-SUB")}}]},
        },
    )
    body = client.record("invoice", invoice)
    assert body["currency"]["refName"] == "US Dollar"
    assert body["item"]["items"][0]["rate"] == 550.0


def test_patch_line_recomputes_and_replace_removes_lines(client, sandbox, acme):
    invoice = _invoice(client, sandbox, acme)
    response = client.patch(
        f"/record/v1/invoice/{invoice}", json={"item": {"items": [{"line": 1, "quantity": 1}]}}
    )
    assert response.status_code == 204
    body = client.record("invoice", invoice)
    assert body["item"]["items"][0]["amount"] == 500.0
    assert body["total"] == 739.62  # 1939.62 less 1000.00 and its 200.00 VAT
    response = client.patch(
        f"/record/v1/invoice/{invoice}",
        params={"replace": "item"},
        json={"item": {"items": [{"item": {"id": item_id(sandbox, "ONBOARDING")}}]}},
    )
    assert response.status_code == 204
    body = client.record("invoice", invoice)
    assert [line["item"]["refName"] for line in body["item"]["items"]] == ["ONBOARDING"]
    assert body["total"] == 1800.0


def test_payment_applied_partially_then_fully(client, sandbox, clock, acme):
    invoice = _invoice(client, sandbox, acme)
    clock.advance(days=1)
    client.create(
        "customerPayment",
        {
            "customer": {"id": acme},
            "payment": 500,
            "apply": {"items": [{"doc": {"id": invoice}, "apply": True, "amount": 500}]},
        },
    )
    body = client.record("invoice", invoice)
    assert (body["amountPaid"], body["amountRemaining"]) == (500.0, 1439.62)
    assert body["status"]["refName"] == "Open"
    assert body["lastModifiedDate"] == "2025-03-02T09:00:00Z"  # the pull sees the change

    clock.advance(days=1)
    second = client.create(
        "customerPayment",
        {
            "customer": {"id": acme},
            "apply": {"items": [{"doc": {"id": invoice}, "apply": True}]},  # amount: what is due
        },
    )
    body = client.record("invoice", invoice)
    assert (body["amountPaid"], body["amountRemaining"]) == (1939.62, 0)
    assert body["status"] == {"id": "B", "refName": "Paid In Full"}
    assert body["lastModifiedDate"] == "2025-03-03T09:00:00Z"
    payment = client.record("customerPayment", second)
    assert (payment["payment"], payment["applied"], payment["unapplied"]) == (1439.62, 1439.62, 0)
    assert payment["apply"]["items"][0]["doc"]["id"] == invoice
    assert payment["apply"]["items"][0]["due"] == 0

    rows = client.suiteql(
        f"SELECT status, foreignamountunpaid, foreignamountpaid FROM transaction "
        f"WHERE id = {invoice}"
    ).json()["items"]
    assert rows == [
        {"links": [], "status": "B", "foreignamountunpaid": 0, "foreignamountpaid": 1939.62}
    ]


def test_deleting_a_payment_reopens_the_invoice(client, sandbox, acme):
    invoice = _invoice(client, sandbox, acme)
    payment = client.create(
        "customerPayment",
        {"customer": {"id": acme}, "apply": {"items": [{"doc": {"id": invoice}}]}},
    )
    assert client.record("invoice", invoice)["status"]["id"] == "B"
    assert client.delete(f"/record/v1/customerPayment/{payment}").status_code == 204
    body = client.record("invoice", invoice)
    assert (body["status"]["id"], body["amountRemaining"]) == ("A", 1939.62)


def test_overpayment_of_an_invoice_is_refused(client, sandbox, acme):
    invoice = _invoice(client, sandbox, acme)
    response = client.post(
        "/record/v1/customerPayment",
        json={
            "customer": {"id": acme},
            "payment": 5000,
            "apply": {"items": [{"doc": {"id": invoice}, "apply": True, "amount": 2000}]},
        },
    )
    assert response.status_code == 400
    detail = response.json()["o:errorDetails"][0]
    assert detail["o:errorCode"] == "USER_ERROR"
    assert detail["o:errorPath"] == "apply.items[0].amount"
    assert client.record("invoice", invoice)["amountRemaining"] == 1939.62


def test_applying_more_than_the_payment_is_refused(client, sandbox, acme):
    invoice = _invoice(client, sandbox, acme)
    response = client.post(
        "/record/v1/customerPayment",
        json={
            "customer": {"id": acme},
            "payment": 100,
            "apply": {"items": [{"doc": {"id": invoice}, "amount": 200}]},
        },
    )
    assert response.status_code == 400
    assert response.json()["o:errorDetails"][0]["o:errorPath"] == "payment"


def test_payment_of_another_customers_invoice_is_refused(client, sandbox, acme):
    invoice = _invoice(client, sandbox, acme)
    other = customer_id(sandbox, "CUST-0003")
    response = client.post(
        "/record/v1/customerPayment",
        json={"customer": {"id": other}, "apply": {"items": [{"doc": {"id": invoice}}]}},
    )
    assert response.status_code == 400


def test_auto_apply_pays_oldest_invoices_first(client, sandbox, acme):
    older = _invoice(client, sandbox, acme, tranDate="2025-01-01")
    newer = _invoice(client, sandbox, acme, tranDate="2025-02-01")
    client.create("customerPayment", {"customer": {"id": acme}, "payment": 2000, "autoApply": True})
    assert client.record("invoice", older)["amountRemaining"] == 0
    assert (
        client.record("invoice", newer)["amountRemaining"] == 1879.24
    )  # 1939.62 - 60.38 left over


def test_transform_invoice_into_payment(client, sandbox, acme):
    invoice = _invoice(client, sandbox, acme)
    response = client.post(
        f"/record/v1/invoice/{invoice}/!transform/customerPayment", json={"payment": 939.62}
    )
    assert response.status_code == 204
    assert "/customerPayment/" in response.headers["Location"]
    assert client.record("invoice", invoice)["amountRemaining"] == 1000.0


def test_transform_invoice_into_credit_memo(client, sandbox, acme):
    invoice = _invoice(client, sandbox, acme)
    response = client.post(f"/record/v1/invoice/{invoice}/!transform/creditMemo")
    assert response.status_code == 204
    memo_id = response.headers["Location"].rsplit("/", 1)[1]
    memo = client.record("creditMemo", memo_id)
    assert memo["total"] == 1939.62
    assert memo["createdFrom"]["id"] == invoice
    assert memo["status"]["refName"] == "Fully Applied"
    assert client.record("invoice", invoice)["status"]["refName"] == "Paid In Full"


def test_invoice_with_payments_cannot_be_deleted(client, sandbox, acme):
    invoice = _invoice(client, sandbox, acme)
    client.create(
        "customerPayment",
        {"customer": {"id": acme}, "apply": {"items": [{"doc": {"id": invoice}}]}},
    )
    assert client.delete(f"/record/v1/invoice/{invoice}").status_code == 400


def _accounts(sandbox):
    return {r["acctType"]: r["id"] for r in sandbox.records("account")}


def test_balanced_journal_entry_is_created(client, sandbox):
    accounts = _accounts(sandbox)
    entry = client.create(
        "journalEntry",
        {
            "subsidiary": {"id": "1"},
            "tranDate": "2025-03-31",
            "externalId": "REVREC-2025-03",
            "memo": "Revenue recognition March",
            "line": {
                "items": [
                    {
                        "account": {"id": accounts["DeferRevenue"]},
                        "debit": "1000.00",
                        "memo": "release",
                    },
                    {"account": {"id": accounts["Income"]}, "credit": 1000},
                ]
            },
        },
    )
    body = client.record("journalEntry", entry)
    assert body["currency"]["refName"] == "Euro"
    assert [
        (line["line"], line.get("debit"), line.get("credit")) for line in body["line"]["items"]
    ] == [(1, 1000.0, None), (2, None, 1000.0)]
    assert body["approved"] is True


def test_unbalanced_journal_entry_is_refused(client, sandbox):
    accounts = _accounts(sandbox)
    response = client.post(
        "/record/v1/journalEntry",
        json={
            "subsidiary": {"id": "1"},
            "line": {
                "items": [
                    {"account": {"id": accounts["DeferRevenue"]}, "debit": "100.00"},
                    {"account": {"id": accounts["Income"]}, "credit": "99.99"},
                ]
            },
        },
    )
    assert response.status_code == 400
    assert response.json() == {
        "type": "https://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html#sec10.4.1",
        "title": "Bad Request",
        "status": 400,
        "o:errorDetails": [
            {
                "detail": "Error while accessing a resource. The transaction is not in balance: "
                "debits total 100.00, credits total 99.99.",
                "o:errorCode": "USER_ERROR",
                "o:errorPath": "line",
            }
        ],
    }
    assert sandbox.records("journalEntry") == []


def test_journal_line_with_debit_and_credit_is_refused(client, sandbox):
    accounts = _accounts(sandbox)
    response = client.post(
        "/record/v1/journalEntry",
        json={
            "subsidiary": {"id": "1"},
            "line": {"items": [{"account": {"id": accounts["Income"]}, "debit": 5, "credit": 5}]},
        },
    )
    assert response.status_code == 400
    assert response.json()["o:errorDetails"][0]["o:errorPath"] == "line.items[0]"


def test_journal_entry_upsert_is_idempotent(client, sandbox):
    accounts = _accounts(sandbox)
    body = {
        "subsidiary": {"id": "1"},
        "line": {
            "items": [
                {"account": {"id": accounts["DeferRevenue"]}, "debit": 10},
                {"account": {"id": accounts["Income"]}, "credit": 10},
            ]
        },
    }
    for _ in range(2):
        response = client.put(
            "/record/v1/journalEntry/eid:JE-1", params={"replace": "line"}, json=body
        )
        assert response.status_code == 204
    entries = sandbox.records("journalEntry")
    assert len(entries) == 1
    assert len(entries[0]["line"]) == 2

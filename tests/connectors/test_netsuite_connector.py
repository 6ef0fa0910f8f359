"""The NetSuite connector's own behaviour: settings, errors, look-ups, journal entries,
credit memos and concurrency — against the sandbox over HTTP, and with `responses` for the
error answers a sandbox rarely gives."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
import requests
import responses
from requests_oauthlib import OAuth1

from cn285.connectors.base import (
    CustomerRecord,
    InvoiceLineRecord,
    InvoiceRecord,
    JournalEntry,
    JournalLine,
    connector_for,
)
from cn285.connectors.errors import ConfigurationError, RecordRejected, RetryableError
from cn285.connectors.netsuite.config import Config
from cn285.connectors.netsuite.connector import NetSuiteConnector
from cn285.sandboxes.netsuite import NetSuiteSandbox

CREDENTIALS = {
    "consumer_key": "ck",
    "consumer_secret": "cs",
    "token_id": "ti",
    "token_secret": "ts",
}


@pytest.fixture
def sandbox() -> Iterator[NetSuiteSandbox]:
    with NetSuiteSandbox(seed=7) as running:
        yield running


def settings(sandbox: NetSuiteSandbox, **extra: object) -> dict[str, object]:
    values = {k: v for k, v in sandbox.client_settings().items() if k != "rest_url"}
    return {**values, "url": sandbox.base_url, **extra}


@pytest.fixture
def connector(sandbox: NetSuiteSandbox) -> Iterator[NetSuiteConnector]:
    made = connector_for("netsuite", settings(sandbox))
    assert isinstance(made, NetSuiteConnector)
    yield made
    made.close()


def invoice(number: str, customer: str, *lines: tuple[str, str, str], kind: str = "invoice"):
    """An invoice of `(item, amount, rate)` lines with tax per line, as the engine gives."""
    records = []
    for item, amount, rate in lines:
        value, percent = Decimal(amount), Decimal(rate)
        tax = (value * percent / 100).quantize(Decimal("0.01"))
        records.append(InvoiceLineRecord(item, item, Decimal(1), value, percent, tax))
    excl = sum((r.amount for r in records), Decimal(0))
    tax = sum((r.tax for r in records), Decimal(0))
    return InvoiceRecord(
        number, kind, customer, dt.date(2026, 3, 1), "EUR", tuple(records), excl, tax, excl + tax
    )


# -- settings -------------------------------------------------------------------------------


class TestSettings:
    def test_cn285_settings_come_before_netsuite_variables_and_the_ini_file(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        ini = tmp_path / "netsuite.ini"
        ini.write_text(
            "[netsuite]\nauth_type = token\naccount = 111_SB1\nconsumer_key = ini-ck\n"
            "consumer_secret = ini-cs\ntoken_id = ini-ti\ntoken_secret = ini-ts\n",
            encoding="utf-8",
        )
        monkeypatch.setenv("NETSUITE_CONFIG", str(ini))
        monkeypatch.setenv("NETSUITE_TOKEN_ID", "env-ti")
        config = Config.resolve({"token_secret": "own-ts"})
        assert config.account == "111_SB1"
        assert (config.auth.consumer_key, config.auth.token_id) == ("ini-ck", "env-ti")
        assert config.auth.token_secret == "own-ts"
        assert config.rest_url == "https://111-sb1.suitetalk.api.netsuite.com/services/rest"
        assert "ini-cs" not in repr(config)

    def test_the_url_override_and_account_spellings(self) -> None:
        config = Config.resolve(
            {"account": "1234567-sb2", "url": "http://127.0.0.1:8070/", **CREDENTIALS}
        )
        assert config.account == "1234567_SB2"
        assert config.rest_url == "http://127.0.0.1:8070/services/rest"

    @pytest.mark.parametrize(
        ("values", "message"),
        [
            ({"account": "1234567"}, "connectors.netsuite.consumer_key is required"),
            ({"account": "12 34", **CREDENTIALS}, "connectors.netsuite.account"),
            ({"account": "1", "concurrency": 0, **CREDENTIALS}, "concurrency"),
            ({"account": "1", "timezone": "Mars/Olympus", **CREDENTIALS}, "timezone"),
        ],
    )
    def test_bad_settings_name_the_key(
        self, values: dict, message: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
    ) -> None:
        monkeypatch.setenv("NETSUITE_CONFIG", str(tmp_path / "none.ini"))
        for key in ("ACCOUNT", *(k.upper() for k in CREDENTIALS)):
            monkeypatch.delenv(f"NETSUITE_{key}", raising=False)
        with pytest.raises(ConfigurationError, match=message):
            Config.resolve(values)

    def test_a_mapping_with_an_unknown_key_is_refused_with_its_path(self, tmp_path: Path) -> None:
        mapping = tmp_path / "m.yaml"
        mapping.write_text("invoices:\n  tax_code: {}\n", encoding="utf-8")
        with pytest.raises(ConfigurationError, match=r"invoices\.tax_code: unknown key"):
            connector_for("netsuite", {"account": "1", "mapping": str(mapping), **CREDENTIALS})

    def test_custom_fields_must_be_netsuite_custom_fields(self, tmp_path: Path) -> None:
        mapping = tmp_path / "m.yaml"
        mapping.write_text("customers:\n  custom_fields: {email: x}\n", encoding="utf-8")
        with pytest.raises(ConfigurationError, match="start with custentity"):
            connector_for("netsuite", {"account": "1", "mapping": str(mapping), **CREDENTIALS})


# -- errors, as NetSuite words them ----------------------------------------------------------

BASE = "https://1234567.suitetalk.api.netsuite.com/services/rest"


def error_body(status: int, code: str, detail: str, path: str | None = None) -> dict:
    item = {"detail": detail, "o:errorCode": code}
    if path:
        item["o:errorPath"] = path
    return {"type": "x", "title": "t", "status": status, "o:errorDetails": [item]}


class TestErrors:
    @pytest.fixture
    def offline(self) -> Iterator[NetSuiteConnector]:
        made = connector_for("netsuite", {"account": "1234567", **CREDENTIALS})
        assert isinstance(made, NetSuiteConnector)
        yield made
        made.close()

    @responses.activate
    def test_a_refused_login_is_configuration(self, offline: NetSuiteConnector) -> None:
        responses.post(
            f"{BASE}/query/v1/suiteql",
            json=error_body(401, "INVALID_LOGIN", "Invalid login attempt."),
            status=401,
        )
        with pytest.raises(ConfigurationError, match="refused the login"):
            list(offline.pull_items(None))
        request = responses.calls[0].request
        header = request.headers["Authorization"]
        header = header.decode() if isinstance(header, bytes) else header
        assert 'realm="1234567"' in header
        assert 'oauth_signature_method="HMAC-SHA256"' in header
        assert request.headers["Prefer"] in ("transient", b"transient")

    @responses.activate
    def test_the_concurrency_limit_is_retried_after_what_netsuite_says(
        self, offline: NetSuiteConnector
    ) -> None:
        responses.post(
            f"{BASE}/query/v1/suiteql",
            json=error_body(429, "CONCURRENCY_LIMIT_EXCEEDED", "Concurrent request limit"),
            status=429,
            headers={"Retry-After": "3"},
        )
        with pytest.raises(RetryableError) as caught:
            list(offline.pull_items(None))
        assert caught.value.retry_after == 3.0

    @responses.activate
    def test_server_errors_and_dropped_connections_are_retried(
        self, offline: NetSuiteConnector
    ) -> None:
        responses.post(f"{BASE}/query/v1/suiteql", body="<html>busy</html>", status=503)
        with pytest.raises(RetryableError, match="503"):
            list(offline.pull_items(None))
        responses.replace(
            responses.POST, f"{BASE}/query/v1/suiteql", body=requests.ConnectionError("reset")
        )
        with pytest.raises(RetryableError, match="connection to NetSuite failed"):
            list(offline.pull_items(None))

    @responses.activate
    def test_a_record_error_names_the_record_and_the_field(
        self, offline: NetSuiteConnector
    ) -> None:
        responses.put(
            f"{BASE}/record/v1/customer/eid:ACME",
            json=error_body(400, "USER_ERROR", "Please enter a value for Email.", "email"),
            status=400,
        )
        results = offline.create_customers([CustomerRecord("ACME", "Acme", "FR")])
        assert results[0].remote_id is None
        assert results[0].error == "USER_ERROR: Please enter a value for Email. (email)"

    @responses.activate
    def test_a_write_answered_without_a_location_is_not_taken_as_done(
        self, offline: NetSuiteConnector
    ) -> None:
        responses.put(f"{BASE}/record/v1/customer/eid:ACME", status=204)
        with pytest.raises(RetryableError, match="without a record location"):
            offline.create_customers([CustomerRecord("ACME", "Acme", "FR")])


# -- against the sandbox ---------------------------------------------------------------------


def test_an_independent_client_reads_what_the_connector_wrote(
    sandbox: NetSuiteSandbox, connector: NetSuiteConnector
) -> None:
    """requests-oauthlib, configured by hand, is accepted; a wrong secret is refused."""
    [created] = connector.create_customers([CustomerRecord("INDEP", "Independent SA", "FR")])
    creds = sandbox.credentials
    url = f"{sandbox.rest_url}/record/v1/customer/eid:INDEP"

    def auth(token_secret: str) -> OAuth1:
        return OAuth1(
            creds.consumer_key,
            creds.consumer_secret,
            creds.token_id,
            token_secret,
            signature_method="HMAC-SHA256",
            realm=sandbox.realm,
        )

    good = requests.get(url, auth=auth(creds.token_secret), timeout=10)
    assert good.status_code == 200
    assert (good.json()["id"], good.json()["companyName"]) == (created.remote_id, "Independent SA")
    bad = requests.get(url, auth=auth("not-the-secret"), timeout=10)
    assert bad.status_code == 401
    assert bad.json()["o:errorDetails"][0]["o:errorCode"] == "INVALID_LOGIN"


def test_a_wrong_secret_stops_the_connector_with_a_configuration_error(
    sandbox: NetSuiteSandbox,
) -> None:
    wrong = connector_for("netsuite", settings(sandbox, token_secret="wrong"))
    with pytest.raises(ConfigurationError, match="refused the login"):
        list(wrong.pull_items(None))
    wrong.close()


def test_customers_are_matched_by_external_id_then_entity_id_then_vat(
    connector: NetSuiteConnector,
) -> None:
    connector.create_customers([CustomerRecord("EXT-1", "External One", "FR")])
    found = connector.find_customers(
        [
            CustomerRecord("EXT-1", "External One", "FR"),
            CustomerRecord("CUST-0002", "Globex", "US"),  # seeded, no external id
            CustomerRecord("NEW-9", "Acme", "FR", vat_number="fr40303265045"),  # seeded VAT
            CustomerRecord("NOBODY", "Nobody", "FR", vat_number="FR00000000000"),
        ]
    )
    ids = {c["entityId"]: c["id"] for c in connector_records(connector, "customer")}
    assert found == {
        "EXT-1": ids["EXT-1"],
        "CUST-0002": ids["CUST-0002"],
        "NEW-9": ids["CUST-0001"],
    }
    assert connector.find_customer(CustomerRecord("NOBODY", "Nobody", "FR")) is None


def connector_records(connector: NetSuiteConnector, kind: str) -> list[dict]:
    rows = connector.client.suiteql(f"SELECT id, entityid FROM {kind}")
    return [{"id": str(r["id"]), "entityId": r["entityid"]} for r in rows]


def test_an_upsert_repeated_updates_instead_of_duplicating(
    sandbox: NetSuiteSandbox, connector: NetSuiteConnector
) -> None:
    customer = connector.create_customers([CustomerRecord("DUP", "Dup SARL", "FR")])[0].remote_id
    record = invoice("INV-9", customer, ("PLATFORM-SUB", "100.00", "20"), ("TRAINING", "50", "10"))
    first = connector.push_invoices([record])
    again = connector.push_invoices([record])  # an attempt whose answer was lost, repeated
    assert first[0].remote_id == again[0].remote_id and first[0].error is None
    [stored] = [r for r in sandbox.records("invoice") if r.get("externalId") == "INV-9"]
    assert len(stored["item"]) == 2  # lines replaced, not appended
    assert (stored["subtotal"], stored["taxTotal"], stored["total"]) == (
        Decimal("150.00"),
        Decimal("25.00"),
        Decimal("175.00"),
    )
    assert connector.find_invoices(["INV-9", "INV-404"]) == {"INV-9": first[0].remote_id}


def test_credit_notes_become_credit_memos_with_positive_amounts(
    sandbox: NetSuiteSandbox, connector: NetSuiteConnector
) -> None:
    customer = connector.create_customers([CustomerRecord("CRED", "Cred SA", "FR")])[0].remote_id
    note = invoice("CN-1", customer, ("PLATFORM-SUB", "-33.33", "20"), kind="credit_note")
    [result] = connector.push_invoices([note])
    assert result.error is None
    memo = sandbox.record("creditMemo", result.remote_id)
    assert memo is not None and memo["total"] == Decimal("40.00")
    [status] = connector.pull_payments([result.remote_id])
    assert (status.amount_residual, status.state) == (Decimal("40.00"), "not_paid")


def test_lines_are_refused_when_netsuite_lacks_their_item_or_tax_code(
    connector: NetSuiteConnector,
) -> None:
    customer = connector.create_customers([CustomerRecord("REF", "Ref SA", "FR")])[0].remote_id
    results = connector.push_invoices(
        [
            invoice("INV-A", customer, ("NO-SUCH-ITEM", "10", "20")),
            invoice("INV-B", customer, ("PLATFORM-SUB", "10", "19")),
            invoice("INV-C", customer, ("PLATFORM-SUB", "10", "5.5")),
        ]
    )
    by_number = {r.key: r for r in results}
    assert "item NO-SUCH-ITEM is not in NetSuite" in (by_number["INV-A"].error or "")
    assert "no tax code of 19 %" in (by_number["INV-B"].error or "")
    assert by_number["INV-C"].error is None and by_number["INV-C"].remote_id


def test_mapped_item_codes_and_tax_codes_are_used(sandbox: NetSuiteSandbox, tmp_path: Path) -> None:
    mapping = tmp_path / "m.yaml"
    mapping.write_text(
        "items:\n  codes: {SEATS: TRAINING}\ninvoices:\n  tax_codes: {'0': FR-VAT-0}\n"
        "  custom_fields: {custbody_source: cn285}\n",
        encoding="utf-8",
    )
    mapped = connector_for("netsuite", settings(sandbox, mapping=str(mapping)))
    customer = mapped.create_customers([CustomerRecord("MAP", "Map SA", "DE")])[0].remote_id
    [result] = mapped.push_invoices([invoice("INV-M", customer, ("SEATS", "80.00", "0"))])
    mapped.close()
    stored = sandbox.record("invoice", result.remote_id)
    assert stored is not None and stored["custbody_source"] == "cn285"
    line = stored["item"][0]
    items = {r["itemId"]: r["id"] for r in sandbox.records("serviceSaleItem")}
    codes = {r["itemId"]: r["id"] for r in sandbox.records("salesTaxItem")}
    assert (line["item"]["id"], line["taxCode"]["id"]) == (items["TRAINING"], codes["FR-VAT-0"])
    assert stored["total"] == Decimal("80.00")
    assert {i.code for i in mapped_items(sandbox, mapping)} >= {"SEATS", "PLATFORM-SUB"}


def mapped_items(sandbox: NetSuiteSandbox, mapping: Path) -> list:
    again = connector_for("netsuite", settings(sandbox, mapping=str(mapping)))
    try:
        return list(again.pull_items(None))
    finally:
        again.close()


def test_items_are_pulled_incrementally(
    sandbox: NetSuiteSandbox, connector: NetSuiteConnector
) -> None:
    everything = list(connector.pull_items(None))
    assert {i.code for i in everything} == {
        "PLATFORM-SUB",
        "API-CALLS",
        "TRAINING",
        "ONBOARDING",
        "GATEWAY-HW",
    }  # the tax codes, also items in NetSuite, are not
    latest = max(i.modified_at for i in everything)
    assert list(connector.pull_items(latest + dt.timedelta(seconds=1))) == []
    training = next(r for r in sandbox.records("serviceSaleItem") if r["itemId"] == "TRAINING")
    connector.client.request(
        "PATCH", f"/record/v1/serviceSaleItem/{training['id']}", json={"isInactive": True}
    )
    changed = list(connector.pull_items(latest + dt.timedelta(seconds=1)))
    assert [(i.code, i.active) for i in changed] in ([], [("TRAINING", False)])
    # the sandbox's clock may not have moved a second: the overlap the engine keeps covers it
    recent = [i for i in connector.pull_items(latest) if i.code == "TRAINING"]
    assert recent and recent[0].active is False


def test_journal_entries_are_posted_once_balanced_to_the_cent(
    sandbox: NetSuiteSandbox, connector: NetSuiteConnector
) -> None:
    balanced = JournalEntry(
        "REVREC-2026-03",
        dt.date(2026, 3, 31),
        (
            JournalLine("487000", "Deferred revenue released", debit=Decimal("1234.56")),
            JournalLine("706000", "Service revenue", credit=Decimal("1234.56")),
        ),
    )
    unbalanced = JournalEntry(
        "REVREC-BAD",
        dt.date(2026, 3, 31),
        (
            JournalLine("487000", "d", debit=Decimal("10.00")),
            JournalLine("706000", "c", credit=Decimal("9.99")),
        ),
    )
    unknown = JournalEntry(
        "REVREC-ACCT", dt.date(2026, 3, 31), (JournalLine("999999", "x", debit=Decimal(1)),)
    )
    results = {r.key: r for r in connector.push_journal_entries([balanced, unbalanced, unknown])}
    assert results["REVREC-2026-03"].error is None
    assert results["REVREC-BAD"].remote_id is None and results["REVREC-BAD"].error
    assert "account 999999 is not in NetSuite" in (results["REVREC-ACCT"].error or "")
    entry = sandbox.record("journalEntry", results["REVREC-2026-03"].remote_id)
    assert entry is not None
    assert [(line.get("debit"), line.get("credit")) for line in entry["line"]] == [
        (Decimal("1234.56"), None),
        (None, Decimal("1234.56")),
    ]
    writes = connector.client.writes
    again = connector.push_journal_entries([balanced])
    assert again[0].remote_id == results["REVREC-2026-03"].remote_id
    assert connector.client.writes == writes  # already there: nothing written
    assert len(sandbox.records("journalEntry")) == 1


def test_writes_never_exceed_the_account_limit(sandbox: NetSuiteSandbox) -> None:
    sandbox.limiter.limit = 3
    sandbox.faults.latency = 0.02
    bounded = connector_for("netsuite", settings(sandbox, concurrency=3))
    results = bounded.create_customers(
        [CustomerRecord(f"C{n:03d}", f"Customer {n}", "FR") for n in range(30)]
    )
    bounded.close()
    assert all(r.remote_id for r in results)
    assert sandbox.limiter.refused == 0 and sandbox.limiter.peak == 3


def test_beyond_the_limit_the_refusal_is_retryable(sandbox: NetSuiteSandbox) -> None:
    sandbox.limiter.limit = 1
    sandbox.faults.latency = 0.05
    greedy = connector_for("netsuite", settings(sandbox, concurrency=4))
    with pytest.raises(RetryableError, match="429"):
        greedy.create_customers([CustomerRecord(f"G{n}", f"G {n}", "FR") for n in range(8)])
    # what got through is found on the retry, and only the rest is created
    found = greedy.find_customers([CustomerRecord(f"G{n}", f"G {n}", "FR") for n in range(8)])
    sandbox.limiter.limit = 5
    rest = [CustomerRecord(f"G{n}", f"G {n}", "FR") for n in range(8) if f"G{n}" not in found]
    created = greedy.create_customers(rest)
    greedy.close()
    assert 0 < len(found) < 8 and all(r.remote_id for r in created)
    assert len({c["externalId"] for c in sandbox.records("customer") if c.get("externalId")}) == 8


def test_record_rejected_carries_the_key() -> None:
    error = RecordRejected("INV-1", "USER_ERROR: x")
    assert (error.key, error.reason) == ("INV-1", "USER_ERROR: x")


def test_customers_read_back_exactly_as_they_were_written(
    sandbox: NetSuiteSandbox, connector: NetSuiteConnector
) -> None:
    """Companies and individuals, with VAT number and billing address: what is pulled is
    what was pushed (so that a pushed customer is never taken for a remote change)."""
    company = CustomerRecord(
        "ROUND-CO",
        "Round Trip SARL",
        "FR",
        "FR40303265045",
        "ap@round.example",
        "3 rue Neuve",
        "69001",
        "Lyon",
        True,
    )
    person = CustomerRecord(
        "ROUND-P", "Jeanne Marie Dupont", "BE", None, None, None, None, "Liège", False
    )
    results = connector.create_customers([company, person])
    since = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
    pulled = {c.record.code: c for c in connector.pull_customers(since)}
    assert pulled["ROUND-CO"].record == company
    assert pulled["ROUND-P"].record == person
    remote = connector.get_customer(results[0].remote_id or "")
    assert remote is not None and remote.record == company
    assert connector.get_customer("999999") is None


def test_an_address_change_keeps_the_other_addresses(
    sandbox: NetSuiteSandbox, connector: NetSuiteConnector
) -> None:
    acme = next(c for c in sandbox.records("customer") if c["entityId"] == "CUST-0001")
    connector.client.request(  # a shipping address set up in NetSuite
        "PATCH",
        f"/record/v1/customer/{acme['id']}",
        json={
            "addressBook": {
                "items": [
                    {
                        "defaultShipping": True,
                        "label": "Warehouse",
                        "addressBookAddress": {
                            "addr1": "Dock 4",
                            "city": "Rungis",
                            "country": {"id": "FR"},
                        },
                    }
                ]
            }
        },
    )
    moved = CustomerRecord(
        "CUST-0001", "Acme Industries SA", "FR", street="1 avenue Foch", zip="75016", city="Paris"
    )
    connector.push_customer(moved, acme["id"], ["street", "zip", "city", "country"])
    lines = sandbox.record("customer", acme["id"])["addressBook"]  # type: ignore[index]
    billing = [ln for ln in lines if ln.get("defaultBilling")]
    assert len(lines) == 2 and len(billing) == 1
    assert billing[0]["addressBookAddress"]["addr1"] == "1 avenue Foch"
    assert any(ln["addressBookAddress"].get("addr1") == "Dock 4" for ln in lines)
    again = connector.get_customer(acme["id"])
    assert again is not None and (again.record.street, again.record.city) == (
        "1 avenue Foch",
        "Paris",
    )

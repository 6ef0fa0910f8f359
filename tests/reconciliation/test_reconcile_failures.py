"""A reconciliation that cannot compare everything never reads as `ok`: an ERP that cannot
be reached or refuses the login fails the run with its error (HTTP answers with `responses`),
and a stream a transient error broke resumes without losing or repeating a document."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from decimal import Decimal

import pytest
import requests
import responses
from sqlalchemy import select
from sqlmodel import Session

from cn285.connectors.base import Capability, Connector, RemoteInvoice, connector_for
from cn285.connectors.errors import RetryableError
from cn285.hub.services.errors import Invalid
from cn285.hub.services.reconciliation import reconcile, reconcile_configured
from cn285.hub.store import models
from tests.connectors.contract import FAST, bill_scenarios

SETTINGS = {
    "account": "1234567",
    "consumer_key": "ck",
    "consumer_secret": "cs",
    "token_id": "ti",
    "token_secret": "ts",
}
SUITEQL = "https://1234567.suitetalk.api.netsuite.com/services/rest/query/v1/suiteql"


@pytest.fixture
def netsuite() -> Iterator[Connector]:
    connector = connector_for("netsuite", SETTINGS)
    yield connector
    connector.close()


def stored(engine, run_id: int) -> tuple[models.ReconciliationRun, list[models.ReconciliationItem]]:
    with Session(engine) as session:
        run = session.get(models.ReconciliationRun, run_id)
        items = session.scalars(
            select(models.ReconciliationItem).where(models.ReconciliationItem.run_id == run_id)
        ).all()
    assert run is not None
    return run, list(items)


def test_an_unreachable_erp_fails_the_run_with_its_error(engine, netsuite, tmp_path):
    bill_scenarios(engine, "59-group-invoices.yaml")  # never synced: looked up by number
    with responses.RequestsMock(assert_all_requests_are_fired=True) as erp:
        erp.post(SUITEQL, body=requests.ConnectionError("connection refused"))
        result = reconcile(engine, netsuite, report_dir=tmp_path, policy=FAST)
        assert len(erp.calls) == FAST.attempts  # retried, then given up
    assert (result.status, result.counts) == ("failed", {})
    assert "netsuite: connection to NetSuite failed" in (result.error or "")
    run, items = stored(engine, result.run_id)
    assert (run.status, run.error, items) == ("failed", result.error, [])
    assert run.finished_at is not None
    report = json.loads(result.reports["json"].read_text("utf-8"))
    assert (report["run"]["status"], report["items"]) == ("failed", [])
    assert "could not be completed" in result.reports["html"].read_text("utf-8")


def test_a_refused_login_fails_at_once(engine, netsuite):
    with responses.RequestsMock(assert_all_requests_are_fired=True) as erp:
        erp.post(
            SUITEQL,
            status=401,
            json={"o:errorDetails": [{"o:errorCode": "INVALID_LOGIN", "detail": "Invalid login"}]},
        )
        result = reconcile(engine, netsuite, policy=FAST)
        assert len(erp.calls) == 1  # configuration: not retried
    assert result.status == "failed"
    assert "refused the login" in (result.error or "")


def test_a_failure_half_way_keeps_what_was_found_but_the_run_is_failed(engine, netsuite):
    invoices = bill_scenarios(engine, "59-group-invoices.yaml")
    with responses.RequestsMock(assert_all_requests_are_fired=True) as erp:
        erp.post(SUITEQL, json={"items": [], "hasMore": False, "count": 0})  # the look-up
        erp.post(SUITEQL, status=503, body="busy")  # then the listing, for good
        result = reconcile(engine, netsuite, policy=FAST)
    assert result.status == "failed" and "503" in (result.error or "")
    assert result.counts == {"invoice_missing_in_erp": len(invoices)}
    run, items = stored(engine, result.run_id)
    assert run.status == "failed" and run.counts == result.counts
    assert {i.local_key for i in items} == {i.number for i in invoices}
    assert {i.detail["reason"] for i in items} == {"not_pushed"}


def test_an_odoo_that_cannot_be_reached_at_login_is_a_failed_run(engine):
    config = {
        "connectors": {
            "odoo": {
                "url": "http://127.0.0.1:9",  # the discard port: nothing listens
                "database": "cn285",
                "login": "admin",
                "password": "secret",
            }
        }
    }
    [result] = reconcile_configured(engine, config, "odoo", policy=FAST)
    assert (result.connector, result.status) == ("odoo", "failed")
    assert result.error and result.error.startswith("odoo: ") and "secret" not in result.error
    run, items = stored(engine, result.run_id)
    assert (run.status, items) == ("failed", [])


def test_only_configured_connectors_are_reconciled(engine):
    with pytest.raises(Invalid, match="'sap' is not configured"):
        reconcile_configured(engine, {"connectors": {"odoo": {}}}, "sap")
    with pytest.raises(Invalid, match="no connector configured"):
        reconcile_configured(engine, {}, None)


class FlakyErp(Connector):
    """An ERP whose listing breaks once after two documents (a dropped connection)."""

    name = "flaky"
    capabilities = frozenset({Capability.PUSH_INVOICES})

    def __init__(self, count: int) -> None:
        self.documents = [_document(i) for i in range(1, count + 1)]
        self.broken = False
        self.opened: list[str | None] = []

    def fetch_invoices(self, remote_ids: Sequence[str]) -> list[RemoteInvoice]:
        return []

    def lookup_invoices(self, numbers: Sequence[str]) -> list[RemoteInvoice]:
        return []

    def list_invoices(
        self, prefixes: Sequence[str], after: str | None = None
    ) -> Iterator[RemoteInvoice]:
        self.opened.append(after)
        for document in self.documents:
            if after is not None and int(document.remote_id) <= int(after):
                continue
            if document.remote_id == "3" and not self.broken:
                self.broken = True
                raise RetryableError("connection reset")
            yield document


def _document(i: int) -> RemoteInvoice:
    amount = Decimal("12.00")
    return RemoteInvoice(
        str(i), f"INV-9{i:05d}", "invoice", amount, Decimal("2.00"), amount, amount, "not_paid", "7"
    )


def test_a_broken_listing_resumes_after_the_last_document(engine):
    erp = FlakyErp(5)
    result = reconcile(engine, erp, policy=FAST)
    assert erp.opened == [None, "2"]
    assert result.counts == {"invoice_missing_in_cn285": 5}
    _, items = stored(engine, result.run_id)
    assert sorted(i.remote_id for i in items) == ["1", "2", "3", "4", "5"]
    assert items[0].detail == {
        "reason": "unknown_number",
        "kind": "invoice",
        "customer_remote_id": "7",
        "erp_total": "12.00",
        "state": "posted",
    }

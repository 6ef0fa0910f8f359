"""Concurrency governance and injected faults, seen from a real HTTP client."""

from __future__ import annotations

import threading
import time

import pytest
import requests

from cn285.sandboxes.netsuite import NetSuiteSandbox
from tests.sandboxes.netsuite.conftest import ACCOUNT, NetSuiteClient


def _wait_for(condition, timeout=5.0):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached")
        time.sleep(0.01)


def test_requests_beyond_the_concurrency_limit_get_429():
    with NetSuiteSandbox(ACCOUNT, concurrency=2, latency=0.4) as sandbox:
        statuses: list[int] = []

        def slow_request():
            client = NetSuiteClient(sandbox)
            statuses.append(client.get("/record/v1/customer").status_code)

        threads = [threading.Thread(target=slow_request) for _ in range(2)]
        for thread in threads:
            thread.start()
        _wait_for(lambda: sandbox.limiter.in_flight == 2)
        refused = NetSuiteClient(sandbox).get("/record/v1/customer")
        for thread in threads:
            thread.join()
        assert refused.status_code == 429
        body = refused.json()
        assert (body["title"], body["status"]) == ("Too Many Requests", 429)
        assert body["o:errorDetails"][0]["o:errorCode"] == "CONCURRENCY_LIMIT_EXCEEDED"
        assert statuses == [200, 200]
        assert sandbox.limiter.in_flight == 0
        sandbox.faults.latency = 0.0
        assert NetSuiteClient(sandbox).get("/record/v1/customer").status_code == 200


def test_a_burst_never_runs_more_than_the_limit():
    with NetSuiteSandbox(ACCOUNT, concurrency=3, latency=0.2) as sandbox:
        statuses: list[int] = []
        lock = threading.Lock()

        def request():
            status = NetSuiteClient(sandbox).get("/record/v1/customer").status_code
            with lock:
                statuses.append(status)

        threads = [threading.Thread(target=request) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sandbox.limiter.peak == 3
        assert statuses.count(429) >= 1
        assert set(statuses) <= {200, 429}


def _statuses(seed: int, count: int = 30) -> list[int]:
    with NetSuiteSandbox(ACCOUNT, error_rate=0.3, seed=seed) as sandbox:
        client = NetSuiteClient(sandbox)
        return [client.get("/record/v1/currency").status_code for _ in range(count)]


def test_injected_errors_follow_the_rate_and_the_seed():
    first = _statuses(seed=7)
    assert first == _statuses(seed=7)
    errors = [s for s in first if s != 200]
    assert set(errors) <= {500, 502, 503}
    assert 3 <= len(errors) <= 18  # 30 draws at 30 %
    assert first != _statuses(seed=8)


def test_injected_500_has_netsuite_body_and_gateway_errors_do_not():
    with NetSuiteSandbox(ACCOUNT, error_rate=1.0, seed=1) as sandbox:
        client = NetSuiteClient(sandbox)
        seen = {}
        for _ in range(20):
            response = client.get("/record/v1/currency")
            seen[response.status_code] = response
        assert set(seen) == {500, 502, 503}
        assert seen[500].json()["o:errorDetails"][0]["o:errorCode"] == "UNEXPECTED_ERROR"
        assert seen[503].headers["Content-Type"] == "text/html"


def test_faults_are_off_by_default(client):
    statuses = {client.get("/record/v1/currency").status_code for _ in range(20)}
    assert statuses == {200}


def test_injected_latency(sandbox, client):
    sandbox.faults.latency = 0.3
    started = time.monotonic()
    assert client.get("/record/v1/currency").status_code == 200
    assert time.monotonic() - started >= 0.3
    sandbox.faults.latency = 0.0
    started = time.monotonic()
    client.get("/record/v1/currency")
    assert time.monotonic() - started < 0.3


def test_dropped_connection_raises_a_connection_error(sandbox, client):
    sandbox.faults.drop_rate = 1.0
    with pytest.raises(requests.exceptions.ConnectionError):
        client.get("/record/v1/customer")
    sandbox.faults.drop_rate = 0.0
    assert client.get("/record/v1/customer").status_code == 200


def test_failure_after_write_keeps_the_write_and_upsert_makes_the_retry_safe():
    with NetSuiteSandbox(ACCOUNT, error_rate=1.0, fail_after_write=True, seed=3) as sandbox:
        client = NetSuiteClient(sandbox)
        body = {"companyName": "Retry SARL"}
        first = client.put("/record/v1/customer/eid:RETRY-1", json=body)
        assert first.status_code >= 500
        sandbox.faults.error_rate = 0.0
        assert client.put("/record/v1/customer/eid:RETRY-1", json=body).status_code == 204
        assert (
            len([r for r in sandbox.records("customer") if r.get("externalId") == "RETRY-1"]) == 1
        )

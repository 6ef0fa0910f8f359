"""Injected transport faults, observed by real clients."""

from __future__ import annotations

import time
import urllib.error
import urllib.request
import xmlrpc.client

import odoorpc
import pytest

from cn285.sandboxes.odoo import FaultConfig, OdooSandbox

from .conftest import connect


def status_of(url: str) -> int:
    request = urllib.request.Request(
        f"{url}/web/webclient/version_info",
        data=b'{"jsonrpc": "2.0", "method": "call", "params": {}, "id": 1}',
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_faults_are_off_by_default(sandbox, odoo):
    odoo.execute_kw("res.partner", "search", [[]])

    assert sandbox.faults.stats["requests"] >= 3
    assert {"error", "drop", "slow"}.isdisjoint(sandbox.faults.stats)


def test_latency_is_added_to_every_request():
    with OdooSandbox(faults=FaultConfig(latency_ms=150)) as sandbox:
        started = time.perf_counter()
        status = status_of(sandbox.url)
        elapsed = time.perf_counter() - started

    assert status == 200
    assert elapsed >= 0.15


def test_error_rate_returns_5xx_deterministically_for_a_seed():
    config = FaultConfig(error_rate=0.3, error_status=503, seed=7, retry_after=2)
    runs = []
    for _ in range(2):
        with OdooSandbox(faults=config) as sandbox:
            runs.append([status_of(sandbox.url) for _ in range(40)])

    assert runs[0] == runs[1]
    assert set(runs[0]) == {200, 503}
    assert 6 <= runs[0].count(503) <= 20


def test_another_seed_gives_another_schedule():
    schedules = []
    for seed in (1, 2):
        with OdooSandbox(faults=FaultConfig(error_rate=0.5, seed=seed)) as sandbox:
            schedules.append([status_of(sandbox.url) for _ in range(30)])

    assert schedules[0] != schedules[1]


def test_injected_error_carries_retry_after_and_odoorpc_sees_an_http_error():
    with OdooSandbox(faults=FaultConfig(error_status=502, retry_after=3)) as sandbox:
        odoo = connect(sandbox)
        sandbox.faults.script("error")

        with pytest.raises(urllib.error.HTTPError) as caught:
            odoo.execute_kw("res.partner", "search", [[]])

        assert caught.value.code == 502
        assert caught.value.headers["Retry-After"] == "3"
        assert odoo.execute_kw("res.country", "search_count", [[]]) == 10


def test_dropped_connection_is_a_connection_error_for_both_clients():
    with OdooSandbox(faults=FaultConfig(drop_rate=1.0)) as sandbox:
        with pytest.raises(OSError):
            odoorpc.ODOO("127.0.0.1", port=sandbox.port)
        with pytest.raises(OSError):
            xmlrpc.client.ServerProxy(f"{sandbox.url}/xmlrpc/2/common").version()

        assert sandbox.faults.stats["drop"] >= 3


def test_slow_answers_trip_client_timeouts():
    with OdooSandbox(faults=FaultConfig(slow_rate=1.0, slow_ms=800)) as sandbox:
        started = time.perf_counter()
        with pytest.raises(OSError):
            odoorpc.ODOO("127.0.0.1", port=sandbox.port, timeout=0.2)
        waited = time.perf_counter() - started
        sandbox.faults.clear()

        assert waited < 0.7
        assert odoorpc.ODOO("127.0.0.1", port=sandbox.port, timeout=5).version == "17.0"


def test_scripted_outcomes_apply_in_order(sandbox):
    sandbox.faults.script(503, "pass", 429, "drop")

    statuses = [status_of(sandbox.url) for _ in range(3)]
    with pytest.raises(OSError):
        status_of(sandbox.url)

    assert statuses == [503, 200, 429]
    assert status_of(sandbox.url) == 200


def test_faults_can_be_reconfigured_while_serving(sandbox):
    sandbox.faults.configure(error_rate=1.0, error_status=500)
    failing = status_of(sandbox.url)
    sandbox.faults.configure(error_rate=0.0)

    assert failing == 500
    assert status_of(sandbox.url) == 200


@pytest.mark.parametrize(
    "bad",
    [{"error_rate": 1.5}, {"drop_rate": -0.1}, {"latency_ms": -1}, {"error_status": 200}],
)
def test_invalid_fault_configuration_is_refused(bad):
    with pytest.raises(ValueError):
        FaultConfig(**bad)

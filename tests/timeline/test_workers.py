"""The work queue: billing batches claimed by several processes, each issued once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter

import pytest
from sqlalchemy import select
from sqlmodel import Session

from cn285.hub.services.billing import run_billing
from cn285.hub.services.sample import populate
from cn285.hub.store import models
from cn285.hub.store.database import open_engine
from cn285.hub.workers import queue
from cn285.hub.workers.worker import Worker
from tests.conftest import ROOT
from tests.hub.test_billing_crash import UNTIL, expected

pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")


def stored(engine) -> dict[str, tuple]:
    with Session(engine) as session:
        return {row.key: (row.kind, row.total) for row in session.scalars(select(models.Invoice))}


def assert_gapless(engine) -> None:
    with Session(engine) as session:
        numbers = [row.number for row in session.scalars(select(models.Invoice))]
    assert None not in numbers
    by_series: dict[str, list[int]] = {}
    for number in numbers:
        series, n = number.split("-")
        by_series.setdefault(series, []).append(int(n))
    for series, values in by_series.items():
        assert sorted(values) == list(range(1, len(values) + 1)), series


def test_a_queued_run_issues_what_a_plain_run_issues(engine):
    populate(engine, 120)
    want = expected(engine)
    result = run_billing(engine, UNTIL, batch_size=10, queued=True)
    assert result.errors == []
    assert result.contracts == 120
    assert sum(result.issued.values()) == len(want)
    assert stored(engine) == want
    assert_gapless(engine)
    with Session(engine) as session:
        items = session.scalars(select(models.WorkItem)).all()
    assert len(items) == 12 and {i.status for i in items} == {"done"}
    assert sum(i.result["stored"] for i in items) == len(want)
    again = run_billing(engine, UNTIL, batch_size=10, queued=True)
    assert again.issued == {} and again.errors == []


def test_each_item_is_claimed_by_one_worker(engine):
    with engine.begin() as connection:
        queue.enqueue(connection, "billing", [{"n": n} for n in range(200)], run_id=1)
    claimed: list[tuple[str, int]] = []
    lock = threading.Lock()

    def drain(name: str) -> None:
        while (item := queue.claim(engine, name, 60, run_id=1)) is not None:
            with lock:
                claimed.append((name, item.payload["n"]))
            assert queue.complete(engine, item.id, name, {"ok": True})

    threads = [threading.Thread(target=drain, args=(f"w{i}",)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    counts = Counter(n for _, n in claimed)
    assert sorted(counts) == list(range(200)) and set(counts.values()) == {1}
    assert queue.unfinished(engine, 1) == 0


def test_an_item_whose_lease_passed_is_claimed_again_and_the_first_claimant_loses_it(engine):
    with engine.begin() as connection:
        queue.enqueue(connection, "billing", [{"n": 1}], run_id=7)
    first = queue.claim(engine, "dead", 0.2, run_id=7)
    assert first is not None and first.attempts == 1
    assert queue.claim(engine, "other", 30, run_id=7) is None  # still leased
    time.sleep(0.3)
    second = queue.claim(engine, "other", 30, run_id=7)
    assert second is not None and second.id == first.id and second.attempts == 2
    assert not queue.renew(engine, first.id, "dead", 30)
    assert not queue.complete(engine, first.id, "dead", {"late": True})
    assert queue.complete(engine, second.id, "other", {"ok": True})
    assert queue.results(engine, 7) == [("done", {"n": 1}, {"ok": True})]


def test_an_item_abandoned_too_often_fails_and_the_run_reports_it(engine):
    with engine.begin() as connection:
        queue.enqueue(connection, "billing", [{"n": 1}], run_id=9)
    for _ in range(queue.MAX_ATTEMPTS):
        assert queue.claim(engine, "crashing", 0.01, run_id=9) is not None
        time.sleep(0.02)
    assert queue.claim(engine, "next", 30, run_id=9) is None
    assert queue.give_up_abandoned(engine, 9) == 1
    [(status, _, result)] = queue.results(engine, 9)
    assert status == "failed" and "abandoned after 5 attempts" in result["errors"][0]
    assert queue.unfinished(engine, 9) == 0


def test_a_batch_that_raises_is_recorded_failed_and_the_worker_goes_on(engine):
    with engine.begin() as connection:
        queue.enqueue(connection, "sync", [{"connector": "nowhere", "streams": ["items"]}], 3)
        queue.enqueue(connection, "sync", [{"connector": "nowhere", "streams": ["items"]}], 3)
    worker = Worker(engine, {}, lease_seconds=5)
    assert worker.run(run_id=3, until_idle=True) == 2
    results = queue.results(engine, 3)
    assert [status for status, _, _ in results] == ["failed", "failed"]
    assert "unknown connector 'nowhere'" in results[0][2]["errors"][0]


def test_queued_sync_is_not_piled_up(engine):
    payload = {"connector": "odoo", "streams": ["invoices"]}
    assert not queue.queued(engine, "sync", payload)
    with engine.begin() as connection:
        queue.enqueue(connection, "sync", [payload])
    assert queue.queued(engine, "sync", payload)
    assert not queue.queued(engine, "sync", {"connector": "odoo", "streams": ["payments"]})


def _cli(*args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "cn285", *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )


def test_a_killed_workers_batch_is_taken_over_and_nothing_is_issued_twice(postgres_url):
    """A `cn285 worker` process is killed while it holds a batch; the run's own process
    claims the batch when its lease passes; every invoice is issued once, numbers have no
    gap."""
    from tests.store import _empty

    engine = open_engine(postgres_url)
    _empty(engine)
    populate(engine, 600)
    want = expected(engine)
    worker = _cli("worker", "--db", postgres_url, "--lease", "2", "--poll", "0.05")
    time.sleep(1.5)  # the worker is up and polling
    coordinator = _cli(
        "bill",
        "--until",
        UNTIL.isoformat(),
        "--db",
        postgres_url,
        "--batch",
        "30",
        "--queued",
        "--lease",
        "2",
    )
    victim = None
    deadline = time.monotonic() + 120
    while victim is None and time.monotonic() < deadline and coordinator.poll() is None:
        with Session(engine) as session:
            victim = session.scalars(
                select(models.WorkItem).where(
                    models.WorkItem.status == "claimed",
                    models.WorkItem.worker.like(f"%:{worker.pid}:%"),  # type: ignore[union-attr]
                )
            ).first()
        time.sleep(0.005)
    if victim is None:
        worker.kill()
        pytest.fail(f"the worker never claimed a batch: {worker.communicate()[1].decode()}")
    worker.send_signal(signal.SIGKILL)
    worker.wait()
    _out, err = coordinator.communicate(timeout=300)
    assert coordinator.returncode == 0, err.decode()
    assert stored(engine) == want
    assert_gapless(engine)
    with Session(engine) as session:
        taken = session.get(models.WorkItem, victim.id)
        assert taken is not None and taken.status == "done"
        assert taken.attempts >= 2 and f":{worker.pid}:" not in (taken.worker or "")
        items = session.scalars(select(models.WorkItem)).all()
    assert {item.status for item in items} == {"done"}
    assert sum(item.result["contracts"] for item in items) == 600
    engine.dispose()


def test_cli_runs_a_billing_run_through_the_queue(db_url):
    engine = open_engine(db_url)
    populate(engine, 30)
    want = expected(engine)
    process = _cli("bill", "--until", UNTIL.isoformat(), "--db", db_url, "--queued")
    out, err = process.communicate(timeout=120)
    assert process.returncode == 0, err.decode()
    kinds = Counter(kind for kind, _ in want.values())
    assert (
        f"30 contracts, {kinds['invoice']} invoices and {kinds['credit_note']} credit notes"
        in out.decode()
    )
    assert stored(engine) == want
    engine.dispose()


def test_bill_queued_refuses_local_workers_too(db_url):
    process = _cli("bill", "--until", "2026-03-01", "--db", db_url, "--queued", "--workers", "2")
    _, err = process.communicate(timeout=60)
    assert process.returncode == 2
    assert "--queued" in err.decode() and "--workers" in err.decode()

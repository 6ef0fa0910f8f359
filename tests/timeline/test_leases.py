"""Leases: one holder at a time, passed on when the holder stops renewing."""

from __future__ import annotations

import threading
import time

from cn285.hub.scheduler import leases


def test_one_holder_until_it_releases(engine):
    assert leases.acquire(engine, "scheduler", "a", 30)
    assert leases.acquire(engine, "scheduler", "a", 30)  # renewing
    assert not leases.acquire(engine, "scheduler", "b", 30)
    assert leases.current_holder(engine, "scheduler") == "a"
    assert leases.acquire(engine, "job:billing", "b", 30)  # another name is another lock
    leases.release(engine, "scheduler", "b")  # not b's to release
    assert leases.current_holder(engine, "scheduler") == "a"
    leases.release(engine, "scheduler", "a")
    assert leases.current_holder(engine, "scheduler") is None
    assert leases.acquire(engine, "scheduler", "b", 30)


def test_an_expired_lease_passes_to_the_next_asker(engine):
    assert leases.acquire(engine, "scheduler", "dead", 0.2)
    assert not leases.acquire(engine, "scheduler", "next", 30)
    time.sleep(0.3)
    assert leases.current_holder(engine, "scheduler") is None
    assert leases.acquire(engine, "scheduler", "next", 30)
    assert not leases.acquire(engine, "scheduler", "dead", 30)  # the old holder is out


def test_many_processes_asking_at_once_get_one_holder(engine):
    winners: list[str] = []
    barrier = threading.Barrier(8)

    def ask(name: str) -> None:
        barrier.wait()
        if leases.acquire(engine, "scheduler", name, 30):
            winners.append(name)

    threads = [threading.Thread(target=ask, args=(f"p{i}",)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(winners) == 1
    assert leases.current_holder(engine, "scheduler") == winners[0]


def test_renewal_keeps_a_lease_and_reports_its_loss(engine):
    assert leases.acquire(engine, "job:x", "me", 0.3)
    with leases.Renewal(engine, "job:x", "me", 0.3) as renewal:
        time.sleep(0.6)  # twice the time to live: held only through renewals
        assert leases.current_holder(engine, "job:x") == "me"
        assert not renewal.lost.is_set()
        leases.release(engine, "job:x", "me")
        assert leases.acquire(engine, "job:x", "thief", 30)
        renewal.lost.wait(2)
        assert renewal.lost.is_set()
    assert leases.current_holder(engine, "job:x") == "thief"


def test_a_machine_whose_clock_runs_ahead_cannot_take_a_live_lease(postgres_url, monkeypatch):
    """On PostgreSQL leases and work-item claims are dated by the server's clock: a process
    on a machine an hour ahead sees a 30-second lease and a claimed item as still held."""
    import datetime as dt

    from cn285.hub.store import clock, types
    from cn285.hub.store.database import open_engine
    from cn285.hub.workers import queue

    engine = open_engine(postgres_url, migrate=False)
    try:
        with engine.begin() as connection:
            connection.exec_driver_sql("TRUNCATE lease, work_item RESTART IDENTITY CASCADE")
        assert leases.acquire(engine, "scheduler", "on-time", 30)
        with engine.begin() as connection:
            queue.enqueue(connection, "billing", [{"n": 1}])
        assert queue.claim(engine, "on-time", 30) is not None

        ahead = types.now() + dt.timedelta(hours=1)
        for module in (types, clock, leases, queue):  # every clock this process could read
            monkeypatch.setattr(module, "now", lambda: ahead, raising=False)
        assert not leases.acquire(engine, "scheduler", "ahead", 30)
        assert leases.current_holder(engine, "scheduler") == "on-time"
        assert queue.claim(engine, "ahead", 30) is None
    finally:
        engine.dispose()

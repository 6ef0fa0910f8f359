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

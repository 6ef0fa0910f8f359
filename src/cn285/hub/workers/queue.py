"""The work queue in the store: batches that any process may claim and do.

A claim marks one pending item (or one whose claimant's lease has passed: it died) as the
claimant's, in a single `UPDATE … WHERE id = (SELECT … FOR UPDATE SKIP LOCKED)`: on
PostgreSQL two workers never wait for each other nor take the same item; SQLite runs the
statement under its write lock, which gives the same result on one machine. The claimant
renews its lease while it works and marks the item done. Work is written so that doing an
item twice changes nothing (billing stores each invoice under a unique key), so a lease that
passes while its holder still works costs time, never money.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import Connection, func, insert, or_, select, update
from sqlalchemy.engine import Engine

from cn285.hub.store import models
from cn285.hub.store.clock import store_now
from cn285.hub.store.types import now

_ITEMS = models.WorkItem.__table__  # type: ignore[attr-defined]
FINISHED = ("done", "failed")
#: an item whose claimants died this many times is not claimed again (a poison batch)
MAX_ATTEMPTS = 5


@dataclass(frozen=True)
class Claimed:
    id: int
    kind: str
    run_id: int | None
    payload: dict[str, Any]
    attempts: int


def enqueue(
    connection: Connection,
    kind: str,
    payloads: Iterable[Mapping[str, Any]],
    run_id: int | None = None,
) -> int:
    """Add items (in the caller's transaction: they appear when it commits)."""
    rows = [
        {"kind": kind, "run_id": run_id, "payload": dict(p), "status": "pending", "attempts": 0}
        for p in payloads
    ]
    if rows:
        connection.execute(insert(_ITEMS), rows)
    return len(rows)


def claim(
    engine: Engine,
    worker: str,
    lease_seconds: float,
    *,
    run_id: int | None = None,
    kinds: Iterable[str] | None = None,
) -> Claimed | None:
    """Take the oldest item nobody is working on; None when there is none. Leases are
    written and compared by the store's clock (`store.clock`)."""
    with engine.begin() as connection:
        row = connection.execute(
            _claiming(engine, worker, lease_seconds, store_now(connection), run_id, kinds)
        ).first()
    if row is None:
        return None
    return Claimed(row.id, row.kind, row.run_id, row.payload, row.attempts)


def _claiming(
    engine: Engine,
    worker: str,
    lease_seconds: float,
    stamp: dt.datetime,
    run_id: int | None,
    kinds: Iterable[str] | None,
) -> Any:
    claimable = or_(
        _ITEMS.c.status == "pending",
        (_ITEMS.c.status == "claimed") & (_ITEMS.c.lease_until < stamp),
    )
    candidate = (
        select(_ITEMS.c.id)
        .where(claimable, _ITEMS.c.attempts < MAX_ATTEMPTS)
        .order_by(_ITEMS.c.id)
        .limit(1)
    )
    if run_id is not None:
        candidate = candidate.where(_ITEMS.c.run_id == run_id)
    if kinds is not None:
        candidate = candidate.where(_ITEMS.c.kind.in_(list(kinds)))
    if engine.dialect.name == "postgresql":
        candidate = candidate.with_for_update(skip_locked=True)
    return (
        update(_ITEMS)
        .where(_ITEMS.c.id == candidate.scalar_subquery())
        .values(
            status="claimed",
            worker=worker,
            lease_until=stamp + timedelta(seconds=lease_seconds),
            attempts=_ITEMS.c.attempts + 1,
        )
        .returning(_ITEMS.c.id, _ITEMS.c.kind, _ITEMS.c.run_id, _ITEMS.c.payload, _ITEMS.c.attempts)
    )


def renew(engine: Engine, item_id: int, worker: str, lease_seconds: float) -> bool:
    """Extend the lease on an item; False when it is no longer ours."""
    with engine.begin() as connection:
        result = connection.execute(
            update(_ITEMS)
            .where(_ITEMS.c.id == item_id, _ITEMS.c.worker == worker, _ITEMS.c.status == "claimed")
            .values(lease_until=store_now(connection) + timedelta(seconds=lease_seconds))
        )
    return result.rowcount == 1


def complete(
    engine: Engine, item_id: int, worker: str, result: Mapping[str, Any], status: str = "done"
) -> bool:
    """Record an item's outcome; False when another worker had taken it over meanwhile."""
    with engine.begin() as connection:
        done = connection.execute(
            update(_ITEMS)
            .where(_ITEMS.c.id == item_id, _ITEMS.c.worker == worker, _ITEMS.c.status == "claimed")
            .values(status=status, result=dict(result), finished_at=now(), lease_until=None)
        )
    return done.rowcount == 1


def give_up_abandoned(engine: Engine, run_id: int | None = None) -> int:
    """Mark failed the items whose claimants died MAX_ATTEMPTS times, so that a run waiting
    for them ends and reports them instead of waiting for ever."""
    with engine.begin() as connection:
        stamp = store_now(connection)
        statement = (
            update(_ITEMS)
            .where(
                _ITEMS.c.status.in_(["pending", "claimed"]),
                _ITEMS.c.attempts >= MAX_ATTEMPTS,
                or_(_ITEMS.c.status == "pending", _ITEMS.c.lease_until < stamp),
            )
            .values(
                status="failed",
                finished_at=stamp,
                result={"errors": [f"abandoned after {MAX_ATTEMPTS} attempts"]},
            )
        )
        if run_id is not None:
            statement = statement.where(_ITEMS.c.run_id == run_id)
        return connection.execute(statement).rowcount


def unfinished(engine: Engine, run_id: int) -> int:
    """How many items of a run are not done yet."""
    with engine.connect() as connection:
        return (
            connection.scalar(
                select(func.count())
                .select_from(_ITEMS)
                .where(_ITEMS.c.run_id == run_id, _ITEMS.c.status.not_in(FINISHED))
            )
            or 0
        )


def results(engine: Engine, run_id: int) -> list[tuple[str, dict[str, Any], dict[str, Any] | None]]:
    """The status, payload and result of each item of a run, in order."""
    with engine.connect() as connection:
        return [
            (row.status, row.payload, row.result)
            for row in connection.execute(
                select(_ITEMS.c.status, _ITEMS.c.payload, _ITEMS.c.result)
                .where(_ITEMS.c.run_id == run_id)
                .order_by(_ITEMS.c.id)
            )
        ]


def queued(engine: Engine, kind: str, payload: Mapping[str, Any]) -> bool:
    """Whether an unfinished item of `kind` with this payload waits already (so that a
    timeline firing faster than workers drain does not pile up copies)."""
    with engine.connect() as connection:
        for (existing,) in connection.execute(
            select(_ITEMS.c.payload).where(_ITEMS.c.kind == kind, _ITEMS.c.status.not_in(FINISHED))
        ):
            if existing == dict(payload):
                return True
    return False

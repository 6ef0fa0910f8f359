"""Named leases in the store: the lock that makes one scheduler active among many processes
and keeps a job to one running instance across processes and machines.

A lease is a row (`lease`) naming its holder and when it expires. The holder renews it
while it works; a holder that dies stops renewing, and the lease passes to the next process
that asks once it has expired. One mechanism on SQLite and PostgreSQL: taking a lease is a
delete of the expired row, an insert that does nothing on conflict and an update that only
the holder's own row matches, in one transaction.

Clocks: expiry is written and compared by the store's clock (`store.clock`): PostgreSQL's
server clock, so machines whose clocks drift apart still agree on when a lease expires.
"""

from __future__ import annotations

import os
import socket
import threading
import uuid
from datetime import timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine

from cn285.hub.store import models
from cn285.hub.store.clock import store_now

_LEASES = models.Lease.__table__  # type: ignore[attr-defined]


def holder_name() -> str:
    """This process, as it appears in leases, job runs and work items."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def acquire(engine: Engine, name: str, holder: str, ttl: float) -> bool:
    """Take or renew lease `name` for `ttl` seconds; False when another holder has it."""
    with engine.begin() as connection:
        return take(connection, name, holder, ttl)


def take(connection: Connection, name: str, holder: str, ttl: float) -> bool:
    """`acquire` in the caller's transaction (which then commits it with its own writes)."""
    stamp = store_now(connection)
    expires = stamp + timedelta(seconds=ttl)
    insert = (postgresql if connection.dialect.name == "postgresql" else sqlite).insert
    connection.execute(delete(_LEASES).where(_LEASES.c.name == name, _LEASES.c.expires_at < stamp))
    connection.execute(
        insert(_LEASES)
        .values(name=name, holder=holder, acquired_at=stamp, expires_at=expires)
        .on_conflict_do_nothing(index_elements=["name"])
    )
    renewed = connection.execute(
        update(_LEASES)
        .where(_LEASES.c.name == name, _LEASES.c.holder == holder)
        .values(expires_at=expires)
    )
    return renewed.rowcount == 1


def release(engine: Engine, name: str, holder: str) -> None:
    """Let go of a lease (only if still ours), so that the next holder need not wait."""
    with engine.begin() as connection:
        give_back(connection, name, holder)


def give_back(connection: Connection, name: str, holder: str) -> None:
    """`release` in the caller's transaction."""
    connection.execute(delete(_LEASES).where(_LEASES.c.name == name, _LEASES.c.holder == holder))


def current_holder(engine: Engine, name: str) -> str | None:
    """Who holds lease `name` now (None when free or expired)."""
    with engine.connect() as connection:
        return holder_of(connection, name)


def holder_of(connection: Connection, name: str) -> str | None:
    """`current_holder` in the caller's transaction."""
    row = connection.execute(
        select(_LEASES.c.holder, _LEASES.c.expires_at).where(_LEASES.c.name == name)
    ).first()
    if row is None or row.expires_at < store_now(connection):
        return None
    return row.holder


class Renewal:
    """Renews a lease in a background thread while a job runs; `lost` is set if another
    holder took it meanwhile (the job should then stop as soon as it can)."""

    def __init__(self, engine: Engine, name: str, holder: str, ttl: float) -> None:
        self.engine, self.name, self.holder, self.ttl = engine, name, holder, ttl
        self.lost = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"lease:{name}", daemon=True)

    def __enter__(self) -> Renewal:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(self.ttl / 3):
            try:
                if not acquire(self.engine, self.name, self.holder, self.ttl):
                    self.lost.set()
                    return
            except Exception:  # the database is briefly away: try again at the next beat
                continue

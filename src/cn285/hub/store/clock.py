"""Now, by one clock for every process of a store.

Leases (the active scheduler, a job's single running instance) and work-item claims compare
an expiry written by one process with the clock of another, perhaps on another machine. On
PostgreSQL the database server's clock is that one clock: a machine whose clock runs ahead
can no longer take a lease that has not expired. A SQLite store is a file on one machine,
whose clock all its processes share.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import text
from sqlalchemy.engine import Connection

from cn285.hub.store.types import now

_CLOCK = text("SELECT clock_timestamp()")  # the time now, not the transaction's start


def store_now(connection: Connection) -> datetime:
    """The current UTC time by the store's clock."""
    if connection.dialect.name == "postgresql":
        return connection.execute(_CLOCK).scalar_one().astimezone(UTC)
    return now()

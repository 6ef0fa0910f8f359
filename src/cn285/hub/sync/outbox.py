"""The outbox: local changes to send to the ERPs, recorded in the transaction of the change."""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import Session

from cn285.hub.store import models
from cn285.hub.store.bulk import insert_rows
from cn285.hub.store.types import now

_TABLE = models.OutboxEvent.__table__  # type: ignore[attr-defined]


def emit(session: Session, entity: str, keys: Sequence[str], event: str) -> None:
    """Record that `keys` of `entity` changed (`event`), for every connector to pick up."""
    stamp = now()
    insert_rows(
        session.connection(),
        _TABLE,
        ("entity", "key", "event", "created_at"),
        [(entity, key, event, stamp) for key in keys],
    )

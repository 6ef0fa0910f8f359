"""Sync state behind one small manager: bindings, cursors, dead letters and the ledger."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import asdict, is_dataclass
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from cn285.hub.store import models
from cn285.hub.store.types import now


def fingerprint(value: Any) -> str:
    """A stable digest of the values exchanged with an ERP for a record."""
    data = asdict(value) if is_dataclass(value) else value  # type: ignore[arg-type]
    text = json.dumps(data, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


class SyncState:
    def __init__(self, session: Session, connector: str) -> None:
        self.session = session
        self.connector = connector
        # bindings read in this session (None: known to be absent), and the open dead
        # letters per stream: a batch of thousands costs a few queries, not one per record
        self._bindings: dict[tuple[str, str], models.ExternalBinding | None] = {}
        self._open: dict[str, set[str]] = {}

    # -- bindings ------------------------------------------------------------------------
    def preload(self, entity: str, local_keys: Iterable[str]) -> None:
        """Read the bindings of `local_keys` in a few queries (then `binding` is free)."""
        missing = [k for k in dict.fromkeys(local_keys) if (entity, k) not in self._bindings]
        for start in range(0, len(missing), 500):
            part = missing[start : start + 500]
            rows = self.session.scalars(
                select(models.ExternalBinding).where(
                    models.ExternalBinding.connector == self.connector,
                    models.ExternalBinding.entity == entity,
                    models.ExternalBinding.local_key.in_(part),  # type: ignore[attr-defined]
                )
            )
            found = {row.local_key: row for row in rows}
            for key in part:
                self._bindings[(entity, key)] = found.get(key)

    def binding(self, entity: str, local_key: str) -> models.ExternalBinding | None:
        if (entity, local_key) not in self._bindings:
            self.preload(entity, [local_key])
        return self._bindings[(entity, local_key)]

    def binding_by_remote(self, entity: str, remote_id: str) -> models.ExternalBinding | None:
        return self.session.scalars(
            select(models.ExternalBinding).where(
                models.ExternalBinding.connector == self.connector,
                models.ExternalBinding.entity == entity,
                models.ExternalBinding.remote_id == remote_id,
            )
        ).first()

    def bind(
        self, entity: str, local_key: str, remote_id: str, print_: str | None = None
    ) -> models.ExternalBinding:
        row = self.binding(entity, local_key)
        if row is None:
            row = models.ExternalBinding(
                connector=self.connector, entity=entity, local_key=local_key, remote_id=remote_id
            )
        row.remote_id = remote_id
        row.fingerprint = print_
        row.synced_at = now()
        self.session.add(row)  # flushed by the next query or the commit
        self._bindings[(entity, local_key)] = row
        return row

    # -- cursors -------------------------------------------------------------------------
    def cursor(self, stream: str) -> str | None:
        row = self.session.get(models.SyncCursor, (self.connector, stream))
        return row.value if row else None

    def set_cursor(self, stream: str, value: str) -> None:
        row = self.session.get(models.SyncCursor, (self.connector, stream))
        if row is None:
            row = models.SyncCursor(connector=self.connector, stream=stream, value=value)
        row.value = value
        row.updated_at = now()
        self.session.add(row)

    # -- dead letters --------------------------------------------------------------------
    def dead(self, stream: str, key: str, error: str) -> None:
        row = self.session.scalars(
            select(models.DeadLetter).where(
                models.DeadLetter.connector == self.connector,
                models.DeadLetter.stream == stream,
                models.DeadLetter.key == key,
            )
        ).first()
        self._open_letters(stream).add(key)
        if row is None:
            row = models.DeadLetter(connector=self.connector, stream=stream, key=key, error=error)
        else:
            row.attempts += 1
            row.error = error
            row.last_seen = now()
            row.resolved_at = None
        self.session.add(row)

    def _open_letters(self, stream: str) -> set[str]:
        if stream not in self._open:
            self._open[stream] = set(self.open_dead_letters(stream))
        return self._open[stream]

    def resolved(self, stream: str, key: str) -> None:
        if key not in self._open_letters(stream):
            return
        self._open[stream].discard(key)
        row = self.session.scalars(
            select(models.DeadLetter).where(
                models.DeadLetter.connector == self.connector,
                models.DeadLetter.stream == stream,
                models.DeadLetter.key == key,
                models.DeadLetter.resolved_at.is_(None),
            )
        ).first()  # type: ignore[union-attr]
        if row is not None:
            row.resolved_at = now()
            self.session.add(row)

    def open_error(self, stream: str, key: str) -> str | None:
        """The error of `key`'s open dead letter, if it has one."""
        if key not in self._open_letters(stream):
            return None
        return self.session.scalars(
            select(models.DeadLetter.error).where(
                models.DeadLetter.connector == self.connector,
                models.DeadLetter.stream == stream,
                models.DeadLetter.key == key,
            )
        ).first()

    def open_dead_letters(self, stream: str) -> list[str]:
        return list(
            self.session.scalars(
                select(models.DeadLetter.key).where(
                    models.DeadLetter.connector == self.connector,
                    models.DeadLetter.stream == stream,
                    models.DeadLetter.resolved_at.is_(None),
                )
            )
        )  # type: ignore[union-attr]

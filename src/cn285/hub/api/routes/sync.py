"""The sync engine's ledger and dead letters."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict

from cn285.hub.api.deps import DB, CallerDep
from cn285.hub.sync.status import open_dead_letters, recent_runs

router = APIRouter(prefix="/v1/sync", tags=["sync"])


class SyncRunOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    connector: str
    stream: str
    started_at: dt.datetime
    finished_at: dt.datetime | None
    status: str
    created: int
    updated: int
    unchanged: int
    failed: int
    duration_ms: int
    error: str | None


class DeadLetterOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    connector: str
    stream: str
    key: str
    error: str
    attempts: int
    first_seen: dt.datetime
    last_seen: dt.datetime


@router.get("/runs", response_model=list[SyncRunOut])
def runs(db: DB, _: CallerDep, connector: str | None = None) -> list:
    """The last sync runs, newest first."""
    return recent_runs(db, connector, limit=100)


@router.get("/dead-letters", response_model=list[DeadLetterOut])
def dead_letters(db: DB, _: CallerDep, connector: str | None = None) -> list:
    """Records that failed to sync and will be retried by the next runs."""
    return open_dead_letters(db, connector)

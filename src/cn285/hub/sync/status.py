"""What the sync engine reports: the ledger of runs and the open dead letters."""

from __future__ import annotations

from sqlalchemy import select
from sqlmodel import Session

from cn285.hub.store import models


def recent_runs(
    session: Session, connector: str | None = None, limit: int = 20
) -> list[models.SyncRun]:
    statement = select(models.SyncRun).order_by(models.SyncRun.id.desc()).limit(limit)  # type: ignore[union-attr]
    if connector:
        statement = statement.where(models.SyncRun.connector == connector)
    return list(session.scalars(statement))


def open_dead_letters(session: Session, connector: str | None = None) -> list[models.DeadLetter]:
    statement = (
        select(models.DeadLetter)
        .where(models.DeadLetter.resolved_at.is_(None))
        .order_by(models.DeadLetter.id)
    )  # type: ignore[union-attr]
    if connector:
        statement = statement.where(models.DeadLetter.connector == connector)
    return list(session.scalars(statement))

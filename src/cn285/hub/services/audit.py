"""The audit trail: who changed what, when, with the state before and after."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, SQLModel

from cn285.hub.store.models import AuditRecord

_HIDDEN = {"id", "hash"}


def snapshot(row: SQLModel | None) -> dict[str, Any] | None:
    if row is None:
        return None
    return {k: v for k, v in row.model_dump().items() if k not in _HIDDEN}


def record(
    session: Session,
    actor: str,
    action: str,
    entity: str,
    key: str,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    session.add(
        AuditRecord(
            actor=actor, action=action, entity=entity, entity_key=key, before=before, after=after
        )
    )

"""Termination notifications as recorded: what was sent, to whom, and what failed."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from cn285.hub.api.deps import DB, CallerDep
from cn285.hub.api.pagination import Cursor, Limit, Page, page
from cn285.hub.store import models

router = APIRouter(prefix="/v1", tags=["notifications"])


class NotificationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True, populate_by_name=True)
    id: int
    action_id: int
    contract: str = Field(validation_alias="contract_code")
    kind: str
    offset_days: int
    channel: str
    recipient: str
    effective_date: dt.date
    subject: str
    body: str
    status: str
    attempts: int
    error: str | None
    created_at: dt.datetime
    sent_at: dt.datetime | None


@router.get("/notifications", response_model=Page[NotificationOut])
def list_notifications(
    db: DB,
    _: CallerDep,
    limit: int = Limit,
    cursor: str | None = Cursor,
    contract: str | None = None,
    status: Literal["pending", "sent", "failed"] | None = None,
) -> dict:
    """Reminders and notices of terminations, oldest first; `failed` ones are retried by the
    next runs of `cn285 notify` (the error says why)."""
    statement = select(models.Notification)
    if contract:
        statement = statement.where(models.Notification.contract_code == contract)
    if status:
        statement = statement.where(models.Notification.status == status)
    return page(db, statement, models.Notification, limit, cursor)

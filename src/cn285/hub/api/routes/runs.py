"""Billing runs and the audit trail."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request, status
from sqlalchemy import select

from cn285.hub.api.deps import DB, CallerDep
from cn285.hub.api.pagination import MAX_ID, Cursor, Limit, Page, page
from cn285.hub.api.schemas import AuditOut, BillingRunIn, BillingRunOut, SettingsBody
from cn285.hub.services import settings
from cn285.hub.services.billing import run_billing
from cn285.hub.services.errors import NotFound
from cn285.hub.store import models

router = APIRouter(prefix="/v1")


@router.post(
    "/billing-runs",
    response_model=BillingRunOut,
    status_code=status.HTTP_201_CREATED,
    tags=["billing runs"],
)
def start_run(body: BillingRunIn, request: Request, db: DB, who: CallerDep) -> models.BillingRun:
    """Issue every invoice due up to `until`; running it again for the same date issues
    nothing."""
    result = run_billing(request.app.state.engine, body.until, actor=who.name)
    row = db.get(models.BillingRun, result.run_id)
    assert row is not None
    return row


@router.get("/billing-runs", response_model=Page[BillingRunOut], tags=["billing runs"])
def list_runs(db: DB, _: CallerDep, limit: int = Limit, cursor: str | None = Cursor) -> dict:
    return page(db, select(models.BillingRun), models.BillingRun, limit, cursor)


@router.get("/billing-runs/{run_id}", response_model=BillingRunOut, tags=["billing runs"])
def get_run(
    run_id: Annotated[int, Path(ge=1, le=MAX_ID)], db: DB, _: CallerDep
) -> models.BillingRun:
    row = db.get(models.BillingRun, run_id)
    if row is None:
        raise NotFound("billing run", str(run_id))
    return row


@router.get("/settings", response_model=SettingsBody, tags=["settings"])
def get_settings(db: DB, _: CallerDep) -> SettingsBody:
    return SettingsBody(tax=settings.get(db, settings.TAX), timezone=settings.timezone(db))


@router.put("/settings", response_model=SettingsBody, tags=["settings"])
def put_settings(body: SettingsBody, db: DB, who: CallerDep) -> SettingsBody:
    settings.update(db, body.tax, body.timezone, who.name)
    return get_settings(db, who)


@router.get("/audit", response_model=Page[AuditOut], tags=["audit"])
def list_audit(
    db: DB,
    _: CallerDep,
    limit: int = Limit,
    cursor: str | None = Cursor,
    entity: str | None = None,
    key: str | None = None,
) -> dict:
    statement = select(models.AuditRecord)
    if entity:
        statement = statement.where(models.AuditRecord.entity == entity)
    if key:
        statement = statement.where(models.AuditRecord.entity_key == key)
    return page(db, statement, models.AuditRecord, limit, cursor)

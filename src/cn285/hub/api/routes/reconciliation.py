"""Reconciliation runs: start one, list them, read their differences and their reports.

Connectors are opened from the application's configuration (`app.state.config` when the
server was given one, else `cn285.toml` / `CN285_CONFIG` and the environment). A run is made
within the request: it reads both sides in batches and answers when it is done.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Path, Query, Request, status
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict
from sqlalchemy import select

from cn285.hub import config as settings_file
from cn285.hub.api.deps import DB, CallerDep
from cn285.hub.api.pagination import MAX_ID, Cursor, Limit, Page, page
from cn285.hub.reconciliation import report
from cn285.hub.reconciliation.findings import Difference
from cn285.hub.services.errors import NotFound
from cn285.hub.services.reconciliation import reconcile_configured
from cn285.hub.store import models

router = APIRouter(prefix="/v1/reconciliation", tags=["reconciliation"])
RunId = Annotated[int, Path(ge=1, le=MAX_ID)]


class RunIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    connector: str | None = None  # default: every configured connector


class RunOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    connector: str
    status: str
    started_at: dt.datetime
    finished_at: dt.datetime | None
    checked: dict[str, int]
    counts: dict[str, int]
    error: str | None


class ItemOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    kind: str
    entity: str
    local_key: str | None
    remote_id: str | None
    detail: dict[str, Any]


class RunDetailOut(RunOut):
    items: list[ItemOut]
    next_cursor: str | None = None


def _config(request: Request) -> dict[str, Any]:
    config = getattr(request.app.state, "config", None)
    if config is not None:
        return config
    try:
        return settings_file.load()
    except settings_file.ConfigError as exc:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, str(exc)) from None


def _get(db: DB, run_id: int) -> models.ReconciliationRun:
    row = db.get(models.ReconciliationRun, run_id)
    if row is None:
        raise NotFound("reconciliation run", str(run_id))
    return row


@router.post("/runs", response_model=list[RunOut], status_code=status.HTTP_201_CREATED)
def start_runs(body: RunIn, request: Request, db: DB, _: CallerDep) -> list:
    """Compare Cn285 with one ERP (`connector`) or each configured one; a run that could not
    compare everything (the ERP unreachable) is `failed`, with its error."""
    results = reconcile_configured(request.app.state.engine, _config(request), body.connector)
    return [_get(db, result.run_id) for result in results]


@router.get("/runs", response_model=Page[RunOut])
def list_runs(
    db: DB,
    _: CallerDep,
    limit: int = Limit,
    cursor: str | None = Cursor,
    connector: str | None = None,
    run_status: Annotated[
        Literal["running", "ok", "differences", "failed"] | None, Query(alias="status")
    ] = None,
) -> dict:
    """Runs, oldest first, optionally of one connector or with one status."""
    run = models.ReconciliationRun
    statement = select(run)
    if connector:
        statement = statement.where(run.connector == connector)
    if run_status:
        statement = statement.where(run.status == run_status)
    return page(db, statement, run, limit, cursor)


@router.get("/runs/{run_id}", response_model=RunDetailOut)
def get_run(
    run_id: RunId,
    db: DB,
    _: CallerDep,
    limit: int = Limit,
    cursor: str | None = Cursor,
    kind: Difference | None = None,
) -> RunDetailOut:
    """The run's summary and a page of its differences (optionally of one kind)."""
    run = _get(db, run_id)
    item = models.ReconciliationItem
    statement = select(item).where(item.run_id == run_id)
    if kind is not None:
        statement = statement.where(item.kind == kind.value)
    items = page(db, statement, item, limit, cursor)
    return RunDetailOut(
        **RunOut.model_validate(run).model_dump(),
        items=[ItemOut.model_validate(i) for i in items["items"]],
        next_cursor=items["next_cursor"],
    )


@router.get("/runs/{run_id}/report.{fmt}")
def get_report(
    run_id: RunId, fmt: Literal["json", "csv", "html"], request: Request, db: DB, _: CallerDep
) -> StreamingResponse:
    """The run's report, streamed from the store: JSON, CSV or an HTML page."""
    run = _get(db, run_id)
    headers = {}
    if fmt == "csv":
        headers["Content-Disposition"] = f'attachment; filename="{report.report_name(run, fmt)}"'
    return StreamingResponse(
        report.RENDERERS[fmt](request.app.state.engine, run_id),
        media_type=report.MEDIA_TYPES[fmt],
        headers=headers,
    )

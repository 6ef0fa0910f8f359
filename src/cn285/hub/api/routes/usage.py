"""Usage ingestion, one record or a batch; idempotent by the sender's record id."""

from __future__ import annotations

from fastapi import APIRouter, Body, status

from cn285.hub.api.deps import DB, CallerDep
from cn285.hub.api.schemas import UsageRecordIn, UsageResult
from cn285.hub.services import usage

router = APIRouter(prefix="/v1", tags=["usage"])
MAX_BATCH = 10_000


def _ingest(db: DB, records: list[UsageRecordIn]) -> UsageResult:
    result = usage.ingest(db, [r.model_dump(exclude_none=True) for r in records])
    return UsageResult(
        received=result.received, created=result.created, duplicates=result.duplicates
    )


@router.post("/usage", response_model=UsageResult, status_code=status.HTTP_201_CREATED)
def ingest_one(body: UsageRecordIn, db: DB, _: CallerDep) -> UsageResult:
    return _ingest(db, [body])


@router.post("/usage/batch", response_model=UsageResult, status_code=status.HTTP_201_CREATED)
def ingest_batch(
    db: DB,
    _: CallerDep,
    body: list[UsageRecordIn] = Body(..., max_length=MAX_BATCH),  # noqa: B008
) -> UsageResult:
    """Up to 10,000 records, stored all together or not at all."""
    return _ingest(db, body)

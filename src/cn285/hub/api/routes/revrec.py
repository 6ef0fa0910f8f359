"""Revenue recognition: month closes and invoice schedules."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from fastapi import APIRouter, Request, Response, status
from pydantic import BaseModel, Field, field_validator
from sqlalchemy import select

from cn285.hub.api.deps import DB, CallerDep
from cn285.hub.services.revrec import close_month, invoice_schedule, stored_entry
from cn285.hub.store import models

router = APIRouter(prefix="/v1/revrec", tags=["revenue recognition"])


class CloseIn(BaseModel):
    period: str = Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", examples=["2026-03"])

    @field_validator("period")
    @classmethod
    def _a_calendar_month(cls, value: str) -> str:
        if value.startswith("0000"):  # the pattern lets it through; the calendar has no year 0
            raise ValueError("the year must be 0001 or later")
        return value


class EntryLineOut(BaseModel):
    account: str
    label: str
    debit: Decimal
    credit: Decimal


class CloseOut(BaseModel):
    period: str
    reference: str
    recognised: Decimal
    created: bool
    lines: list[EntryLineOut]


class RecognitionOut(BaseModel):
    month: str
    amount: Decimal


class ScheduleLineOut(BaseModel):
    position: int
    item: str
    kind: str
    amount: Decimal
    months: list[RecognitionOut]


def _lines(entry) -> list[EntryLineOut]:
    return [
        EntryLineOut(account=x.account, label=x.label, debit=x.debit, credit=x.credit)
        for x in (entry.lines if entry else ())
    ]


@router.post("/closes", response_model=CloseOut, status_code=status.HTTP_201_CREATED)
def close(body: CloseIn, request: Request, response: Response, _: CallerDep) -> CloseOut:
    """Close a month: post its recognition entry and lock it. A month closed already is
    returned as it was posted (200); months close in order from the revenue recognition
    start, and a month before the start is never closed (409 otherwise)."""
    day = dt.date.fromisoformat(f"{body.period}-01")
    state = request.app.state
    result = close_month(state.engine, day, state.account_plan, state.revrec_start)
    if not result.created:
        response.status_code = status.HTTP_200_OK
    return CloseOut(
        period=body.period,
        reference=result.reference,
        recognised=result.recognised,
        created=result.created,
        lines=_lines(result.entry),
    )


@router.get("/closes", response_model=list[CloseOut])
def closes(db: DB, _: CallerDep) -> list[CloseOut]:
    """The closed months, oldest first, with their entries as posted."""
    periods = db.scalars(select(models.RevrecPeriod).order_by(models.RevrecPeriod.month))
    return [
        CloseOut(
            period=f"{p.month:%Y-%m}",
            reference=p.reference,
            recognised=p.recognised,
            created=False,
            lines=_lines(stored_entry(db, p)),
        )
        for p in periods
    ]


@router.get("/schedules/{number}", response_model=list[ScheduleLineOut])
def schedule_of(number: str, request: Request, _: CallerDep) -> list[ScheduleLineOut]:
    """How each line of an issued invoice or credit note is recognised, month by month."""
    return [
        ScheduleLineOut(
            position=line.position,
            item=line.item_code,
            kind=line.line_kind,
            amount=line.amount,
            months=[RecognitionOut(month=f"{r.month:%Y-%m}", amount=r.amount) for r in months],
        )
        for line, months in invoice_schedule(request.app.state.engine, number)
    ]

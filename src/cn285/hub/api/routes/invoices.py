"""Issued invoices and credit notes (read only: corrections are credit notes)."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter
from sqlalchemy import select

from cn285.hub.api.deps import DB, CallerDep
from cn285.hub.api.pagination import Cursor, Limit, Page, page
from cn285.hub.api.schemas import InvoiceLineOut, InvoiceOut
from cn285.hub.services.errors import NotFound
from cn285.hub.store import models

router = APIRouter(prefix="/v1", tags=["invoices"])


def _with_lines(db: DB, row: models.Invoice) -> InvoiceOut:
    out = InvoiceOut.model_validate(row)
    out.lines = [
        InvoiceLineOut.model_validate(ln)
        for ln in db.scalars(
            select(models.InvoiceLine)
            .where(models.InvoiceLine.invoice_id == row.id)
            .order_by(models.InvoiceLine.position)
        )
    ]
    return out


@router.get("/invoices", response_model=Page[InvoiceOut], response_model_by_alias=True)
def list_invoices(
    db: DB,
    _: CallerDep,
    limit: int = Limit,
    cursor: str | None = Cursor,
    customer: str | None = None,
    contract: str | None = None,
    kind: str | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    payment_status: str | None = None,
) -> dict:
    statement = select(models.Invoice).where(models.Invoice.number.is_not(None))  # type: ignore[union-attr]
    for column, value in (
        (models.Invoice.customer_code, customer),
        (models.Invoice.contract_code, contract),
        (models.Invoice.kind, kind),
        (models.Invoice.payment_status, payment_status),
    ):
        if value is not None:
            statement = statement.where(column == value)
    if date_from:
        statement = statement.where(models.Invoice.date >= date_from)
    if date_to:
        statement = statement.where(models.Invoice.date <= date_to)
    return page(db, statement, models.Invoice, limit, cursor, InvoiceOut.model_validate)


@router.get("/invoices/{number}", response_model=InvoiceOut, response_model_by_alias=True)
def get_invoice(number: str, db: DB, _: CallerDep) -> InvoiceOut:
    row = db.scalars(select(models.Invoice).where(models.Invoice.number == number)).first()
    if row is None:
        raise NotFound("invoice", number)
    return _with_lines(db, row)

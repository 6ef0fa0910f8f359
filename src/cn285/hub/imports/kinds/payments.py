"""Payments received on issued invoices (historical or ours), keyed by (invoice, reference).

Each payment adds to its invoice's `amount_paid` and sets `payment_status` (not_paid,
partial, paid), in the same transaction, with an audit record on the invoice; the amount
paid carries the document's sign, as the ERP sync stores it (negative on a credit note,
whose payment is a refund). A payment above what is still due is refused: an overpayment
is a fact for the ledger, not an invoice state.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, ClassVar

from sqlalchemy import select
from sqlmodel import Session

from cn285.billing_core.money import ZERO, currency, round_money
from cn285.hub.imports.kinds._catalog import Fields
from cn285.hub.imports.model import Checked, Column, Outcome, Row, RowError, Values
from cn285.hub.services import audit
from cn285.hub.services.book import chunks
from cn285.hub.store import models

SOURCE = "import"
COLUMNS = (
    Column("invoice", True, "number of the invoice or credit note paid", "F-2025-0042"),
    Column("date", True, "the day the payment was received (or refunded)", "2025-11-20"),
    Column("amount", True, "amount received, positive (a refund on a credit note too)", "58.80"),
    Column("reference", True, "the payment's reference: with invoice, its key", "VIR-8812"),
    Column("source", False, f"where it comes from (default {SOURCE})", "bank"),
)


@dataclass(frozen=True)
class PaymentRecord:
    invoice: str  # number
    date: dt.date
    amount: Decimal  # positive
    reference: str
    source: str


class KIND:
    name: ClassVar[str] = "payments"
    columns: ClassVar[Sequence[Column]] = COLUMNS
    group: ClassVar[str | None] = None

    def check(self, session: Session, rows: Sequence[Row], values: Values) -> Checked:
        checked = Checked()
        read: list[tuple[Row, PaymentRecord]] = []
        for row in rows:
            record, errors = _read(row, values)
            if record is None:
                checked.refused += [(row, error) for error in errors]
            else:
                read.append((row, record))
        invoices = _invoices(session, {r.invoice for _, r in read})
        stored = _payments(session, invoices.values())
        first: dict[tuple[str, str], int] = {}
        added: dict[str, Decimal] = {}  # invoice -> payments accepted earlier in the batch
        for row, record in read:
            try:
                key = (record.invoice, record.reference)
                if key in first:
                    raise RowError(
                        "reference", f"{record.reference!r} is also on line {first[key]}"
                    )
                invoice = invoices.get(record.invoice)
                if invoice is None:
                    raise RowError("invoice", f"unknown invoice {record.invoice!r}")
                exact = round_money(record.amount, currency(invoice.currency))
                if exact != record.amount:
                    raise RowError("amount", f"{record.amount} is not exact in {invoice.currency}")
                current = stored.get((invoice.id, record.reference))  # type: ignore[arg-type]
                if current is None or not _same(current, record):
                    delta = record.amount - (current.amount if current else ZERO)
                    _check_due(invoice, delta + added.get(record.invoice, ZERO), record.amount)
                    added[record.invoice] = added.get(record.invoice, ZERO) + delta
                first[key] = row.line
                checked.accepted.append((row, record))
            except RowError as error:
                checked.refused.append((row, error))
        return checked

    def write(self, session: Session, records: Sequence[Any], actor: str) -> Outcome:
        outcome = Outcome()
        invoices = _invoices(session, {r.invoice for r in records})
        stored = _payments(session, invoices.values())
        for record in records:
            invoice = invoices[record.invoice]
            key = (invoice.id, record.reference)
            current = stored.get(key)  # type: ignore[arg-type]
            if current is not None and _same(current, record):
                outcome.unchanged += 1
                continue
            delta = record.amount - (current.amount if current else ZERO)
            _check_due(invoice, delta, record.amount)  # paid meanwhile: refused
            before = _state(invoice, current)
            if current is None:
                current = models.Payment(invoice_id=invoice.id, reference=record.reference)  # type: ignore[arg-type]
                stored[key] = current  # type: ignore[index]
                outcome.created += 1
            else:
                outcome.updated += 1
            current.date = record.date
            current.amount = record.amount
            current.source = record.source
            paid = abs(invoice.amount_paid) + delta
            invoice.amount_paid = -paid if invoice.total < 0 else paid
            invoice.payment_status = _status(paid, abs(invoice.total))
            session.add_all([current, invoice])
            session.flush()
            action = "payment:create" if before["payment"] is None else "payment:update"
            audit.record(
                session,
                actor,
                action,
                "invoice",
                invoice.number or "",
                before,
                _state(invoice, current),
            )
        return outcome


def _read(row: Row, values: Values) -> tuple[PaymentRecord | None, list[RowError]]:
    fields = Fields(row)
    invoice = fields.read(values.text, "invoice", required=True)
    date = fields.read(values.date, "date", required=True)
    amount = fields.read(values.decimal, "amount", required=True)
    reference = fields.read(values.text, "reference", required=True)
    source = fields.read(values.text, "source") or SOURCE
    if amount is not None and amount <= 0:
        fields.fail("amount", "a payment is a positive amount")
    if reference is not None and len(reference) > 128:
        fields.fail("reference", "at most 128 characters")
    if len(source) > 32:
        fields.fail("source", "at most 32 characters")
    if fields.errors:
        return None, fields.errors
    assert invoice and date and amount and reference
    return PaymentRecord(invoice, date, amount, reference, source), []


def _invoices(session: Session, numbers: Iterable[str]) -> dict[str, models.Invoice]:
    found: dict[str, models.Invoice] = {}
    for part in chunks(sorted(set(numbers))):
        for row in session.scalars(select(models.Invoice).where(models.Invoice.number.in_(part))):  # type: ignore[union-attr]
            found[row.number or ""] = row
    return found


def _payments(
    session: Session, invoices: Iterable[models.Invoice]
) -> dict[tuple[int, str], models.Payment]:
    """Stored payments of these invoices, by (invoice id, reference)."""
    ids = sorted(inv.id for inv in invoices if inv.id is not None)
    found: dict[tuple[int, str], models.Payment] = {}
    for i in range(0, len(ids), 500):
        for row in session.scalars(
            select(models.Payment).where(models.Payment.invoice_id.in_(ids[i : i + 500]))  # type: ignore[attr-defined]
        ):
            found[(row.invoice_id, row.reference or "")] = row
    return found


def _same(stored: models.Payment, record: PaymentRecord) -> bool:
    return (stored.date, stored.amount, stored.source) == (
        record.date,
        record.amount,
        record.source,
    )


def _check_due(invoice: models.Invoice, more: Decimal, amount: Decimal) -> None:
    """`more` (what this payment adds) must fit in what the invoice still has due."""
    due = abs(invoice.total) - abs(invoice.amount_paid)
    if more > 0 and more > due:
        raise RowError(
            "amount",
            f"{amount} is more than the {max(due, ZERO)} {invoice.currency} still due on "
            f"{invoice.number} (total {invoice.total}, paid {invoice.amount_paid})",
        )


def _status(paid: Decimal, total: Decimal) -> str:
    if paid <= 0:
        return "not_paid"
    return "paid" if paid >= total else "partial"


def _state(invoice: models.Invoice, payment: models.Payment | None) -> dict[str, Any]:
    return {
        "amount_paid": str(invoice.amount_paid),
        "payment_status": invoice.payment_status,
        "payment": audit.snapshot(payment),
    }

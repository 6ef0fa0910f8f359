"""Historical invoices and credit notes (issued by the previous system), with their lines.

One invoice is several rows with the same `number` (`group`), imported or refused whole.
They are stored as issued documents under their own number (key `import|NUMBER`), never
from Cn285's series, and are immutable like every issued invoice: the same number with
other content is refused (a correction is a credit note). They are not sent to the ERPs
(they are already in the previous one), unless a row says `push`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any, ClassVar

from sqlalchemy import select
from sqlmodel import Session

from cn285.hub.imports.kinds import _contract_store as contract_store
from cn285.hub.imports.kinds._invoice_rows import (
    OUR_SERIES,
    InvoiceData,
    InvoiceLineData,
    Known,
    billed_twice,
    groups,
    read,
)
from cn285.hub.imports.model import Checked, Column, Outcome, Row, RowError, Values
from cn285.hub.services import audit
from cn285.hub.services.book import chunks
from cn285.hub.store import models
from cn285.hub.sync.outbox import emit

KEY_PREFIX = contract_store.IMPORTED
COLUMNS = (
    Column("number", True, "the invoice's number in the previous system: its key", "F-2025-0042"),
    Column("kind", False, "invoice or credit_note (must agree with the sign)", "invoice"),
    Column("customer", True, "code of the customer invoiced", "ACME"),
    Column("contract", False, "code of the contract invoiced, if any", ""),
    Column("date", True, "the invoice's date", "2025-11-01"),
    Column("currency", True, "ISO 4217 code", "EUR"),
    Column("tax_regime", True, "none, domestic, reverse_charge, eu_consumer or export", "domestic"),
    Column("note", False, "text printed on the invoice", ""),
    Column("total_excl_tax", False, "if given: checked against the sum of the lines", ""),
    Column("total_tax", False, "if given: checked against the sum of the lines' tax", ""),
    Column("total", False, "if given: checked against the total computed", "58.80"),
    Column("push", False, "send it to the ERPs as well (default no: already there)", "no"),
    Column("line", False, "the contract's line this line billed (needs contract)", ""),
    Column("line_description", False, "the line's text (default: the item's name)", ""),
    Column("item", True, "code of the item billed", "SAAS"),
    Column("line_kind", True, "recurring, one_shot, usage or cascade", "recurring"),
    Column("start", True, "first day of the service billed", "2025-11-01"),
    Column("end", False, "last day (required for recurring and cascade lines)", "2025-11-30"),
    Column("quantity", False, "quantity billed", "1"),
    Column("unit_price", False, "unit price", "49.00"),
    Column("amount", True, "the line's amount excluding tax (negative: a credit)", "49.00"),
    Column("tax_rate", True, "percent", "20"),
    Column("tax", True, "amount × tax_rate / 100, rounded half up to the cent", "9.80"),
)
_HEADER = {  # models.Invoice field -> column
    "kind": "kind",
    "customer_code": "customer",
    "contract_code": "contract",
    "date": "date",
    "currency": "currency",
    "tax_regime": "tax_regime",
    "note": "note",
    "total_excl_tax": "total_excl_tax",
    "tax": "total_tax",
    "total": "total",
}
_LINE = {  # models.InvoiceLine field -> column
    "line_ref": "line",
    "item_code": "item",
    "description": "line_description",
    "kind": "line_kind",
    "start": "start",
    "end": "end",
    "quantity": "quantity",
    "unit_price": "unit_price",
    "amount": "amount",
    "tax_rate": "tax_rate",
    "tax": "tax",
}


class KIND:
    name: ClassVar[str] = "invoices"
    columns: ClassVar[Sequence[Column]] = COLUMNS
    group: ClassVar[str | None] = "number"

    def check(self, session: Session, rows: Sequence[Row], values: Values) -> Checked:
        checked = Checked()
        known = _known(session, rows)
        batches = groups(rows)
        stored = _stored(session, [g[0].values.get("number", "") for g in batches])
        seen: dict[str, int] = {}
        for group in batches:
            invoice, errors = read(group, values, known)
            if invoice is not None and invoice.number in seen:
                errors = [(group[0], RowError("number", f"also on line {seen[invoice.number]}"))]
            elif invoice is not None:
                seen[invoice.number] = group[0].line
                current = stored.get(invoice.number)
                refused = _refusal(invoice, current)
                if refused is None and current is None:
                    refused = billed_twice(invoice, known)
                errors = [refused] if refused else []
            if errors:
                checked.refused += errors
            else:
                checked.accepted.append((group[0], invoice))
        return checked

    def write(self, session: Session, records: Sequence[Any], actor: str) -> Outcome:
        outcome = Outcome()
        stored = _stored(session, [r.number for r in records])
        names = _item_names(session, {ln.item_code for r in records for ln in r.lines})
        for invoice in records:
            current = stored.get(invoice.number)
            refused = _refusal(invoice, current)
            if refused:  # stored meanwhile, differently: never overwritten
                raise refused[1]
            if current is not None:
                outcome.unchanged += 1
                continue
            row = _insert(session, invoice, names)
            audit.record(
                session,
                actor,
                "import",
                "invoice",
                invoice.number,
                None,
                {**audit.snapshot(row), "lines": len(invoice.lines)},  # type: ignore[dict-item]
            )
            if invoice.push:
                emit(session, "invoice", [invoice.number], "issued")
            outcome.created += 1
        return outcome


def _known(session: Session, rows: Sequence[Row]) -> Known:
    def codes(column: str) -> set[str]:
        return {r.values.get(column, "") for r in rows} - {""}

    customers = contract_store.existing_codes(session, models.Customer, codes("customer"))
    contracts = contract_store.existing_codes(session, models.Contract, codes("contract"))
    lines = contract_store.lines_by_contract(session, contracts)
    return Known(
        customers=customers,
        items=_item_names(session, codes("item")),
        contract_lines={c: {ln.code: ln.start for ln in lines.get(c, [])} for c in contracts},
    )


def _item_names(session: Session, codes: Iterable[str]) -> dict[str, str]:
    names: dict[str, str] = {}
    for part in chunks(sorted(set(codes))):
        names.update(
            session.execute(
                select(models.Item.code, models.Item.name).where(models.Item.code.in_(part))  # type: ignore[attr-defined]
            ).all()
        )
    return names


def _stored(
    session: Session, numbers: Iterable[str]
) -> dict[str, tuple[models.Invoice, list[models.InvoiceLine]]]:
    """Stored invoices with these numbers (whoever issued them), with their lines."""
    found: dict[str, tuple[models.Invoice, list[models.InvoiceLine]]] = {}
    for part in chunks(sorted(set(numbers) - {""})):
        invoices = list(
            session.scalars(select(models.Invoice).where(models.Invoice.number.in_(part)))  # type: ignore[union-attr]
        )
        by_id: dict[int, list[models.InvoiceLine]] = {inv.id: [] for inv in invoices}  # type: ignore[misc]
        if by_id:
            for line in session.scalars(
                select(models.InvoiceLine)
                .where(models.InvoiceLine.invoice_id.in_(list(by_id)))  # type: ignore[attr-defined]
                .order_by(models.InvoiceLine.position)
            ):
                by_id[line.invoice_id].append(line)
        for inv in invoices:
            found[inv.number or ""] = (inv, by_id[inv.id])  # type: ignore[index]
    return found


def _refusal(
    invoice: InvoiceData, current: tuple[models.Invoice, list[models.InvoiceLine]] | None
) -> tuple[Row, RowError] | None:
    """Why `invoice` cannot be imported, with the row at fault: a stored number must hold
    this very invoice, and a new number must not be from our series."""
    first = invoice.lines[0].row
    if current is None:
        if not OUR_SERIES.match(invoice.number):
            return None
        return first, RowError(
            "number",
            f"{invoice.number} is a number of Cn285's own series (INV-/CN-): a historical "
            "invoice keeps the previous system's number, which must not look like ours",
        )
    stored, lines = current
    where = "issued by Cn285" if not stored.key.startswith(KEY_PREFIX) else "stored"
    refuse = f"invoice {invoice.number} is already {where} with"
    rule = "an issued invoice never changes (import a credit note to correct it)"
    for name, column in _HEADER.items():
        before, after = getattr(stored, name), getattr(invoice, name)
        if before != after:
            message = f"{refuse} {column} {_text(before)}, not {_text(after)}: {rule}"
            return first, RowError(column, message)
    if len(lines) != len(invoice.lines):
        message = f"{refuse} {len(lines)} lines, not {len(invoice.lines)}: {rule}"
        return first, RowError(None, message)
    for line, new in zip(lines, invoice.lines, strict=True):
        for name, column in _LINE.items():
            before, after = getattr(line, name), getattr(new, name)
            if name == "description" and after is None:
                continue  # the item's name when it was imported
            if before != after:
                message = (
                    f"{refuse} line {line.position} {column} {_text(before)}, not "
                    f"{_text(after)}: {rule}"
                )
                return new.row, RowError(column, message)
    return None


def _text(value: Any) -> str:
    if value is None or value == "":
        return "empty"
    return value.isoformat() if isinstance(value, dt.date) else str(value)


def _insert(session: Session, invoice: InvoiceData, names: dict[str, str]) -> models.Invoice:
    """The invoice as issued on its date (numbered, `issued_at` set), with its lines."""
    row = models.Invoice(
        key=f"{KEY_PREFIX}{invoice.number}",
        number=invoice.number,
        kind=invoice.kind,
        customer_code=invoice.customer_code,
        contract_code=invoice.contract_code,
        date=invoice.date,
        currency=invoice.currency,
        tax_regime=invoice.tax_regime,
        note=invoice.note,
        total_excl_tax=invoice.total_excl_tax,
        tax=invoice.tax,
        total=invoice.total,
        issued_at=dt.datetime.combine(invoice.date, dt.time(), dt.UTC),
    )
    session.add(row)
    session.flush()
    session.add_all(
        _line_row(row.id, position, line, names) for position, line in enumerate(invoice.lines, 1)
    )  # type: ignore[arg-type]
    session.flush()
    return row


def _line_row(
    invoice_id: int, position: int, line: InvoiceLineData, names: dict[str, str]
) -> models.InvoiceLine:
    return models.InvoiceLine(
        invoice_id=invoice_id,
        position=position,
        line_ref=line.line_ref,
        contract_code=line.contract_code,
        item_code=line.item_code,
        description=line.description or names.get(line.item_code, line.item_code),
        kind=line.kind,
        start=line.start,
        end=line.end,
        quantity=line.quantity,
        unit_price=line.unit_price,
        amount=line.amount,
        tax_rate=line.tax_rate,
        tax=line.tax,
    )

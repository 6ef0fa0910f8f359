"""Customers, by code: created and updated through the catalog service, so that a file is
validated as the API validates (the VAT number against the country) and the ERPs hear of each
new or changed customer through the outbox."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from pydantic import ValidationError
from sqlmodel import Session

from cn285.billing_core.scenario.loader import Builder
from cn285.billing_core.scenario.schema import CustomerIn
from cn285.hub.imports.kinds._catalog import Fields, by_code, repeated, validation_errors
from cn285.hub.imports.model import Checked, Column, Outcome, Row, RowError, Values
from cn285.hub.services import audit, catalog
from cn285.hub.store import models
from cn285.hub.sync.outbox import emit

TEXTS = ("name", "country", "vat_number", "email", "street", "zip", "city")
FLAGS = ("group_invoices", "is_company")
FIELDS = ("code", *TEXTS, *FLAGS)


@dataclass(frozen=True)
class CustomerRecord:
    data: CustomerIn  # as the API would receive it, merged with the stored customer
    stored: dict[str, Any]  # the normalised values to store (VAT compact, country upper)


class CustomersKind:
    name: ClassVar[str] = "customers"
    group: ClassVar[str | None] = None
    columns: ClassVar[Sequence[Column]] = (
        Column("code", True, "Key: a row with a stored code updates that customer", "ACME"),
        Column("name", True, "Legal name", "Acme Industries SAS"),
        Column("country", True, "ISO 3166 country code, two letters", "FR"),
        Column(
            "vat_number",
            False,
            "EU VAT number, checked against the country (empty: none)",
            "FR40303265045",
        ),
        Column("group_invoices", False, "One invoice for all its contracts (default no)", "no"),
        Column("email", False, "Billing e-mail address", "billing@acme.example"),
        Column("street", False, "Street address", "12 rue de la Paix"),
        Column("zip", False, "Postal code", "75002"),
        Column("city", False, "City", "Paris"),
        Column("is_company", False, "A company, not a person (default yes)", "yes"),
    )

    def check(self, session: Session, rows: Sequence[Row], values: Values) -> Checked:
        checked = Checked()
        stored = by_code(session, models.Customer, (r.values.get("code", "") for r in rows))
        seen: dict[str, int] = {}
        for row in rows:
            record, errors = self._record(row, values, stored, seen)
            if errors:
                checked.refused.extend((row, error) for error in errors)
            else:
                checked.accepted.append((row, record))
        return checked

    def _record(
        self, row: Row, values: Values, stored: dict[str, models.Customer], seen: dict[str, int]
    ) -> tuple[CustomerRecord | None, list[RowError]]:
        fields = Fields(row)
        code = fields.read(values.text, "code", required=True)
        given: dict[str, Any] = {"code": code}
        for name in TEXTS:
            if fields.present(name):
                given[name] = fields.read(values.text, name, required=name in ("name", "country"))
        for name in FLAGS:
            if fields.present(name):
                flag = fields.read(values.boolean, name)
                if flag is not None:  # empty: the default
                    given[name] = flag
        if code and (duplicate := repeated(code, row.line, seen)):
            fields.errors.append(duplicate)
        if fields.errors:
            return None, fields.errors
        existing = stored.get(code or "")
        base = {f: getattr(existing, f) for f in FIELDS} if existing is not None else {}
        try:
            data = CustomerIn.model_validate({**base, **given})
        except ValidationError as exc:
            return None, validation_errors(exc, FIELDS)
        builder = Builder()
        customer = builder.customer(data, ())
        if builder.problems:
            return None, [RowError(p.path or None, p.message) for p in builder.problems]
        normalised = {
            **{f: getattr(data, f) for f in FIELDS},
            "country": customer.country,
            "vat_number": customer.vat_number,
        }
        return CustomerRecord(data, normalised), []

    def write(self, session: Session, records: Sequence[Any], actor: str) -> Outcome:
        outcome = Outcome()
        stored = by_code(session, models.Customer, (r.data.code for r in records))
        new: list[models.Customer] = []
        for record in records:
            existing = stored.get(record.data.code)
            if existing is None:
                new.append(models.Customer(**record.stored))
            elif all(getattr(existing, f) == v for f, v in record.stored.items()):
                outcome.unchanged += 1
            else:
                changes = record.data.model_dump(exclude={"code"})
                catalog.update_customer(session, record.data.code, changes, actor)
                outcome.updated += 1
        _create(session, new, actor)
        outcome.created = len(new)
        return outcome


def _create(session: Session, rows: list[models.Customer], actor: str) -> None:
    """`catalog.create_customer` for a whole batch (validated by `check` as it validates):
    the same rows, audit records and outbox events, in a few statements instead of four
    per customer."""
    if not rows:
        return
    session.add_all(rows)
    session.flush()
    for row in rows:
        audit.record(session, actor, "create", "customer", row.code, None, audit.snapshot(row))
    emit(session, "customer", [row.code for row in rows], "created")


KIND = CustomersKind

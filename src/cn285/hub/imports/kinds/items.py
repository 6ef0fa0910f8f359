"""Items, by code: created and updated through the catalog service, as over the API.

Items usually come from the ERP (`cn285 sync`); importing them serves a first migration or a
store without an ERP. As with the API, a local item change is not pushed to the ERPs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from pydantic import ValidationError
from sqlmodel import Session

from cn285.billing_core.scenario.schema import ItemIn
from cn285.hub.api.schemas import ItemUpdate
from cn285.hub.imports.kinds._catalog import Fields, by_code, repeated, validation_errors
from cn285.hub.imports.model import Checked, Column, Outcome, Row, RowError, Values
from cn285.hub.services import audit, catalog
from cn285.hub.store import models

FIELDS = ("name", "tax_category", "active")


@dataclass(frozen=True)
class ItemRecord:
    code: str
    values: dict[str, Any]  # name, tax_category, active


class ItemsKind:
    name: ClassVar[str] = "items"
    group: ClassVar[str | None] = None
    columns: ClassVar[Sequence[Column]] = (
        Column("code", True, "Key: a row with a stored code updates that item", "SAAS"),
        Column("name", True, "Name shown on invoices", "SaaS subscription"),
        Column(
            "tax_category",
            False,
            "VAT category of the seller's tax rates (default standard)",
            "standard",
        ),
        Column("active", False, "Can still be sold (default yes)", "yes"),
    )

    def check(self, session: Session, rows: Sequence[Row], values: Values) -> Checked:
        checked = Checked()
        stored = by_code(session, models.Item, (r.values.get("code", "") for r in rows))
        seen: dict[str, int] = {}
        for row in rows:
            record, errors = _record(row, values, stored, seen)
            if errors:
                checked.refused.extend((row, error) for error in errors)
            else:
                checked.accepted.append((row, record))
        return checked

    def write(self, session: Session, records: Sequence[Any], actor: str) -> Outcome:
        outcome = Outcome()
        stored = by_code(session, models.Item, (r.code for r in records))
        new: list[models.Item] = []
        for record in records:
            existing = stored.get(record.code)
            if existing is None:
                new.append(models.Item(code=record.code, **record.values))
            elif all(getattr(existing, f) == v for f, v in record.values.items()):
                outcome.unchanged += 1
            else:
                catalog.update_item(session, record.code, record.values, actor)
                outcome.updated += 1
        if new:  # `catalog.create_item` for a whole batch: the same rows and audit records
            session.add_all(new)
            session.flush()
            for row in new:
                audit.record(session, actor, "create", "item", row.code, None, audit.snapshot(row))
        outcome.created = len(new)
        return outcome


def _record(
    row: Row, values: Values, stored: dict[str, models.Item], seen: dict[str, int]
) -> tuple[ItemRecord | None, list[RowError]]:
    fields = Fields(row)
    code = fields.read(values.text, "code", required=True)
    name = fields.read(values.text, "name", required=True)
    given: dict[str, Any] = {"name": name}
    if fields.present("tax_category"):
        given["tax_category"] = fields.read(values.text, "tax_category") or "standard"
    if fields.present("active"):
        active = fields.read(values.boolean, "active")
        given["active"] = True if active is None else active
    if code and (duplicate := repeated(code, row.line, seen)):
        fields.errors.append(duplicate)
    if fields.errors or code is None:
        return None, fields.errors
    existing = stored.get(code)
    merged = {
        "tax_category": existing.tax_category if existing else "standard",
        "active": existing.active if existing else True,
        **given,
    }
    try:
        ItemIn(code=code, name=merged["name"], tax_category=merged["tax_category"])
        ItemUpdate.model_validate(merged)
    except ValidationError as exc:
        return None, validation_errors(exc, ("code", *FIELDS))
    return ItemRecord(code, merged), []


KIND = ItemsKind

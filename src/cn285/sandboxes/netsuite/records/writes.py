"""Create, update, upsert, delete and transform: the write operations of the record API.

Each operation reads the body (`validation`), merges it into the stored record (`sublists`
for lines), lets the type's rules complete it (`accounting`), checks the unique keys, then
stores it and brings dependent invoices up to date, all under the store lock, so that a
refused request changes nothing. Semantics follow Oracle help section_1545141395 (create),
section_1545142173 (update: omitted fields stay, `null` clears), section_156335203191
(upsert only with `eid:` and PUT) and the transform examples of ERP_APIS.md §1.2.
"""

from __future__ import annotations

import copy
from datetime import date
from typing import Any

from cn285.sandboxes.netsuite.dates import DatePreferences
from cn285.sandboxes.netsuite.errors import (
    NetSuiteError,
    duplicate,
    invalid_content,
    not_found,
    user_error,
)
from cn285.sandboxes.netsuite.records import accounting
from cn285.sandboxes.netsuite.records.fields import Kind
from cn285.sandboxes.netsuite.records.store import Record, RecordStore
from cn285.sandboxes.netsuite.records.sublists import merge
from cn285.sandboxes.netsuite.records.types import RecordType, family_types, record_type
from cn285.sandboxes.netsuite.records.validation import NameValidation, read_body

TRANSFORMS = {
    ("invoice", "customerPayment"),
    ("invoice", "creditMemo"),
    ("customer", "invoice"),
}


class RecordWriter:
    """The write side of the record API over one store."""

    def __init__(self, store: RecordStore, prefs: DatePreferences) -> None:
        self.store = store
        self.prefs = prefs

    def create(
        self,
        rtype: RecordType,
        body: Any,
        names: NameValidation = NameValidation.ERROR,
        external_id: str | None = None,
    ) -> Record:
        with self.store.lock:
            values = read_body(rtype, body, self.store, names)
            if external_id is not None:
                values["externalId"] = external_id
            record: Record = {}
            for name, value in values.items():
                if value is not None:
                    field = rtype.field(name)
                    if field is not None and field.kind is Kind.SUBLIST:
                        value = merge(field, [], value, replace=True)
                    record[name] = value
            return self._commit(rtype, record, None)

    def update(
        self,
        rtype: RecordType,
        record_id: str,
        body: Any,
        names: NameValidation = NameValidation.ERROR,
        replace: frozenset[str] = frozenset(),
        replace_all: bool = False,
        external_id: str | None = None,
    ) -> Record:
        with self.store.lock:
            previous = self.store.get(rtype.name, record_id)
            if previous is None:
                raise not_found(rtype.name, record_id)
            values = read_body(rtype, body, self.store, names)
            if external_id is not None:
                values["externalId"] = external_id
            record = copy.deepcopy(previous)
            for field in rtype.sublists():
                if field.name.lower() in replace and field.name not in values:
                    record.pop(field.name, None)  # `replace=item` without lines clears them
            for name, value in values.items():
                field = rtype.field(name)
                if value is None:
                    record.pop(name, None)
                elif field is not None and field.kind is Kind.SUBLIST:
                    replaced = replace_all or name.lower() in replace
                    record[name] = merge(field, record.get(name, []), value, replaced)
                else:
                    record[name] = value
            replaced = {
                f.name for f in rtype.sublists() if replace_all or f.name.lower() in replace
            }
            return self._commit(rtype, record, previous, frozenset(replaced))

    def upsert(
        self,
        rtype: RecordType,
        external_id: str,
        body: Any,
        names: NameValidation = NameValidation.ERROR,
        replace: frozenset[str] = frozenset(),
    ) -> Record:
        """PUT on `eid:`: update the record with that external id, or create it."""
        with self.store.lock:
            existing = self.store.by_external_id(rtype.name, external_id)
            if existing is None:
                return self.create(rtype, body, names, external_id=external_id)
            return self.update(
                rtype, existing["id"], body, names, replace=replace, external_id=external_id
            )

    def delete(self, rtype: RecordType, record_id: str) -> None:
        with self.store.lock:
            record = self.store.get(rtype.name, record_id)
            if record is None:
                raise not_found(rtype.name, record_id)
            if accounting.dependents(self.store, rtype.name, record_id):
                raise user_error("This record cannot be deleted because it has dependent records.")
            self.store.remove(rtype.name, record_id)
            accounting.settle(self.store, accounting.affected_invoices(record), self.store.now())
            self.store.changed()

    def transform(
        self,
        source: RecordType,
        source_id: str,
        target_name: str,
        body: Any,
        names: NameValidation = NameValidation.ERROR,
    ) -> tuple[RecordType, Record]:
        """`POST /{type}/{id}/!transform/{target}`: a new record prefilled from the source."""
        target = record_type(target_name)
        if target is None or (source.name, target.name) not in TRANSFORMS:
            raise NetSuiteError(
                400,
                "INVALID_PARAMETER",
                f"The transformation of {source.name} into {target_name} is not supported.",
            )
        if body is not None and not isinstance(body, dict):
            raise invalid_content("The request body must be a JSON object.")
        with self.store.lock:
            record = self.store.get(source.name, source_id)
            if record is None:
                raise not_found(source.name, source_id)
            prefilled = _prefill(source.name, record, target.name)
            prefilled.update(body or {})
            return target, self.create(target, prefilled, names)

    def _commit(
        self,
        rtype: RecordType,
        record: Record,
        previous: Record | None,
        replaced: frozenset[str] = frozenset(),
    ) -> Record:
        now = self.store.now()
        draft = accounting.Draft(rtype, record, previous, self.store, self.prefs, now, replaced)
        accounting.complete(draft)
        if previous is None:
            accounting.assign_number(draft)
        self._check_unique(rtype, record)
        if previous is None:
            record["id"] = self.store.next_id(rtype)
            record[rtype.created_field] = now
        record["lastModifiedDate"] = now
        self.store.put(rtype.name, record)
        touched = accounting.affected_invoices(previous) | accounting.affected_invoices(record)
        accounting.settle(self.store, touched, now)
        self.store.changed()
        return record

    def _check_unique(self, rtype: RecordType, record: Record) -> None:
        """External ids are unique per type; names and numbers per type (items: all items)."""
        external_id = record.get("externalId")
        if external_id:
            other = self.store.by_external_id(rtype.name, external_id)
            if other is not None and other["id"] != record.get("id"):
                raise duplicate("external ID", external_id, "externalId")
        scope = family_types(rtype.family) if rtype.family == "item" else (rtype,)
        for name in rtype.unique:
            value = record.get(name)
            if not value:
                continue
            for other_type in scope:
                other = self.store.lookup(other_type.name, name, value)
                if other is not None and other["id"] != record.get("id"):
                    raise duplicate(name, value, name)


def _prefill(source_type: str, source: Record, target_type: str) -> dict[str, Any]:
    """A request body for the target record, drawn from the source record."""
    if source_type == "customer":
        return {"entity": {"id": source["id"]}}
    header: dict[str, Any] = {
        "currency": source.get("currency"),
        "subsidiary": source.get("subsidiary"),
    }
    apply = {"items": [{"doc": {"id": source["id"]}, "apply": True}]}
    if target_type == "customerPayment":
        return {"customer": source["entity"], **header, "apply": apply}
    lines = [
        {
            key: (value.isoformat() if isinstance(value, date) else value)
            for key, value in line.items()
            if key
            in (
                "item",
                "quantity",
                "rate",
                "amount",
                "description",
                "taxCode",
                "revRecStartDate",
                "revRecEndDate",
            )
            or key.startswith("custcol")
        }
        for line in source.get("item", [])
    ]
    return {
        "entity": source["entity"],
        **header,
        "createdFrom": {"id": source["id"]},
        "item": {"items": lines},
        "apply": apply,
    }

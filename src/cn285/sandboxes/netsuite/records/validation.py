"""Reading a request body into field values, refusing what NetSuite refuses.

Checks made here, each answered with the error body NetSuite uses and an `o:errorPath` into
the request JSON: unknown field names (subject to the `X-NetSuite-PropertyNameValidation`
header), read-only fields, values of the wrong shape, references to records that do not
exist (`item.items[0].item`, section_156570709583). Required fields and business rules need
the whole merged record and are checked in `accounting`.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from cn285.sandboxes.netsuite.errors import (
    invalid_content,
    invalid_value,
    unknown_body_field,
)
from cn285.sandboxes.netsuite.records.fields import Field, Kind, coerce
from cn285.sandboxes.netsuite.records.store import RecordStore
from cn285.sandboxes.netsuite.records.types import RecordType

IGNORED_KEYS = frozenset({"links", "refname"})  # what a client echoes back from a GET


class NameValidation(StrEnum):
    """Values of `X-NetSuite-PropertyNameValidation` (bwc/netsuite-rest-record-php-library)."""

    ERROR = "error"
    WARNING = "warning"
    IGNORE = "ignore"

    @classmethod
    def from_header(cls, value: str | None) -> NameValidation:
        try:
            return cls((value or "error").strip().lower())
        except ValueError:
            return cls.ERROR


def read_body(
    record_type: RecordType,
    body: Any,
    store: RecordStore,
    names: NameValidation = NameValidation.ERROR,
) -> dict[str, Any]:
    """Declared field name -> stored value (None means "clear this field").

    Sublists come back as lists of line dicts, read the same way.
    """
    if not isinstance(body, dict):
        raise invalid_content("The request body must be a JSON object.")
    values: dict[str, Any] = {}
    for key, raw in body.items():
        field = record_type.field(key)
        if field is None:
            if key.lower() in IGNORED_KEYS:
                continue
            if _is_custom(key, record_type.custom_prefix):
                values[key.lower()] = raw
                continue
            if names is NameValidation.ERROR:
                raise unknown_body_field(key, key)
            continue
        if field.readonly:
            raise invalid_content(f"The field {field.name} is read-only.", path=key)
        if raw is None:
            values[field.name] = None
        elif field.kind is Kind.SUBLIST:
            values[field.name] = _read_sublist(record_type, field, raw, store, names, key)
        else:
            values[field.name] = resolve(field, coerce(field, raw, key), store, key)
    return values


def _read_sublist(
    record_type: RecordType,
    field: Field,
    raw: Any,
    store: RecordStore,
    names: NameValidation,
    path: str,
) -> list[dict[str, Any]]:
    items = raw.get("items") if isinstance(raw, dict) else None
    if not isinstance(items, list):
        raise invalid_content(
            f"The sublist {field.name} must be an object with an items array.", path=path
        )
    lines = []
    for index, line in enumerate(items):
        line_path = f"{path}.items[{index}]"
        if not isinstance(line, dict):
            raise invalid_content("A sublist line must be a JSON object.", path=line_path)
        values: dict[str, Any] = {}
        for key, value in line.items():
            line_field = field.line_field(key)
            value_path = f"{line_path}.{key}"
            if line_field is None:
                if key.lower() in IGNORED_KEYS:
                    continue
                if _is_custom(key, record_type.line_custom_prefix):
                    values[key.lower()] = value
                    continue
                if names is NameValidation.ERROR:
                    raise unknown_body_field(key, value_path)
                continue
            if line_field.readonly and line_field.name != field.key:
                raise invalid_content(f"The field {line_field.name} is read-only.", path=value_path)
            if value is None:
                values[line_field.name] = None
            else:
                coerced = coerce(line_field, value, value_path)
                values[line_field.name] = resolve(line_field, coerced, store, value_path)
        lines.append(values)
    return lines


def resolve(field: Field, value: Any, store: RecordStore, path: str) -> Any:
    """A reference to a modelled record must exist; `externalId` references become ids."""
    if field.kind is not Kind.REF or not field.targets:
        return value
    if "externalId" in value:
        for name in field.targets:
            target = store.by_external_id(name, value["externalId"])
            if target is not None:
                return {"id": target["id"]}
        raise invalid_value(value["externalId"], field.name, path)
    if store.find(field.targets, value["id"]) is None:
        raise invalid_value(value, field.name, path)
    return value


def _is_custom(key: str, prefix: str | None) -> bool:
    """Custom fields (`custentity_tier`, `custcol_period_from`) exist in real accounts; the
    sandbox accepts any with the record's prefix rather than a customisation list."""
    return prefix is not None and key.lower().startswith(prefix) and len(key) > len(prefix)

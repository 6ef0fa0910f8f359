"""Records as the REST API writes them (Oracle help section_1545141500, section_1545141947).

- every record and reference carries `links` with its `self` URL;
- a reference is `{"links": [...], "id": "14", "refName": "..."}`, its name read from the
  target now, so a renamed customer shows its new name;
- a select over fixed values is `{"id": "Income", "refName": "Income"}`;
- a sublist is only a link unless `expandSubResources=true`, then `{links, items, ...}`;
- empty fields are left out, dates are ISO 8601, instants UTC with `Z`.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from cn285.sandboxes.netsuite.dates import iso_datetime
from cn285.sandboxes.netsuite.records.accounting import ZERO, applied_to, ref_id
from cn285.sandboxes.netsuite.records.fields import Field, Kind
from cn285.sandboxes.netsuite.records.store import Record, RecordStore
from cn285.sandboxes.netsuite.records.types import RECORD_TYPES, RecordType

RECORD_PATH = "/services/rest/record/v1"


def self_link(href: str) -> list[dict[str, str]]:
    return [{"rel": "self", "href": href}]


def record_url(base_url: str, type_name: str, record_id: str) -> str:
    return f"{base_url}{RECORD_PATH}/{type_name}/{record_id}"


def render_record(
    rtype: RecordType,
    record: Record,
    store: RecordStore,
    base_url: str,
    *,
    expand: bool = False,
    fields: set[str] | None = None,
) -> dict[str, Any]:
    url = record_url(base_url, rtype.name, record["id"])
    out: dict[str, Any] = {"links": self_link(url)}
    for field in rtype.fields:
        if fields is not None and field.name.lower() not in fields and field.name != "id":
            continue
        value = record.get(field.name)
        if field.kind is Kind.SUBLIST:
            if expand:
                out[field.name] = render_sublist(rtype, field, record, store, base_url)
            else:
                out[field.name] = {"links": self_link(f"{url}/{field.name}")}
        elif value is not None:
            out[field.name] = render_value(field, value, store, base_url)
    for name, value in record.items():
        if rtype.field(name) is None and (fields is None or name in fields):
            out[name] = _plain(value)
    return out


def render_sublist(
    rtype: RecordType, field: Field, record: Record, store: RecordStore, base_url: str
) -> dict[str, Any]:
    url = f"{record_url(base_url, rtype.name, record['id'])}/{field.name}"
    lines = record.get(field.name, [])
    items = [render_line(rtype, field, line, store, base_url) for line in lines]
    return {
        "links": self_link(url),
        "count": len(items),
        "hasMore": False,
        "items": items,
        "offset": 0,
        "totalResults": len(items),
    }


def render_line(
    rtype: RecordType, field: Field, line: dict[str, Any], store: RecordStore, base_url: str
) -> dict[str, Any]:
    out: dict[str, Any] = {"links": []}
    for line_field in field.lines:
        value = line.get(line_field.name)
        if value is not None:
            out[line_field.name] = render_value(line_field, value, store, base_url)
    if field.name == "apply":
        doc = ref_id(line, "doc")
        invoice = store.get("invoice", doc or "")
        if invoice is not None:  # the amount still due, as of now
            out["due"] = (invoice.get("total") or ZERO) - applied_to(store, invoice["id"], None)
    for name, value in line.items():
        if field.line_field(name) is None:
            out[name] = _plain(value)
    return out


def render_value(field: Field, value: Any, store: RecordStore, base_url: str) -> Any:
    kind = field.kind
    if kind is Kind.REF:
        return _reference(field, value, store, base_url)
    if kind is Kind.ENUM:
        return {"id": value, "refName": field.choice_name(value)}
    return _plain(value)


def _reference(field: Field, value: dict[str, Any], store: RecordStore, base_url: str) -> Any:
    found = store.find(field.targets, value.get("id", "")) if field.targets else None
    if found is None:
        return dict(value)
    type_name, target = found
    return {
        "links": self_link(record_url(base_url, type_name, target["id"])),
        "id": target["id"],
        "refName": RECORD_TYPES[type_name].ref_name(target),
    }


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return iso_datetime(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, Decimal | str | int | bool | float) or value is None:
        return value
    return str(value)

"""Field declarations of NetSuite records and how one request value becomes a stored value.

A record type is a list of `Field`s. Each kind knows how to read a JSON value and refuses a
bad one with NetSuite's INVALID_CONTENT error pointing at the value (`o:errorPath`, e.g.
`item.items[0].item`, section_156570709583). References are only shaped here; whether the
target exists is checked in `validation`, which sees the store.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from cn285.sandboxes.netsuite import dates
from cn285.sandboxes.netsuite.errors import invalid_value


class Kind(StrEnum):
    TEXT = "text"
    BOOL = "bool"
    NUMBER = "number"  # Decimal: amounts, rates, quantities
    INTEGER = "integer"
    DATE = "date"
    DATETIME = "datetime"
    REF = "ref"  # a select field: {"id": ...} or {"externalId": ...}
    ENUM = "enum"  # a select field over fixed values: {"id": "Income"}
    OBJECT = "object"  # a subrecord such as addressBookAddress, kept as sent
    SUBLIST = "sublist"  # {"items": [ {...line...} ]}


@dataclass(frozen=True)
class Field:
    """One field of a record or of a sublist line.

    `targets` names the record types a REF may point to; an empty tuple means a reference to
    a record the sandbox does not model (department, terms, ...), kept without a check.
    """

    name: str
    kind: Kind
    label: str = ""
    targets: tuple[str, ...] = ()
    readonly: bool = False
    choices: tuple[tuple[str, str], ...] = ()  # ENUM: (id, refName)
    lines: tuple[Field, ...] = ()  # SUBLIST: the line fields
    key: str | None = None  # SUBLIST: field matching lines on PATCH (None: lines append)

    @property
    def title(self) -> str:
        return self.label or self.name

    def line_field(self, name: str) -> Field | None:
        lowered = name.lower()
        return next((f for f in self.lines if f.name.lower() == lowered), None)

    def choice_name(self, choice_id: str) -> str:
        return next((name for cid, name in self.choices if cid == choice_id), choice_id)


def text(name: str, label: str = "", readonly: bool = False) -> Field:
    return Field(name, Kind.TEXT, label, readonly=readonly)


def boolean(name: str, label: str = "") -> Field:
    return Field(name, Kind.BOOL, label)


def number(name: str, label: str = "", readonly: bool = False) -> Field:
    return Field(name, Kind.NUMBER, label, readonly=readonly)


def integer(name: str, label: str = "", readonly: bool = False) -> Field:
    return Field(name, Kind.INTEGER, label, readonly=readonly)


def day(name: str, label: str = "") -> Field:
    return Field(name, Kind.DATE, label)


def moment(name: str, label: str = "", readonly: bool = True) -> Field:
    return Field(name, Kind.DATETIME, label, readonly=readonly)


def ref(name: str, *targets: str, label: str = "", readonly: bool = False) -> Field:
    return Field(name, Kind.REF, label, targets=targets, readonly=readonly)


def choice(name: str, choices: tuple[tuple[str, str], ...], label: str = "", **kw: Any) -> Field:
    return Field(name, Kind.ENUM, label, choices=choices, **kw)


def subrecord(name: str, label: str = "") -> Field:
    return Field(name, Kind.OBJECT, label)


def sublist(name: str, *lines: Field, key: str | None = None, label: str = "") -> Field:
    return Field(name, Kind.SUBLIST, label, lines=lines, key=key)


def coerce(field: Field, value: Any, path: str) -> Any:
    """The stored form of a scalar request value (everything but SUBLIST)."""
    kind = field.kind
    if kind is Kind.TEXT:
        if isinstance(value, str):
            return value
        if isinstance(value, int | Decimal) and not isinstance(value, bool):
            return str(value)
    elif kind is Kind.BOOL:
        if isinstance(value, bool):
            return value
    elif kind is Kind.NUMBER:
        number_value = _decimal(value)
        if number_value is not None:
            return number_value
    elif kind is Kind.INTEGER:
        number_value = _decimal(value)
        if number_value is not None and number_value == number_value.to_integral_value():
            return int(number_value)
    elif kind is Kind.DATE:
        if isinstance(value, str) and len(value) >= 10:
            try:
                return dates.parse_iso_date(value[:10])
            except ValueError:
                pass
    elif kind is Kind.DATETIME:
        if isinstance(value, str):
            try:
                return dates.parse_iso_datetime(value)
            except ValueError:
                pass
    elif kind is Kind.REF:
        shaped = _reference(value)
        if shaped is not None:
            return shaped
    elif kind is Kind.ENUM:
        choice_id = value.get("id") if isinstance(value, dict) else value
        if isinstance(choice_id, str) and any(cid == choice_id for cid, _ in field.choices):
            return choice_id
    elif kind is Kind.OBJECT and isinstance(value, dict):
        return value
    raise invalid_value(value, field.name, path)


def _decimal(value: Any) -> Decimal | None:
    """Numbers arrive as JSON numbers; numeric strings are accepted too."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | Decimal):
        return Decimal(value)
    if isinstance(value, str):
        try:
            parsed = Decimal(value.strip())
        except InvalidOperation:
            return None
        return parsed if parsed.is_finite() else None
    return None


def _reference(value: Any) -> dict[str, str] | None:
    """`{"id": 14}` -> `{"id": "14"}`; `{"externalId": "X"}` is kept for resolution."""
    if not isinstance(value, dict):
        return None
    ref_id = value.get("id")
    if ref_id is not None:
        if isinstance(ref_id, bool):
            return None
        if isinstance(ref_id, int) or (isinstance(ref_id, str) and ref_id.strip().isdigit()):
            return {"id": str(int(ref_id))}
        if isinstance(ref_id, str) and ref_id:
            return {"id": ref_id}  # unmodelled selects (countries, enum-like ids) keep text ids
        return None
    external = value.get("externalId")
    if isinstance(external, str) and external:
        return {"externalId": external}
    return None


def is_value(value: Any) -> bool:
    """Whether a stored field counts as filled (for required checks and EMPTY filters)."""
    return value is not None and value != "" and value != []

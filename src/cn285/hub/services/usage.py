"""Usage ingestion: single or in batches, idempotent by the sender's record id.

A record is checked against its line (it must exist, be a usage line, carry what the
line's aggregation needs, and fall in a period not yet invoiced); a batch is all or
nothing, and a record already received (same line and id) is ignored, never doubled.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any
from weakref import WeakKeyDictionary
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, update
from sqlalchemy.engine import Engine
from sqlmodel import Session

from cn285.billing_core.usage import Aggregation
from cn285.hub.services import settings
from cn285.hub.services.book import chunks
from cn285.hub.services.errors import Invalid
from cn285.hub.store import models
from cn285.hub.store.bulk import insert_rows

_TABLE = models.UsageRecord.__table__  # type: ignore[attr-defined]
_FIELDS = {"line", "id", "at", "start", "end", "quantity", "properties"}
_COLUMNS = ("line_ref", "client_id", "at", "end", "quantity", "properties", "received_at")


@dataclass(frozen=True)
class Ingested:
    received: int
    created: int

    @property
    def duplicates(self) -> int:
        return self.received - self.created


@dataclass
class _LineInfo:
    contract: str
    kind: str
    start: dt.date
    end: dt.date | None
    aggregation: Aggregation
    zone: ZoneInfo
    billed_through: dt.date | None
    progressive: bool


def ingest(session: Session, records: list[Mapping[str, Any]]) -> Ingested:
    """Validate and store a batch of usage records (all or nothing)."""
    if not records:
        return Ingested(0, 0)
    refs = sorted({str(r.get("line")) for r in records if isinstance(r, Mapping)})
    contracts = sorted({ref.split("/", 1)[0] for ref in refs if "/" in ref})
    # Lock the contracts first (a billing run of theirs waits, or ran before we read what it
    # invoiced), and tell a run computing them meanwhile that their usage changed.
    for part in chunks(contracts):
        session.execute(
            update(models.Contract)
            .where(models.Contract.code.in_(part))  # type: ignore[attr-defined]
            .values(version=models.Contract.version + 1)
        )
    lines = _line_infos(session, refs)
    problems: list[tuple[str, str]] = []
    rows: list[dict[str, Any]] = []
    earliest: dict[str, dt.date] = {}  # progressive lines: first day with new usage
    for i, record in enumerate(records):
        row = _row(record, i, lines, problems)
        if row is None:
            continue
        rows.append(row)
        info = lines[row["line_ref"]]
        if info.progressive:
            day = row["at"].astimezone(info.zone).date()
            contract = info.contract
            if contract not in earliest or day < earliest[contract]:
                earliest[contract] = day
        if len(problems) >= 50:
            break
    if problems:
        raise Invalid(problems)
    created = insert_records(session, rows)
    for contract, day in earliest.items():  # threshold billing may now be due earlier
        session.execute(
            update(models.Contract)
            .where(models.Contract.code == contract)
            .where((models.Contract.next_due.is_(None)) | (models.Contract.next_due > day))  # type: ignore[union-attr,operator]
            .values(next_due=day)
        )
    return Ingested(len(records), created)


def insert_records(session: Session, rows: list[dict[str, Any]]) -> int:
    """Insert usage rows, ignoring those already received (same line and id); returns how
    many were new."""
    received = dt.datetime.now(dt.UTC)
    return insert_rows(
        session.connection(),
        _TABLE,
        _COLUMNS,
        [
            (
                r["line_ref"],
                r["client_id"],
                r["at"],
                r.get("end"),
                r.get("quantity"),
                r.get("properties"),
                received,
            )
            for r in rows
        ],
        on_conflict_ignore=("line_ref", "client_id"),
    )


@dataclass(frozen=True)
class _Static:
    """What never changes about a line once created (lines are not edited, only changed
    by dated actions)."""

    contract: str
    kind: str
    start: dt.date
    end: dt.date | None
    aggregation: Aggregation
    zone: str | None
    progressive: bool


_STATIC: WeakKeyDictionary[Engine, dict[str, _Static]] = WeakKeyDictionary()


def _line_infos(session: Session, refs: Iterable[str]) -> dict[str, _LineInfo]:
    cache = _STATIC.setdefault(session.get_bind(), {})  # type: ignore[arg-type]
    wanted = set(refs)
    missing = sorted({ref.split("/", 1)[0] for ref in wanted - cache.keys() if ref.count("/") == 1})
    lines = models.ContractLine
    for part in chunks(missing):
        rows = session.execute(
            select(
                lines.contract_code,
                lines.code,
                lines.kind,
                lines.aggregation,
                lines.start,
                lines.end,
                lines.threshold_quantity,
                lines.threshold_amount,
                lines.period,
                models.Contract.timezone,
            )
            .join(models.Contract, models.Contract.code == lines.contract_code)
            .where(lines.contract_code.in_(part))  # type: ignore[attr-defined]
        )
        for contract, code, kind, aggregation, start, end, t_qty, t_amount, period, zone in rows:
            cache[f"{contract}/{code}"] = _Static(
                contract,
                kind,
                start,
                end,
                Aggregation.parse(aggregation),
                zone,
                t_qty is not None or t_amount is not None or period == "none",
            )
    default_zone = settings.timezone(session)
    zones: dict[str | None, ZoneInfo] = {}
    infos: dict[str, _LineInfo] = {}
    for ref in wanted:
        static = cache.get(ref)
        if static is None:
            continue
        if static.zone not in zones:
            zones[static.zone] = ZoneInfo(static.zone or default_zone)
        infos[ref] = _LineInfo(
            static.contract,
            static.kind,
            static.start,
            static.end,
            static.aggregation,
            zones[static.zone],
            None,
            static.progressive,
        )
    usage_refs = sorted(ref for ref, info in infos.items() if info.kind == "usage")
    for part in chunks(usage_refs):
        for ref, through in session.execute(
            select(models.InvoiceLine.line_ref, func.max(models.InvoiceLine.end))
            .where(models.InvoiceLine.line_ref.in_(part))  # type: ignore[attr-defined]
            .group_by(models.InvoiceLine.line_ref)
        ):
            infos[ref].billed_through = through
    return infos


def _row(
    record: Any, i: int, lines: dict[str, _LineInfo], problems: list[tuple[str, str]]
) -> dict[str, Any] | None:
    where = f"[{i}]"
    if not isinstance(record, Mapping):
        problems.append((where, "a usage record is an object"))
        return None
    unknown = set(record) - _FIELDS
    if unknown:
        problems.append((f"{where}.{sorted(unknown)[0]}", "unknown field"))
        return None
    ref = record.get("line")
    info = lines.get(ref) if isinstance(ref, str) else None
    if info is None:
        problems.append((f"{where}.line", f"unknown line {ref!r} (write CONTRACT/LINE)"))
        return None
    if info.kind != "usage":
        problems.append((f"{where}.line", f"{ref} is a {info.kind} line, not a usage line"))
        return None
    client_id = record.get("id")
    if not isinstance(client_id, str | int) or isinstance(client_id, bool) or client_id == "":
        problems.append((f"{where}.id", "required: the sender's id of the record (a string)"))
        return None
    duration = info.aggregation.kind == "duration"
    try:
        if duration:
            at = _instant(record.get("start"), info.zone, f"{where}.start")
            end = _instant(record.get("end"), info.zone, f"{where}.end")
            if record.get("at") is not None:
                raise _Bad(f"{where}.at", f"{ref} counts time: give start and end")
            if end < at:
                raise _Bad(f"{where}.end", "a session cannot end before it starts")
        else:
            at = _instant(record.get("at"), info.zone, f"{where}.at")
            end = None
            if record.get("start") is not None or record.get("end") is not None:
                raise _Bad(f"{where}.start", "start and end are for duration aggregation")
        quantity = _quantity(
            record.get("quantity"), f"{where}.quantity", info.aggregation.needs_quantity
        )
        properties = record.get("properties")
        if properties is not None and not isinstance(properties, Mapping):
            raise _Bad(f"{where}.properties", "an object of named values")
        if info.aggregation.kind == "distinct" and (
            not properties or info.aggregation.argument not in properties
        ):
            raise _Bad(f"{where}.properties", f"needs property {info.aggregation.argument!r}")
        day = at.astimezone(info.zone).date()
        if day < info.start or (info.end is not None and day > info.end):
            raise _Bad(f"{where}.at", f"usage on {day} is outside the service of {ref}")
        if info.billed_through is not None and day <= info.billed_through:
            raise _Bad(
                f"{where}.at",
                f"usage on {day} falls in a period of {ref} already "
                f"invoiced (through {info.billed_through})",
            )
    except _Bad as bad:
        problems.append((bad.field, bad.message))
        return None
    return {
        "line_ref": ref,
        "client_id": str(client_id),
        "at": at,
        "end": end,
        "quantity": quantity,
        "properties": dict(properties) if properties else None,
    }


class _Bad(Exception):
    def __init__(self, field: str, message: str) -> None:
        self.field, self.message = field, message


def _instant(value: Any, zone: ZoneInfo, field: str) -> dt.datetime:
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, str):
        try:
            moment = dt.datetime.fromisoformat(value)
        except ValueError:
            raise _Bad(field, f"{value!r} is not an ISO 8601 instant") from None
    else:
        raise _Bad(field, "required: an ISO 8601 instant such as 2026-01-20T10:00:00Z")
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=zone)


def _quantity(value: Any, field: str, required: bool) -> Decimal | None:
    if value is None:
        if required:
            raise _Bad(field, "required for this line's aggregation")
        return None
    if isinstance(value, bool | float):
        raise _Bad(field, "a decimal written as a string or an integer, not a float")
    try:
        quantity = Decimal(value) if isinstance(value, int | str | Decimal) else None
    except InvalidOperation:
        quantity = None
    if quantity is None or not quantity.is_finite():
        raise _Bad(field, f"{value!r} is not a decimal number")
    return quantity

"""Usage ingestion: single or in batches, idempotent by the sender's record id.

A record is checked against its line (it must exist, be a usage line, carry what the
line's aggregation needs, and fall in a period not yet invoiced); a batch is all or
nothing, and a record already received (same line and id) is ignored, never doubled.
The rules (`usage_line`, `check_usage`) and the steps around a write (`lock_contracts`,
`line_infos`, `insert_records`, `move_next_due`) are shared with the CSV import of usage.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation
from typing import Any
from uuid import uuid4
from weakref import WeakKeyDictionary
from zoneinfo import ZoneInfo

from sqlalchemy import String, any_, bindparam, func, select, update
from sqlalchemy.dialects import postgresql
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


@dataclass(frozen=True)
class LineInfo:
    """What the rules need to know about a line, read once per batch (shared: frozen)."""

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
    lock_contracts(session, {ref.split("/", 1)[0] for ref in refs if "/" in ref})
    lines = line_infos(session, refs)
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
    move_next_due(session, earliest)
    return Ingested(len(records), created)


def lock_contracts(session: Session, contracts: Iterable[str]) -> None:
    """Lock the contracts before reading what they invoiced (a billing run of theirs waits,
    or ran before we read it), and tell a run computing them meanwhile that their usage
    changed (their version moves)."""
    codes = sorted(set(contracts))
    if codes:
        table = models.Contract.__table__  # type: ignore[attr-defined]
        session.execute(
            update(table)
            .where(_among(session, table.c.code, codes))
            .values(version=table.c.version + 1)
        )


def move_next_due(session: Session, earliest: Mapping[str, dt.date]) -> None:
    """Contract -> first day with new usage on a progressive line: threshold billing may now
    be due earlier."""
    if not earliest:
        return
    table = models.Contract.__table__  # type: ignore[attr-defined]
    day = bindparam("b_day", type_=table.c.next_due.type)
    session.execute(
        update(table)
        .where(table.c.code == bindparam("b_code"))
        .where(table.c.next_due.is_(None) | (table.c.next_due > day))
        .values(next_due=day),
        [{"b_code": code, "b_day": first} for code, first in sorted(earliest.items())],
    )


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


#: the setting changed (to a new token) by every edit of what `_Static` holds: a line's
#: kind, dates, aggregation, thresholds, or its contract's time zone (imports of contract
#: lines or headers); the caches below are dropped when it differs from theirs
LINES_TOKEN = "usage_lines_token"


def lines_changed(session: Session) -> None:
    """Tell every process that cached lines (`line_infos`) that some changed, in the
    transaction of the change. A new token each time, not a counter: two changes committed
    at once must not leave the same value as one."""
    settings.put(session, LINES_TOKEN, uuid4().hex)


@dataclass(frozen=True)
class _Static:
    """What a usage record's check needs of a line, cached until `lines_changed` (lines
    are seldom edited: an import of contract lines or headers before they bill)."""

    contract: str
    kind: str
    start: dt.date
    end: dt.date | None
    aggregation: Aggregation
    zone: str | None
    progressive: bool


#: per engine: the lines token read with them, and the lines
_STATIC: WeakKeyDictionary[Engine, tuple[str | None, dict[str, _Static]]] = WeakKeyDictionary()
#: per engine: the lines token and the company's time zone, and in that zone the unbilled
#: info of each line met
_INFOS: WeakKeyDictionary[Engine, tuple[tuple[str | None, str], dict[str, LineInfo]]] = (
    WeakKeyDictionary()
)


def line_infos(session: Session, refs: Iterable[str]) -> dict[str, LineInfo]:
    """The lines called `refs` (CONTRACT/LINE) that exist; their static part is cached per
    engine, what they invoiced is read each time."""
    bind = session.get_bind()
    token = settings.get(session, LINES_TOKEN)  # before the lines: a change after it is seen
    cached_token, cache = _STATIC.get(bind, (None, {}))  # type: ignore[call-overload]
    if cached_token != token or bind not in _STATIC:
        cache = {}
        _STATIC[bind] = (token, cache)  # type: ignore[index]
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
    built_for, built = _INFOS.get(bind, ((None, ""), {}))  # type: ignore[call-overload]
    if built_for != (token, default_zone) or bind not in _INFOS:
        built = {}
        _INFOS[bind] = ((token, default_zone), built)  # type: ignore[index]
    for ref in wanted - built.keys():  # first met by this engine in this zone
        static = cache.get(ref)
        if static is not None:
            built[ref] = LineInfo(
                static.contract,
                static.kind,
                static.start,
                static.end,
                static.aggregation,
                ZoneInfo(static.zone or default_zone),
                None,
                static.progressive,
            )
    known = built.get
    infos = {ref: info for ref in wanted if (info := known(ref)) is not None}
    # every line, not only the usage ones: the rules read billed_through of usage lines only
    for ref, through in billed_through(session, infos).items():
        infos[ref] = replace(infos[ref], billed_through=through)
    return infos


def billed_through(session: Session, refs: Iterable[str]) -> dict[str, dt.date]:
    """Line -> the last day of its invoiced periods, for the lines invoiced so far."""
    keys = list(set(refs))
    if not keys:
        return {}
    lines = models.InvoiceLine.__table__  # type: ignore[attr-defined]
    return dict(
        session.execute(  # type: ignore[arg-type]
            select(lines.c.line_ref, func.max(lines.c.end))
            .where(_among(session, lines.c.line_ref, keys))
            .group_by(lines.c.line_ref)
        ).all()
    )


def _among(session: Session, column: Any, keys: Sequence[str]) -> Any:
    """`column IN keys` as one bound parameter however many keys there are (an array on
    PostgreSQL, a JSON array on SQLite): a batch of thousands is one short statement."""
    if session.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam("keys", list(keys), type_=postgresql.ARRAY(String)))
    each = func.json_each(bindparam("keys", json.dumps(list(keys)))).table_valued("value")
    return column.in_(select(each.c.value))


def _row(
    record: Any, i: int, lines: dict[str, LineInfo], problems: list[tuple[str, str]]
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
    try:
        info = usage_line(ref, lines)
        client_id = record.get("id")
        if not isinstance(client_id, str | int) or isinstance(client_id, bool) or client_id == "":
            raise Problem("id", "required: the sender's id of the record (a string)")
        if info.aggregation.kind == "duration":
            at = _instant(record.get("start"), info.zone, "start")
            end = _instant(record.get("end"), info.zone, "end")
            if record.get("at") is not None:
                raise Problem("at", f"{ref} counts time: give start and end")
        else:
            at = _instant(record.get("at"), info.zone, "at")
            end = None
            if record.get("start") is not None or record.get("end") is not None:
                raise Problem("start", "start and end are for duration aggregation")
        quantity = _quantity(record.get("quantity"), "quantity")
        properties = record.get("properties")
        if properties is not None and not isinstance(properties, Mapping):
            raise Problem("properties", "an object of named values")
        check_usage(str(ref), info, at, end, quantity, properties)
    except Problem as bad:
        problems.append((f"{where}.{bad.field}", bad.message))
        return None
    return {
        "line_ref": ref,
        "client_id": str(client_id),
        "at": at,
        "end": end,
        "quantity": quantity,
        "properties": dict(properties) if properties else None,
    }


def usage_line(ref: Any, lines: Mapping[str, LineInfo]) -> LineInfo:
    """The usage line called `ref`; Problem("line", …) when there is none."""
    info = lines.get(ref) if isinstance(ref, str) else None
    if info is None:
        raise Problem("line", f"unknown line {ref!r} (write CONTRACT/LINE)")
    if info.kind != "usage":
        raise Problem("line", f"{ref} is a {info.kind} line, not a usage line")
    return info


def check_usage(
    ref: str,
    info: LineInfo,
    at: dt.datetime,
    end: dt.datetime | None,
    quantity: Decimal | None,
    properties: Mapping[str, Any] | None,
) -> dt.date:
    """The rules a usage record of line `ref` obeys however it arrives (API or file): what
    the line's aggregation needs, its service dates, its invoiced periods. Returns the day
    of the record in the contract's time zone; Problem(field, …) otherwise (`at` is the
    start of a session for duration lines)."""
    aggregation = info.aggregation
    if aggregation.kind == "duration":
        if end is None:
            raise Problem("end", f"required: {ref} counts time, give the end of the session")
        if end < at:
            raise Problem("end", "a session cannot end before it starts")
    elif end is not None:
        raise Problem("end", "start and end are for duration aggregation")
    if quantity is None and aggregation.needs_quantity:
        raise Problem("quantity", "required for this line's aggregation")
    if aggregation.kind == "distinct" and (
        not properties or aggregation.argument not in properties
    ):
        raise Problem("properties", f"needs property {aggregation.argument!r}")
    day = at.astimezone(info.zone).date()
    if day < info.start or (info.end is not None and day > info.end):
        raise Problem("at", f"usage on {day} is outside the service of {ref}")
    if info.billed_through is not None and day <= info.billed_through:
        raise Problem(
            "at",
            f"usage on {day} falls in a period of {ref} already "
            f"invoiced (through {info.billed_through})",
        )
    return day


class Problem(Exception):
    """A record breaking a rule: the field at fault and why."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field, self.message = field, message


def _instant(value: Any, zone: ZoneInfo, field: str) -> dt.datetime:
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, str):
        try:
            moment = dt.datetime.fromisoformat(value)
        except ValueError:
            raise Problem(field, f"{value!r} is not an ISO 8601 instant") from None
    else:
        raise Problem(field, "required: an ISO 8601 instant such as 2026-01-20T10:00:00Z")
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=zone)


def _quantity(value: Any, field: str) -> Decimal | None:
    if value is None:
        return None
    if isinstance(value, bool | float):
        raise Problem(field, "a decimal written as a string or an integer, not a float")
    try:
        quantity = Decimal(value) if isinstance(value, int | str | Decimal) else None
    except InvalidOperation:
        quantity = None
    if quantity is None or not quantity.is_finite():
        raise Problem(field, f"{value!r} is not a decimal number")
    return quantity

"""Usage records from a file: the same rules as the usage API, at file speed.

Each row is checked by the rules of `services.usage` (the line exists and is a usage line,
it has what its aggregation needs, the day is in its service and not in an invoiced
period, naive instants are in the contract's time zone), with the lines read once per
batch. Writing locks the batch's contracts and reads what they invoiced again (a billing
run may have committed since the check), then inserts the records ignoring those already
received (same line and id: `unchanged`), each line's records in file order (their order
of arrival, which breaks ties for `last`): on SQLite in one statement over the batch as a
JSON array, on PostgreSQL through a binary COPY.

A record never depends on another row of the file (`independent`): the engine checks a
batch while the previous one is written.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Sequence
from decimal import Decimal
from operator import itemgetter
from typing import Any, ClassVar, NamedTuple

import psycopg
from sqlalchemy import Connection
from sqlalchemy.dialects.sqlite import dialect as sqlite_dialect
from sqlmodel import Session

from cn285.hub.imports.model import Checked, Column, Outcome, Row, RowError, Values
from cn285.hub.services import usage
from cn285.hub.services.errors import Conflict
from cn285.hub.store import models
from cn285.hub.store.types import JSONText

_new = tuple.__new__  # a named tuple without its Python-level constructor
ID_LIMIT = 128  # characters of the sender's id (the column's size)
_TABLE = models.UsageRecord.__table__  # type: ignore[attr-defined]
_STAGE = "cn285_usage_import"  # PostgreSQL: a temporary table COPY fills
_JSON = JSONText()
_COLUMNS = 'line_ref, client_id, at, "end", quantity, properties'
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_LINE = itemgetter(0)


def _field(i: int) -> str:
    return f"json_extract(value, '$[{i}]')"


def _instant_sql(seconds: int, micros: int) -> str:
    """SQL writing the instant of JSON fields `seconds` (since 1970, UTC) and `micros` as the
    driver stores an aware UTC datetime (`isoformat(" ")`): 2026-01-20 10:00:00+00:00, or
    2026-01-20 10:00:00.500000+00:00."""
    return (
        f"strftime('%Y-%m-%d %H:%M:%S', {_field(seconds)}, 'unixepoch') || CASE "
        f"{_field(micros)} WHEN 0 THEN '' ELSE printf('.%06d', {_field(micros)}) END || '+00:00'"
    )


#: SQLite: the batch as one JSON array of arrays, expanded and formatted by SQLite itself
#: (one statement: SQLite works outside Python's lock for the whole batch, not row by row),
#: inserted line after line (the unique index's order: each of its pages is visited once
#: per batch) and, within a line, in file order (the order of arrival)
_INSERT = (
    f"INSERT INTO usage_record ({_COLUMNS}, received_at) SELECT {_field(0)}, {_field(1)}, "
    f"{_instant_sql(2, 3)}, CASE WHEN {_field(4)} IS NULL THEN NULL ELSE {_instant_sql(4, 5)} "
    f"END, {_field(6)}, {_field(7)}, ? FROM json_each(?) WHERE true "
    f"ORDER BY {_field(0)}, key ON CONFLICT (line_ref, client_id) DO NOTHING"
)


class Record(NamedTuple):
    """An accepted row: what is stored, and what writing it needs to know."""

    ref: str
    client_id: str
    at: dt.datetime
    end: dt.datetime | None
    quantity: Decimal | None
    properties: dict[str, Any] | None
    contract: str
    day: dt.date  # in the contract's time zone
    progressive: bool  # its line bills on a threshold: the contract may be due earlier


class KIND:
    name: ClassVar[str] = "usage"
    columns: ClassVar[Sequence[Column]] = (
        Column("line", True, "the usage line the record measures, CONTRACT/LINE", "K-1001/L2"),
        Column(
            "id", True, "the sender's id of the record: importing it again changes nothing", "e-1"
        ),
        Column(
            "at",
            True,
            "when it happened (a session's start for duration lines); without an offset, in "
            "the contract's time zone",
            "2026-01-20T10:00:00Z",
        ),
        Column("end", False, "a session's end (duration lines only)", "2026-01-20T11:30:00Z"),
        Column("quantity", False, "the measure (sum, min, max and last need it)", "12.5"),
        Column("properties", False, "a JSON object (distinct counts read one of them)", '{"u": 7}'),
    )
    group: ClassVar[str | None] = None
    independent: ClassVar[bool] = True  # a record never depends on another row of the file
    batch_size: ClassVar[int] = 40_000  # rows per batch (per transaction in recovery mode)

    def __init__(self) -> None:
        # the contracts this import locked in the transaction under way: a transaction
        # holding many batches (a strict import) locks each contract once
        self._transaction: object = None
        self._locked: set[str] = set()
        self._direct = True  # PostgreSQL: COPY straight into the table until a record is known

    def check(self, session: Session, rows: Sequence[Row], values: Values) -> Checked:
        """Each row against its line, read from the store once for the batch."""
        lines = usage.line_infos(session, {row.values.get("line") or "" for row in rows})
        checked = Checked()
        accepted, refused = checked.accepted.append, checked.refused.append
        for row in rows:
            try:
                accepted((row, _record(row, values, lines)))
            except RowError as error:
                refused((row, error))
        return checked

    def pack(self, records: Sequence[Record], dialect: str) -> Packed:
        """The batch as the store takes it (`dialect`: sqlite or postgresql): the Python
        work of writing, done by the engine's thread so that the writer's is the store's."""
        first: dict[str, Record] = {}  # line -> its earliest record
        for r in records:
            seen = first.get(r.ref)
            if seen is None or r.day < seen.day:
                first[r.ref] = r
        if dialect == "postgresql":
            received = dt.datetime.now(dt.UTC)
            data: Any = [_copy_row(r, received) for r in records]
            data.sort(key=_LINE)  # the unique index's order; a line's records in file order
        else:
            data = _json_rows(records)
        return Packed(len(records), first, data)

    def write(self, session: Session, records: Sequence[Record] | Packed, actor: str) -> Outcome:
        """Store the records, as the usage API does; Conflict if a billing run invoiced one's
        period since the check (nothing of the batch is written then: import again)."""
        connection = session.connection()
        batch = records if isinstance(records, Packed) else self.pack(records, _dialect(session))
        if not batch.count:
            return Outcome()
        transaction = connection.get_transaction()
        if transaction is not self._transaction:
            self._transaction, self._locked = transaction, set()
        contracts = {r.contract for r in batch.first.values()}
        usage.lock_contracts(session, contracts - self._locked)
        self._locked |= contracts
        # read again under the lock: the check may have read before a billing run committed
        for ref, through in usage.billed_through(session, batch.first).items():
            r = batch.first[ref]
            if r.day <= through:
                raise Conflict(
                    f"usage on {r.day} of {r.ref} (id {r.client_id}) falls in a period invoiced "
                    f"during the import (through {through}): import the file again"
                )
        if connection.dialect.name == "postgresql":
            created, self._direct = _copy(connection, batch.data, self._direct)
        else:
            created = _insert(connection, batch.data)
        earliest: dict[str, dt.date] = {}
        for r in batch.first.values():
            if r.progressive and (r.contract not in earliest or r.day < earliest[r.contract]):
                earliest[r.contract] = r.day
        usage.move_next_due(session, earliest)
        return Outcome(created=created, unchanged=batch.count - created)


class Packed(NamedTuple):
    """A batch of records ready to store."""

    count: int
    first: dict[str, Record]  # line -> its earliest record (the checks of writing need no more)
    data: Any  # SQLite: the rows as a JSON array; PostgreSQL: the rows to COPY


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def _record(row: Row, values: Values, lines: dict[str, usage.LineInfo]) -> Record:
    """The row as a record, or RowError; the hot path of an import (a million times a file),
    hence the plain reads of text columns."""
    raw = row.values
    ref = raw.get("line")
    if not ref:
        raise RowError("line", "required")
    info = lines.get(ref)
    if info is None or info.kind != "usage":
        try:
            usage.usage_line(ref, lines)  # the service's message
        except usage.Problem as problem:
            raise RowError("line", problem.message) from None
        raise AssertionError(ref)  # pragma: no cover - usage_line refused it
    client_id = raw.get("id")
    if not client_id:
        raise RowError("id", "required")
    if len(client_id) > ID_LIMIT:
        raise RowError("id", f"{len(client_id)} characters, more than {ID_LIMIT}")
    # the usual values read here, anything else by `values` (the file's dialect, the messages)
    at = _aware(raw.get("at"))
    if at is None:
        at = values.instant(row, "at", info.zone.key, required=True)
    end = None
    if raw.get("end"):
        end = _aware(raw["end"]) or values.instant(row, "end", info.zone.key)
    quantity = None
    if written := raw.get("quantity"):
        if written.isdigit() and written.isascii():
            quantity = _new_decimal(written)
        else:
            quantity = values.decimal(row, "quantity")
    properties = _properties(text) if (text := raw.get("properties")) else None
    try:
        day = usage.check_usage(ref, info, at, end, quantity, properties)  # type: ignore[arg-type]
    except usage.Problem as problem:
        raise RowError(problem.field, problem.message) from None
    return _new(
        Record,
        (ref, client_id, at, end, quantity, properties, info.contract, day, info.progressive),
    )


def _aware(raw: str | None) -> dt.datetime | None:
    """An ISO 8601 instant with its offset, else None (for `Values.instant` to read)."""
    try:
        moment = _fromisoformat(raw)  # type: ignore[arg-type]
    except (ValueError, TypeError):
        return None
    return moment if moment.tzinfo is not None else None


_fromisoformat = dt.datetime.fromisoformat
_new_decimal = Decimal


def _properties(raw: str | None) -> dict[str, Any] | None:
    if not raw:
        return None
    try:
        value = json.loads(raw, parse_constant=_no_constant)
    except (ValueError, RecursionError):
        raise RowError("properties", f"{_cut(raw)} is not JSON") from None
    if not isinstance(value, dict):
        raise RowError("properties", f'{_cut(raw)}: write a JSON object, as {{"user": "u1"}}')
    return value or None


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number")


def _cut(raw: str) -> str:
    return repr(raw if len(raw) <= 60 else raw[:57] + "...")


_SQLITE = sqlite_dialect()
_AT, _QUANTITY, _PROPERTIES = (
    _TABLE.c[name].type.bind_processor(_SQLITE) for name in ("at", "quantity", "properties")
)  # the columns' own conversions, as the ORM applies them on SQLite


def _stored(value: dt.datetime) -> Any:
    """An instant as SQLite stores it: the column type's conversion, then the driver's."""
    adapt = sqlite3.adapters.get((dt.datetime, sqlite3.PrepareProtocol), _unadapted)
    return adapt(_AT(value))


def _json_rows(records: Sequence[Record]) -> str:
    """SQLite: the rows as one JSON array, each instant as whole seconds since 1970 and
    microseconds (formatted by `_INSERT`), quantities and properties as their columns' types
    store them: what `usage.insert_records` stores, without its per-value dispatch."""
    quantity, properties = _QUANTITY, _PROPERTIES
    rows = []
    append = rows.append
    for r in records:
        at = r.at - _EPOCH
        end = None if r.end is None else r.end - _EPOCH
        append(
            (
                r.ref,
                r.client_id,
                at.days * 86400 + at.seconds,
                at.microseconds,
                None if end is None else end.days * 86400 + end.seconds,
                None if end is None else end.microseconds,
                None if r.quantity is None else quantity(r.quantity),
                None if r.properties is None else properties(r.properties),
            )
        )
    return json.dumps(rows)


def _insert(connection: Connection, rows: str) -> int:
    """SQLite: one statement for the batch; returns how many records were new."""
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(_INSERT, (_stored(dt.datetime.now(dt.UTC)), rows))
        return cursor.rowcount
    finally:
        cursor.close()


def _unadapted(value: Any) -> Any:
    return value


def _copy_row(r: Record, received: dt.datetime) -> tuple[Any, ...]:
    return (
        r.ref,
        r.client_id,
        r.at,
        r.end,
        None if r.quantity is None else str(r.quantity),
        None if r.properties is None else _JSON.process_bind_param(r.properties, None),
        received,
    )


_COPY_TYPES = ["text", "text", "timestamptz", "timestamptz", "text", "text", "timestamptz"]


def _copy(
    connection: Connection, rows: Sequence[tuple[Any, ...]], direct: bool
) -> tuple[int, bool]:
    """PostgreSQL: the rows stored, ignoring those already received; returns how many were
    new, and whether the next batch may try `direct` again.

    `direct`: a binary COPY straight into the table, in a savepoint: the cheapest path,
    which a record already stored (the file imported again, or a record twice in a batch)
    makes fail; then, and from then on, COPY into a temporary table and one INSERT … ON
    CONFLICT DO NOTHING."""
    columns = f"{_COLUMNS}, received_at"
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        if direct:
            cursor.execute("SAVEPOINT cn285_usage_copy")
            try:
                _copy_into(cursor, _TABLE.name, columns, rows)
            except psycopg.errors.UniqueViolation:
                cursor.execute("ROLLBACK TO SAVEPOINT cn285_usage_copy")
                direct = False
            else:
                cursor.execute("RELEASE SAVEPOINT cn285_usage_copy")
                return len(rows), True
        cursor.execute(
            f"CREATE TEMPORARY TABLE IF NOT EXISTS {_STAGE} (line_ref text, client_id text, "
            'at timestamptz, "end" timestamptz, quantity text, properties text, '
            "received_at timestamptz) ON COMMIT DELETE ROWS"
        )
        _copy_into(cursor, _STAGE, columns, rows)
        cursor.execute(
            f"INSERT INTO {_TABLE.name} ({columns}) SELECT {columns} FROM {_STAGE} "
            "ON CONFLICT (line_ref, client_id) DO NOTHING"
        )
        created = cursor.rowcount
        cursor.execute(f"TRUNCATE {_STAGE}")  # the next batch may share this transaction
    finally:
        cursor.close()
    return created, direct


def _copy_into(cursor: Any, table: str, columns: str, rows: Sequence[tuple[Any, ...]]) -> None:
    with cursor.copy(f"COPY {table} ({columns}) FROM STDIN (FORMAT BINARY)") as copy:
        copy.set_types(_COPY_TYPES)
        write = copy.write_row
        for row in rows:
            write(row)

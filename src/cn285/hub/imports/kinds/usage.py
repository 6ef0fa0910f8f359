"""Usage records from a file: the same rules as the usage API, at file speed.

Each row is checked by the rules of `services.usage` (the line exists and is a usage line,
it has what its aggregation needs, the day is in its service and not in an invoiced
period, naive instants are in the contract's time zone), with the lines read once per
batch. Writing locks the batch's contracts and reads what they invoiced again (a billing
run may have committed since the check), then inserts the records ignoring those already
received (same line and id: `unchanged`), in file order (the order of arrival that breaks
ties for `last`): on SQLite in one statement over the batch as a JSON array, on
PostgreSQL through a binary COPY.

A record never depends on another row of the file (`independent`): the engine checks a
batch while the previous one is written.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Sequence
from decimal import Decimal
from typing import Any, ClassVar, NamedTuple

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
#: SQLite: the batch as one JSON array of arrays, expanded by SQLite itself (one statement:
#: SQLite works outside Python's lock for the whole batch, not row by row)
_INSERT = (
    f"INSERT INTO usage_record ({_COLUMNS}, received_at) SELECT "
    + ", ".join(f"json_extract(value, '$[{i}]')" for i in range(6))
    + ", ? FROM json_each(?) WHERE true ON CONFLICT (line_ref, client_id) DO NOTHING"
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
    batch_size: ClassVar[int] = 20_000  # rows per batch (per transaction in recovery mode)

    def __init__(self) -> None:
        # the contracts this import locked in the transaction under way: a transaction
        # holding many batches (a strict import) locks each contract once
        self._transaction: object = None
        self._locked: set[str] = set()

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
            data: Any = [_copy_row(r) for r in records]
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
            created = _copy(connection, batch.data)
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
    zone = info.zone.key
    at = values.instant(row, "at", zone, required=True)
    end = values.instant(row, "end", zone) if raw.get("end") else None
    quantity = values.decimal(row, "quantity") if raw.get("quantity") else None
    properties = _properties(raw.get("properties"))
    try:
        day = usage.check_usage(ref, info, at, end, quantity, properties)  # type: ignore[arg-type]
    except usage.Problem as problem:
        raise RowError(problem.field, problem.message) from None
    return _new(
        Record,
        (ref, client_id, at, end, quantity, properties, info.contract, day, info.progressive),
    )


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
)


def _stored(value: dt.datetime) -> Any:
    """An instant as SQLite stores it: the column type's conversion, then the driver's."""
    adapt = sqlite3.adapters.get((dt.datetime, sqlite3.PrepareProtocol), _unadapted)
    return adapt(_AT(value))


def _json_rows(records: Sequence[Record]) -> str:
    """SQLite: the rows as stored by the ORM (`usage.insert_records`: the columns' types,
    then the driver's adapters), without its per-value dispatch, as one JSON array."""
    adapt = sqlite3.adapters.get((dt.datetime, sqlite3.PrepareProtocol), _unadapted)
    at, quantity, properties = _AT, _QUANTITY, _PROPERTIES
    return json.dumps(
        [
            (
                r.ref,
                r.client_id,
                adapt(at(r.at)),
                None if r.end is None else adapt(at(r.end)),
                None if r.quantity is None else quantity(r.quantity),
                None if r.properties is None else properties(r.properties),
            )
            for r in records
        ]
    )


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


def _copy_row(r: Record) -> tuple[Any, ...]:
    return (
        r.ref,
        r.client_id,
        r.at,
        r.end,
        None if r.quantity is None else str(r.quantity),
        None if r.properties is None else _JSON.process_bind_param(r.properties, None),
    )


def _copy(connection: Connection, rows: Sequence[tuple[Any, ...]]) -> int:
    """PostgreSQL: a binary COPY into a temporary table, then one INSERT … ON CONFLICT DO
    NOTHING; returns how many records were new."""
    received = dt.datetime.now(dt.UTC)
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(
            f"CREATE TEMPORARY TABLE IF NOT EXISTS {_STAGE} (line_ref text, client_id text, "
            'at timestamptz, "end" timestamptz, quantity text, properties text) '
            "ON COMMIT DELETE ROWS"
        )
        columns = _COLUMNS
        with cursor.copy(f"COPY {_STAGE} ({columns}) FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types(["text", "text", "timestamptz", "timestamptz", "text", "text"])
            write = copy.write_row
            for row in rows:
                write(row)
        cursor.execute(
            f"INSERT INTO {_TABLE.name} ({columns}, received_at) "
            f"SELECT {columns}, %s FROM {_STAGE} "
            "ON CONFLICT (line_ref, client_id) DO NOTHING",
            (received,),
        )
        created = cursor.rowcount
        cursor.execute(f"TRUNCATE {_STAGE}")  # the next batch may share this transaction
    finally:
        cursor.close()
    return created

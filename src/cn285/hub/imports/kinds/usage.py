"""Usage records from a file: the same rules as the usage API, at file speed.

Each row is checked by the rules of `services.usage` (the line exists and is a usage line,
it has what its aggregation needs, the day is in its service and not in an invoiced
period, naive instants are in the contract's time zone), with the lines read once per
batch. Writing locks the batch's contracts and reads what they invoiced again (a billing
run may have committed since the check), then inserts the records ignoring those already
received (same line and id: `unchanged`), on PostgreSQL through COPY.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Sequence
from decimal import Decimal
from typing import Any, ClassVar, NamedTuple

from sqlalchemy import Connection
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
_INSERT = (
    'INSERT INTO usage_record (line_ref, client_id, at, "end", quantity, properties, '
    "received_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (line_ref, client_id) DO NOTHING"
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

    def __init__(self) -> None:
        # the contracts this import locked in the transaction under way: a transaction
        # holding many batches (a strict import's rehearsal) locks each contract once
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

    def write(self, session: Session, records: Sequence[Any], actor: str) -> Outcome:
        """Store the records, as the usage API does; Conflict if a billing run invoiced one's
        period since the check (nothing of the batch is written then: import again)."""
        if not records:
            return Outcome()
        connection = session.connection()
        transaction = connection.get_transaction()
        if transaction is not self._transaction:
            self._transaction, self._locked = transaction, set()
        locking = {r.contract for r in records} - self._locked
        usage.lock_contracts(session, locking)
        # what the check read is stable for the contracts locked before it
        invoiced = usage.billed_through(session, {r.ref for r in records if r.contract in locking})
        self._locked |= locking
        earliest: dict[str, dt.date] = {}
        for r in records:
            through = invoiced.get(r.ref)
            if through is not None and r.day <= through:
                raise Conflict(
                    f"usage on {r.day} of {r.ref} (id {r.client_id}) falls in a period invoiced "
                    f"during the import (through {through}): import the file again"
                )
            if r.progressive and (r.contract not in earliest or r.day < earliest[r.contract]):
                earliest[r.contract] = r.day
        if connection.dialect.name == "postgresql":
            created = _copy(connection, records)
        else:
            created = _insert(connection, records)
        usage.move_next_due(session, earliest)
        return Outcome(created=created, unchanged=len(records) - created)


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


def _insert(connection: Connection, records: Sequence[Record]) -> int:
    """SQLite: `usage.insert_records` in effect (same statement, same conversions by the
    columns' own types, same driver), without its per-value dispatch: the reception time
    is converted once, and each column's converter is applied in one pass."""
    dialect = connection.dialect
    at, quantity, properties = (
        _TABLE.c[name].type.bind_processor(dialect) for name in ("at", "quantity", "properties")
    )
    received = at(dt.datetime.now(dt.UTC))
    adapt = sqlite3.adapters.get((dt.datetime, sqlite3.PrepareProtocol))
    if adapt is not None:
        received = adapt(received)  # once, as the driver would for every row
    rows = [
        (
            r.ref,
            r.client_id,
            at(r.at),
            None if r.end is None else at(r.end),
            None if r.quantity is None else quantity(r.quantity),
            None if r.properties is None else properties(r.properties),
            received,
        )
        for r in records
    ]
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.executemany(_INSERT, rows)
        return cursor.rowcount
    finally:
        cursor.close()


def _copy(connection: Connection, records: Sequence[Record]) -> int:
    """PostgreSQL: COPY into a temporary table, then one INSERT … ON CONFLICT DO NOTHING;
    returns how many records were new."""
    received = dt.datetime.now(dt.UTC)
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(
            f"CREATE TEMPORARY TABLE IF NOT EXISTS {_STAGE} (line_ref text, client_id text, "
            'at timestamptz, "end" timestamptz, quantity text, properties text) '
            "ON COMMIT DELETE ROWS"
        )
        columns = 'line_ref, client_id, at, "end", quantity, properties'
        with cursor.copy(f"COPY {_STAGE} ({columns}) FROM STDIN") as copy:
            write = copy.write_row
            dump = _JSON.process_bind_param
            for r in records:
                write(
                    (
                        r.ref,
                        r.client_id,
                        r.at,
                        r.end,
                        None if r.quantity is None else str(r.quantity),
                        None if r.properties is None else dump(r.properties, None),
                    )
                )
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

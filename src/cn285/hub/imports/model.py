"""What the import engine, the file reader and the kinds of records share.

A file is read as `Row`s (the physical line where each record starts, and its raw values
by header); a `Kind` turns a batch of rows into records, each row either accepted or
refused with a `RowError` naming its column; the engine decides what is written (strict,
recovery, dry run) and writes accepted batches in transactions, idempotently by each
kind's natural key.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, ClassVar, NamedTuple, Protocol

from sqlmodel import Session


@dataclass(frozen=True)
class Dialect:
    """How a file is written: detected, or declared by the user (which wins)."""

    delimiter: str = ","  # "," ";" or "\t"
    encoding: str = "utf-8"  # "utf-8", "utf-8-sig" (with BOM) or "cp1252"
    decimal: str = "."  # "." or ","
    date_format: str = "iso"  # "iso" (YYYY-MM-DD) or "dmy" (DD/MM/YYYY)


class Row(NamedTuple):
    """A record of the file (a named tuple: a million are made per file, this is the
    cheapest object that names its fields)."""

    line: int  # the file's line where this record starts (the header is line 1)
    values: dict[str, str]  # header -> raw text, surrounding spaces removed; "" when empty


class RowError(Exception):
    """A row that cannot be imported; `column` names the column at fault (None: the row)."""

    def __init__(self, column: str | None, message: str) -> None:
        super().__init__(f"{column}: {message}" if column else message)
        self.column = column
        self.message = message


@dataclass(frozen=True)
class Column:
    name: str
    required: bool
    description: str
    example: str


@dataclass
class Outcome:
    """What a batch did to the store."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def add(self, other: Outcome) -> None:
        self.created += other.created
        self.updated += other.updated
        self.unchanged += other.unchanged


@dataclass
class Checked:
    """A batch after validation: the accepted records (each with its row) and the refusals."""

    accepted: list[tuple[Row, Any]] = field(default_factory=list)
    refused: list[tuple[Row, RowError]] = field(default_factory=list)


class Values(Protocol):
    """Typed reading of raw text in the file's dialect; each raises RowError(column, …)."""

    def text(self, row: Row, column: str, *, required: bool = False) -> str | None: ...
    def decimal(self, row: Row, column: str, *, required: bool = False) -> Decimal | None: ...
    def integer(self, row: Row, column: str, *, required: bool = False) -> int | None: ...
    def boolean(self, row: Row, column: str, *, required: bool = False) -> bool | None: ...
    def date(self, row: Row, column: str, *, required: bool = False) -> dt.date | None: ...
    def instant(
        self, row: Row, column: str, zone: str, *, required: bool = False
    ) -> dt.datetime | None: ...


class Kind(Protocol):
    """One kind of record (customers, usage, …): its columns, validation and writing.

    `check` validates a batch against the file and the store (read only) and never writes;
    `write` stores accepted records in the caller's transaction and is idempotent: a record
    equal to the stored one is `unchanged`, a different one is `updated` with an audit
    record, a new one is `created`. A batch re-imported after a crash changes nothing.

    Optional, read with getattr by the engine: `batch_size` (rows per batch, when the
    caller gives none); `independent = True` for a kind whose rows never depend on other
    rows of the file (its batches are checked on a session of their own while a writer
    thread stores the previous one); and, for such a kind, `pack(records, dialect)`, the
    Python part of writing (whatever `write` accepts besides the records themselves), run
    in the engine's thread so that the writer's thread mostly waits on the database.
    """

    name: ClassVar[str]  # as on the command line: customers, usage, …
    columns: ClassVar[Sequence[Column]]
    #: a column whose consecutive equal values make one record of several rows (an invoice
    #: and its lines): the engine never splits such a group across batches, and refuses or
    #: imports it whole. None: one row, one record.
    group: ClassVar[str | None]

    def check(self, session: Session, rows: Sequence[Row], values: Values) -> Checked: ...

    def write(self, session: Session, records: Sequence[Any], actor: str) -> Outcome: ...

"""Running an import: read a file in batches, validate every row, write what may be written.

Modes (see docs/imports.md):

- **strict**: all or nothing, in one pass and one database transaction: every batch is
  checked and its accepted records written, so that a row may depend on a record accepted
  earlier in the same file (a line on a contract created a few thousand rows before); the
  transaction is committed at the end if no row was refused, else rolled back. A crash
  leaves nothing; a re-run imports the whole file.
- **recovery**: each batch is checked and its good rows written in one transaction;
  refused rows (whole groups, see `Kind.group`) go to a rejects file in the file's own
  dialect, with an `error` column, ready to be corrected and imported again. A crash leaves
  whole batches, which a re-run finds unchanged (kinds write idempotently by natural key).
- **dry run** (either mode): the strict pass, always rolled back; its counts are what would
  be done.

A kind whose rows never depend on other rows of the file (`independent`: usage) is checked
on its own read-only session while a writer thread stores the previous batch: the store's
work (SQLite's or PostgreSQL's, done outside Python's lock) overlaps the parsing.

Memory stays flat: rows are streamed, held one batch at a time (two more at most wait for
the writer), and the session is emptied after each batch; only the first `MAX_ERRORS`
errors are kept (all go to the rejects file).
"""

from __future__ import annotations

import csv
import gc
import os
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import IO, Any

from sqlalchemy.engine import Engine
from sqlalchemy.pool import SingletonThreadPool, StaticPool
from sqlmodel import Session

from cn285.hub.imports import kinds
from cn285.hub.imports.dialect import ImportFileError, detect
from cn285.hub.imports.model import Checked, Dialect, Kind, Outcome, Row, RowError, Values
from cn285.hub.imports.reader import MALFORMED, Rows, open_rows  # MALFORMED: unreadable
from cn285.hub.imports.values import make_values
from cn285.hub.imports.writer import Writer, one_transaction

MODES = ("strict", "recovery")
BATCH_SIZE = 5000  # rows per batch, unless the kind or the caller says otherwise
MAX_ERRORS = 1000  # kept in memory and returned; the rejects file has them all
ERROR_COLUMN = "error"  # added to a rejects file, ignored when the file is imported again

Progress = Callable[[int, int], None]  # (bytes read, total bytes)
ErrorEntry = tuple[int, str | None, str]  # (line, column, message)


@dataclass
class ImportResult:
    """What an import did (or, for a dry run or a refused strict import, would have done).

    `status`: imported (every row), partial (recovery, some rows rejected), refused (strict,
    nothing written), checked / invalid (dry run without / with errors).
    """

    kind: str
    dialect: Dialect
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    errors: list[ErrorEntry] = field(default_factory=list)
    error_count: int = 0
    rejects: Path | None = None
    status: str = "imported"
    dry_run: bool = False

    def add(self, outcome: Outcome) -> None:
        self.created += outcome.created
        self.updated += outcome.updated
        self.unchanged += outcome.unchanged

    def note(self, line: int, error: RowError) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_ERRORS:
            self.errors.append((line, error.column, error.message))


def default_rejects(path: Path) -> Path:
    """`data.csv` → `data.rejects.csv`, beside the file."""
    return path.with_name(f"{path.stem}.rejects{path.suffix or '.csv'}")


def run_import(
    engine: Engine,
    kind_name: str,
    path: str | os.PathLike[str],
    *,
    mode: str = "strict",
    dry_run: bool = False,
    declared: Mapping[str, str | None] | None = None,
    rejects: str | os.PathLike[str] | None = None,
    actor: str = "import",
    progress: Progress | None = None,
    batch_size: int | None = None,
) -> ImportResult:
    """Import `path` as records of `kind_name`.

    Raises ValueError for an unknown kind or mode or a missing rejects folder, and
    ImportFileError when the file cannot be imported at all (unreadable, ambiguous, unknown
    or missing columns): nothing is written then.
    In recovery mode (not a dry run) the rejects go to `rejects`, by default beside the file;
    otherwise a rejects file is written only when `rejects` is given. `batch_size`: rows
    per batch (by default the kind's `batch_size`, else `BATCH_SIZE`).
    """
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r} (modes: {', '.join(MODES)})")
    kind = kinds.kind(kind_name)
    independent = getattr(kind, "independent", False) and _threads_allowed(engine)
    if batch_size is None:
        batch_size = getattr(kind, "batch_size", BATCH_SIZE)
    if batch_size < 1:
        raise ValueError("the batch size must be at least 1")
    source = Path(path)
    dialect = detect(source, declared)
    headers, corrected = _headers(source, dialect, kind)
    if rejects is None and mode == "recovery" and not dry_run:
        rejects = default_rejects(source)
    if rejects is not None and not Path(rejects).parent.is_dir():
        raise ValueError(f"rejects: the folder {Path(rejects).parent} does not exist")
    run = _Run(
        engine=engine,
        kind=kind,
        source=source,
        dialect=dialect,
        values=make_values(dialect),
        headers=headers,
        corrected=corrected,
        batch_size=batch_size,
        actor=actor,
        meter=_Meter(progress, os.path.getsize(source)),
        result=ImportResult(kind.name, dialect, dry_run=dry_run),
    )
    atomic = dry_run or mode == "strict"
    with (
        _Rejects(Path(rejects) if rejects else None, headers, dialect) as rejected,
        _fewer_collections(),
    ):
        if independent:
            run.pipelined(rejected, atomic=atomic, keep=not dry_run)
        elif atomic:
            run.atomic(rejected, keep=not dry_run)
        else:
            run.recover(rejected)
        failed = run.result.rejected > 0
        if dry_run:
            run.result.status = "invalid" if failed else "checked"
        elif atomic and failed:
            run.result.status = "refused"
            run.result.created = run.result.updated = run.result.unchanged = 0
        else:
            run.result.status = "partial" if failed else "imported"
        run.result.rejects = rejected.close()
    run.meter.finish()
    return run.result


def _threads_allowed(engine: Engine) -> bool:
    """A writer thread needs a connection of its own: not an in-memory SQLite store."""
    return not isinstance(engine.pool, StaticPool | SingletonThreadPool)


_gc_lock = threading.Lock()
_gc_users = 0
_GC_YOUNG = 50_000  # allocations between young collections while an import runs


@contextmanager
def _fewer_collections() -> Iterator[None]:
    """Python's cyclic garbage collector, run every 700 allocations, walks each batch's
    hundreds of thousands of young objects again and again: a third of an import's time.
    Rows and records hold no cycles (reference counting frees them), so the young
    generation's threshold is raised while imports run (process-wide, restored by the last
    one to end)."""
    global _gc_users
    with _gc_lock:
        if _gc_users == 0:
            _fewer_collections.saved = gc.get_threshold()  # type: ignore[attr-defined]
            young, *older = _fewer_collections.saved  # type: ignore[attr-defined]
            gc.set_threshold(max(young, _GC_YOUNG), *older)
        _gc_users += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_users -= 1
            if _gc_users == 0:
                gc.set_threshold(*_fewer_collections.saved)  # type: ignore[attr-defined]


def _headers(path: Path, dialect: Dialect, kind: Kind) -> tuple[list[str], bool]:
    """The file's columns, checked against the kind's (unknown or missing ones refuse the
    file), without `error`; and whether it had one (a corrected rejects file)."""
    headers, rows = open_rows(path, dialect)
    rows.close()
    known = {c.name for c in kind.columns} | {ERROR_COLUMN}
    named = [h for h in headers if h]
    problems = []
    duplicated = sorted({h for h in named if named.count(h) > 1})
    if duplicated:
        problems.append(f"columns named twice: {', '.join(duplicated)}")
    unknown = [h for h in named if h not in known]
    if unknown:
        problems.append(
            f"unknown columns: {', '.join(unknown)} "
            f"(the columns of {kind.name}: {', '.join(c.name for c in kind.columns)})"
        )
    missing = [c.name for c in kind.columns if c.required and c.name not in named]
    if missing:
        problems.append(f"missing required columns: {', '.join(missing)}")
    if problems:
        raise ImportFileError(f"{path.name}: " + "; ".join(problems))
    return [h for h in headers if h and h != ERROR_COLUMN], ERROR_COLUMN in headers


@dataclass
class _Checked:
    """A batch after the kind's check and the engine's group rule."""

    accepted: list[Any]  # records to write
    refused: list[tuple[Row, str]]  # rows to reject, in file order, with their error text


@dataclass
class _Run:
    engine: Engine
    kind: Kind
    source: Path
    dialect: Dialect
    values: Values
    headers: list[str]
    corrected: bool  # the file has an `error` column
    batch_size: int
    actor: str
    meter: _Meter
    result: ImportResult

    # -- the modes ------------------------------------------------------------------------
    def atomic(self, rejected: _Rejects, *, keep: bool) -> None:
        """Strict or dry run: every batch checked and written in one transaction, committed
        at the end only if `keep` and no row was refused."""
        with (
            self.engine.connect() as connection,
            one_transaction(connection, lambda: keep and not self.result.rejected) as session,
        ):
            for batch in self._batches():
                checked = self._check(session, batch)
                if checked.accepted:
                    self.result.add(self.kind.write(session, checked.accepted, self.actor))
                    session.flush()
                session.expunge_all()
                self._reject(checked, rejected)

    def recover(self, rejected: _Rejects) -> None:
        """Recovery: each batch's good rows in one transaction, the others to the rejects."""
        for batch in self._batches():
            with Session(self.engine) as session:
                checked = self._check(session, batch)
                outcome = Outcome()
                if checked.accepted:
                    outcome = self.kind.write(session, checked.accepted, self.actor)
                session.commit()
            self.result.add(outcome)
            self._reject(checked, rejected)

    def pipelined(self, rejected: _Rejects, *, atomic: bool, keep: bool) -> None:
        """An independent kind: each batch checked on a read-only session of its own while
        the writer stores the previous one (in one transaction if `atomic`, kept at the end
        if `keep` and no row was refused; else one transaction per batch)."""
        pack = getattr(self.kind, "pack", None)  # the Python part of writing, done here
        dialect = self.engine.dialect.name
        with Writer(self.engine, self.kind, self.actor, atomic=atomic) as writer:
            for batch in self._batches():
                with Session(self.engine) as session:
                    checked = self._check(session, batch)
                    session.rollback()
                del batch  # the rows: only the refused ones are needed now (in `checked`)
                if checked.accepted:
                    writer.put(pack(checked.accepted, dialect) if pack else checked.accepted)
                self._reject(checked, rejected)
                del checked  # not alive while the next batch is read
            self.result.add(writer.finish(keep=keep and not self.result.rejected))

    # -- shared steps ---------------------------------------------------------------------
    def _batches(self) -> Iterator[list[Row]]:
        """The file's rows in batches of about `batch_size`, never splitting a group (the
        reader skips blank rows; a rejects file's row may hold nothing but its error)."""
        with _reading(self.source, self.dialect) as rows:
            grouped = self._grouped(rows)
            plain = self.kind.group is None and not self.corrected

            def read() -> list[Row]:
                batch = list(islice(rows, self.batch_size)) if plain else next(grouped, [])
                self.result.rows += len(batch)
                self.meter.report(rows.read)
                return batch

            # `yield from`: no reference to a batch is kept here once it is handed over, so
            # the caller can free its rows as soon as it has checked them
            yield from iter(read, [])

    def _grouped(self, rows: Iterator[Row]) -> Iterator[list[Row]]:
        group = self.kind.group
        batch: list[Row] = []
        previous: str | None = None
        for row in rows:
            if not any(v for k, v in row.values.items() if k != ERROR_COLUMN):
                continue  # its error alone
            key = row.values.get(group) if group else None
            if batch and len(batch) >= self.batch_size and (group is None or key != previous):
                yield batch
                batch = []
            batch.append(row)
            previous = key
        if batch:
            yield batch

    def _check(self, session: Session, batch: list[Row]) -> _Checked:
        """The kind's verdict on a batch; an error anywhere in a group refuses the group."""
        errors: dict[int, list[RowError]] = {
            row.line: [RowError(None, row.values[MALFORMED])]
            for row in batch
            if MALFORMED in row.values
        }
        verdict: Checked | None = None
        if self.kind.group is None and not errors:  # the usual batch: the rows as they are
            rows = [_without_error(row) for row in batch] if self.corrected else batch
            verdict = self.kind.check(session, rows, self.values)
            if not verdict.refused:
                return _Checked([record for _, record in verdict.accepted], [])
        groups = _groups(batch, self.kind.group)
        if verdict is None:
            broken = {groups[line] for line in errors}
            clean = [_without_error(row) for row in batch if groups[row.line] not in broken]
            verdict = self.kind.check(session, clean, self.values) if clean else None
        for row, error in verdict.refused if verdict else ():
            errors.setdefault(row.line, []).append(error)
        broken = {groups[line] for line in errors}
        accepted = [
            record
            for row, record in (verdict.accepted if verdict else ())
            if groups.get(row.line) not in broken
        ]
        refused = []
        by_group: dict[int, list[str]] = {}
        for row in batch:
            for error in errors.get(row.line, ()):
                self.result.note(row.line, error)
                by_group.setdefault(groups[row.line], []).append(_describe(row.line, error))
        for row in batch:
            if groups[row.line] in broken:
                refused.append((row, "; ".join(by_group[groups[row.line]])))
        return _Checked(accepted, refused)

    def _reject(self, checked: _Checked, rejected: _Rejects | None) -> None:
        self.result.rejected += len(checked.refused)
        if rejected is not None:
            for row, error in checked.refused:
                rejected.write(row, error)


@contextmanager
def _reading(source: Path, dialect: Dialect) -> Iterator[Rows]:
    """The file's rows, the file closed however the reading ends."""
    _, rows = open_rows(source, dialect)
    try:
        yield rows
    finally:
        rows.close()


def _without_error(row: Row) -> Row:
    """The row as the kind sees it: the rejects file's `error` column is not data."""
    if ERROR_COLUMN not in row.values:
        return row
    return Row(row.line, {k: v for k, v in row.values.items() if k != ERROR_COLUMN})


def _groups(batch: Sequence[Row], group: str | None) -> dict[int, int]:
    """Line → group number: consecutive rows with the same non-empty `group` value share one."""
    numbers: dict[int, int] = {}
    number, previous = -1, None
    for row in batch:
        key = row.values.get(group) if group else None
        if group is None or not key or key != previous or MALFORMED in row.values:
            number += 1
        numbers[row.line] = number
        previous = key if group and MALFORMED not in row.values else None
    return numbers


def _describe(line: int, error: RowError) -> str:
    where = f"line {line}: {error.column}: " if error.column else f"line {line}: "
    return where + error.message


class _Meter:
    """Progress in bytes of the file read, reported after each batch."""

    def __init__(self, progress: Progress | None, size: int) -> None:
        self.progress = progress
        self.total = max(size, 1)
        self.position = 0

    def report(self, position: int) -> None:
        position = min(position, self.total)
        if self.progress and position > self.position:
            self.position = position
            self.progress(position, self.total)

    def finish(self) -> None:
        self.report(self.total)


class _Rejects:
    """The rejects file, written as rows are refused: the file's own dialect and columns plus
    `error`, so that it can be corrected and imported again as is. Written to `NAME.part`
    and renamed when complete (it may replace the very file being imported)."""

    def __init__(self, path: Path | None, headers: list[str], dialect: Dialect) -> None:
        self.path = path
        self.headers = headers
        self.dialect = dialect
        self.stream: IO[str] | None = None
        self.writer: Any = None
        self.count = 0

    def __enter__(self) -> _Rejects:
        return self

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        if kind is not None and self.stream is not None:
            self.stream.close()  # an interrupted run leaves its `.part`, never a rejects file

    def write(self, row: Row, error: str) -> None:
        if self.path is None:
            return
        if self.writer is None:
            self.stream = self._part().open(
                "w", encoding=self.dialect.encoding, errors="replace", newline=""
            )
            self.writer = csv.writer(
                self.stream, delimiter=self.dialect.delimiter, lineterminator="\r\n"
            )
            self.writer.writerow([*self.headers, ERROR_COLUMN])
        self.writer.writerow([*(row.values.get(h, "") for h in self.headers), error])
        self.count += 1

    def close(self) -> Path | None:
        """The complete rejects file, or None when no row was refused."""
        if self.stream is None or self.path is None:
            return None
        self.stream.close()
        self._part().replace(self.path)
        return self.path

    def _part(self) -> Path:
        assert self.path is not None
        return self.path.with_name(self.path.name + ".part")

"""Running an import: read a file in batches, validate every row, write what may be written.

Modes (see docs/imports.md):

- **strict**: all or nothing. Pass 1 is a *rehearsal*: every batch is checked and its
  accepted records written, in one outer database transaction that is rolled back at the
  end, so that a row may depend on a record accepted earlier in the same file (a line on a
  contract created a few thousand rows before) exactly as it will in pass 2. Any error:
  nothing is written. None: pass 2 reads the file again and writes it batch by batch, one
  transaction each; a crash leaves whole batches, and a re-run finds them unchanged
  (the kinds write idempotently by natural key) and completes the rest.
- **recovery**: one pass; each batch is checked and its good rows written in one
  transaction; refused rows (whole groups, see `Kind.group`) go to a rejects file in the
  file's own dialect, with an `error` column, ready to be corrected and imported again.
- **dry run** (either mode): the rehearsal alone; its counts are what would be done.

Memory stays flat: rows are streamed, held one batch at a time, and the session is emptied
after each batch; only the first `MAX_ERRORS` errors are kept (all go to the rejects file).
"""

from __future__ import annotations

import csv
import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from sqlalchemy.engine import Engine
from sqlmodel import Session

from cn285.hub.imports import kinds
from cn285.hub.imports.dialect import ImportFileError, detect
from cn285.hub.imports.model import Dialect, Kind, Outcome, Row, RowError, Values
from cn285.hub.imports.reader import MALFORMED, open_rows  # a record it could not read
from cn285.hub.imports.values import make_values

MODES = ("strict", "recovery")
MAX_ERRORS = 1000  # kept in memory and returned; the rejects file has them all
ERROR_COLUMN = "error"  # added to a rejects file, ignored when the file is imported again

Progress = Callable[[int, int], None]  # (bytes read, total bytes)
ErrorEntry = tuple[int, str | None, str]  # (line, column, message)


@dataclass
class ImportResult:
    """What an import did (or, for a dry run or a refused strict import, would have done).

    `status`: imported (every row), partial (recovery, some rows rejected), refused (strict,
    nothing written), checked / invalid (dry run without / with errors), interrupted (strict
    pass 2 met an error pass 1 had not: the store changed in between; whole batches written).
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
    batch_size: int = 5000,
) -> ImportResult:
    """Import `path` as records of `kind_name`.

    Raises ValueError for an unknown kind or mode or a missing rejects folder, and
    ImportFileError when the file cannot be imported at all (unreadable, ambiguous, unknown
    or missing columns): nothing is written then.
    In recovery mode (not a dry run) the rejects go to `rejects`, by default beside the file;
    otherwise a rejects file is written only when `rejects` is given.
    """
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r} (modes: {', '.join(MODES)})")
    if batch_size < 1:
        raise ValueError("the batch size must be at least 1")
    kind = kinds.kind(kind_name)
    source = Path(path)
    dialect = detect(source, declared)
    headers = _headers(source, dialect, kind)
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
        batch_size=batch_size,
        actor=actor,
        meter=_Meter(
            progress, os.path.getsize(source), passes=2 if _two_passes(mode, dry_run) else 1
        ),
        result=ImportResult(kind.name, dialect, dry_run=dry_run),
    )
    with _Rejects(Path(rejects) if rejects else None, headers, dialect) as rejected:
        if dry_run or mode == "strict":
            run.rehearse(rejected)
            failed = run.result.rejected > 0
            if dry_run:
                run.result.status = "invalid" if failed else "checked"
            elif failed:
                run.result.status = "refused"
                run.result.created = run.result.updated = run.result.unchanged = 0
            else:
                run.write_all(rejected)
        else:
            run.recover(rejected)
        run.result.rejects = rejected.close()
    run.meter.finish()
    return run.result


def _two_passes(mode: str, dry_run: bool) -> bool:
    return mode == "strict" and not dry_run


def _headers(path: Path, dialect: Dialect, kind: Kind) -> list[str]:
    """The file's columns, checked against the kind's: unknown or missing ones refuse the file."""
    headers, rows = open_rows(path, dialect)
    _close(rows)
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
    return [h for h in headers if h and h != ERROR_COLUMN]


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
    batch_size: int
    actor: str
    meter: _Meter
    result: ImportResult

    # -- the modes ------------------------------------------------------------------------
    def rehearse(self, rejected: _Rejects) -> None:
        """Check and write every batch in one transaction, then roll it all back."""
        with self.engine.connect() as connection:
            outer = connection.begin()
            try:
                # "rollback_only": a commit inside a kind could not end the outer transaction
                with Session(bind=connection, join_transaction_mode="rollback_only") as session:
                    for batch in self._batches():
                        checked = self._check(session, batch)
                        if checked.accepted:
                            self.result.add(self.kind.write(session, checked.accepted, self.actor))
                            session.flush()
                        session.expunge_all()
                        self._reject(checked, rejected)
            finally:
                outer.rollback()

    def write_all(self, rejected: _Rejects) -> None:
        """Strict pass 2: the file again, one transaction per batch."""
        self.result.created = self.result.updated = self.result.unchanged = 0
        self.result.rows = 0
        with closing(self._batches()) as batches:
            for batch in batches:
                with Session(self.engine) as session:
                    checked = self._check(session, batch)
                    if checked.refused:  # the store changed since pass 1: keep what is done
                        session.rollback()
                        self._reject(checked, rejected)
                        self.result.status = "interrupted"
                        return
                    outcome = self.kind.write(session, checked.accepted, self.actor)
                    session.commit()
                self.result.add(outcome)
        self.result.status = "imported"

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
        self.result.status = "partial" if self.result.rejected else "imported"

    # -- shared steps ---------------------------------------------------------------------
    def _batches(self) -> Iterator[list[Row]]:
        """The file's rows in batches of about `batch_size`, never splitting a group."""
        group = self.kind.group
        with _reading(self.source, self.dialect) as rows:
            batch: list[Row] = []
            previous: str | None = None
            for row in self.meter.rows(rows):
                if not any(v for k, v in row.values.items() if k != ERROR_COLUMN):
                    continue  # a blank line, or a row of empty cells (spreadsheet exports)
                key = row.values.get(group) if group else None
                if batch and len(batch) >= self.batch_size and (group is None or key != previous):
                    yield batch
                    batch = []
                batch.append(row)
                previous = key
                self.result.rows += 1
            if batch:
                yield batch

    def _check(self, session: Session, batch: list[Row]) -> _Checked:
        """The kind's verdict on a batch; an error anywhere in a group refuses the group."""
        groups = _groups(batch, self.kind.group)
        errors: dict[int, list[RowError]] = {}
        for row in batch:
            if MALFORMED in row.values:
                errors.setdefault(row.line, []).append(RowError(None, row.values[MALFORMED]))
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
def _reading(source: Path, dialect: Dialect) -> Iterator[Iterator[Row]]:
    """The file's rows, the file closed however the reading ends."""
    _, rows = open_rows(source, dialect)
    try:
        yield rows
    finally:
        _close(rows)


def _close(rows: Iterator[Row]) -> None:
    close = getattr(rows, "close", None)  # a generator holding the file open
    if close is not None:
        close()


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
    """Progress in bytes, estimated from the rows read (the reader owns the file)."""

    def __init__(self, progress: Progress | None, size: int, passes: int) -> None:
        self.progress = progress
        self.size = size
        self.total = max(size * passes, 1)
        self.done = 0  # bytes of the passes already finished
        self.position = 0

    def rows(self, rows: Iterable[Row]) -> Iterator[Row]:
        read = 0
        for count, row in enumerate(rows, 1):
            read += sum(len(v) + 1 for v in row.values.values()) + 1
            if self.progress and count % 500 == 0:
                self._report(self.done + min(read, self.size))
            yield row
        self.done += self.size
        self._report(self.done)

    def finish(self) -> None:
        self._report(self.total)

    def _report(self, position: int) -> None:
        position = min(position, self.total)
        if self.progress and position > self.position:
            self.position = position
            self.progress(position, self.total)


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

"""Streaming a CSV file as `Row`s, each with the physical line where its record starts.

The file is read in blocks of 256 KB, decoded a block at a time (a decoding error names its
exact line) and split into physical lines for the csv module, so memory stays flat whatever
the file's size. A damaged record never stops the file nor reaches a kind half-read: it is
yielded with the reserved key `__error__` (wrong number of fields, a NUL byte, a field over
1 MB, a stray quote, a last row that may be cut short), which the engine turns into an error
for that row. Blank lines and rows of empty cells (spreadsheet exports) are skipped. Only
what leaves the reader unsure where records begin (an unclosed quote running past 16 M
characters, a decoding error) refuses the whole file.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator
from itertools import chain
from pathlib import Path
from typing import BinaryIO

from cn285.hub.imports.dialect import ImportFileError
from cn285.hub.imports.model import Dialect, Row

MALFORMED = "__error__"  # the key of a record that cannot be read
FIELD_LIMIT = 1_000_000  # characters in a field; a longer one refuses its record
RECORD_LIMIT = 16 * FIELD_LIMIT  # characters in a line or a field: past it, a broken file
BLOCK = 1 << 18  # bytes read at a time: a block longer than a field holds a long line
_NUL = "\ufffe"  # stands for a NUL byte (which the csv module refuses) until the row is built


class Rows:
    """The rows of an open file, in order; the file stays open until they are exhausted or
    `close` is called. `read` is how many bytes of the file were read so far (progress)."""

    def __init__(self, rows: Iterator[Row], lines: _Lines) -> None:
        self._rows = rows
        self._lines = lines

    def __iter__(self) -> Iterator[Row]:
        return self._rows  # iterating costs nothing more than the generator itself

    def __next__(self) -> Row:
        return next(self._rows)

    @property
    def read(self) -> int:
        return self._lines.read

    def close(self) -> None:
        self._rows.close()  # type: ignore[attr-defined]


def open_rows(path: Path, dialect: Dialect) -> tuple[list[str], Rows]:
    """The file's header (names stripped, in lower case) and its rows."""
    csv.field_size_limit(RECORD_LIMIT)  # the module's limit (global); FIELD_LIMIT is ours
    try:
        stream = open(path, "rb")  # noqa: SIM115 - closed by the rows' generator
    except OSError as exc:
        raise ImportFileError(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        lines = _Lines(stream, dialect.encoding)
        reader = csv.reader(
            chain.from_iterable(lines.blocks()),
            delimiter=dialect.delimiter,
            skipinitialspace=True,
            strict=True,
        )
        header = _header(reader)
    except BaseException:
        stream.close()
        raise
    return header, Rows(_rows(stream, reader, lines, header), lines)


class _Lines:
    """The file's physical lines (ended by a line feed), a block at a time."""

    def __init__(self, stream: BinaryIO, encoding: str) -> None:
        self.stream = stream
        self.bom = encoding == "utf-8-sig"
        self.encoding = "utf-8" if self.bom else encoding
        self.done = 0  # lines in the blocks already decoded
        self.read = 0  # bytes read from the file
        #: the last line of the latest block with a NUL byte or a line longer than a field
        #: may be: records up to there are looked at closely
        self.suspect = 0
        #: the file's last line when no line break ends it (0 otherwise)
        self.unended = 0

    def blocks(self) -> Iterator[io.StringIO]:
        carry = b""
        first = True
        while True:
            data = self.stream.read(BLOCK)
            self.read += len(data)
            if first:
                first = False
                if self.bom and data.startswith(codecs.BOM_UTF8):
                    data = data[len(codecs.BOM_UTF8) :]
            if not data:
                if carry:
                    block = self._block(carry)
                    if not carry.endswith(b"\r"):
                        self.unended = self.suspect = self.done + 1
                    yield block
                return
            data = carry + data if carry else data
            cut = data.rfind(b"\n") + 1
            if cut == 0:
                carry = data
                if len(carry) > RECORD_LIMIT:
                    raise ImportFileError(
                        f"line {self.done + 1} is longer than {RECORD_LIMIT:,} characters: "
                        "not a CSV file of records"
                    )
                continue
            carry = data[cut:]
            yield self._block(data[:cut])

    def _block(self, data: bytes) -> io.StringIO:
        try:
            text = data.decode(self.encoding)
        except UnicodeDecodeError as exc:
            line = self.done + data.count(b"\n", 0, exc.start) + 1
            raise ImportFileError(
                f"line {line}: byte 0x{data[exc.start]:02x} is not valid {self.encoding} "
                "(the file mixes encodings, or declare --encoding)"
            ) from None
        count = data.count(b"\n")
        if "\0" in text:
            text = text.replace("\0", _NUL)
            self.suspect = self.done + count + 1
        elif len(text) > FIELD_LIMIT:
            self.suspect = self.done + count + 1  # a line may be longer than a field
        self.done += count
        return io.StringIO(text, newline="\n")


def _header(reader: Iterator[list[str]]) -> list[str]:
    """The first non-blank record: column names, stripped and in lower case."""
    while True:
        try:
            fields = next(reader)
        except StopIteration:
            raise ImportFileError("the file has no header line") from None
        except csv.Error as exc:
            line = reader.line_num  # type: ignore[attr-defined]
            raise ImportFileError(f"line {line}: the header cannot be read: {exc}") from None
        if any(field.strip() for field in fields):
            break
    line = reader.line_num  # type: ignore[attr-defined]
    names = [field.strip().lstrip("\ufeff").strip().lower() for field in fields]
    if any(_NUL in name for name in names):
        raise ImportFileError(f"line {line}: the header contains a NUL byte")
    empty = [str(i) for i, name in enumerate(names, 1) if not name]
    if empty:
        raise ImportFileError(f"line {line}: the header has no name for column {', '.join(empty)}")
    twice = sorted({name for name in names if names.count(name) > 1})
    if twice:
        raise ImportFileError(f"line {line}: columns named twice: {', '.join(twice)}")
    return names


def _rows(
    stream: BinaryIO, reader: Iterator[list[str]], lines: _Lines, header: list[str]
) -> Iterator[Row]:
    width = len(header)
    strip = str.strip
    new = tuple.__new__  # a Row without its Python-level constructor
    last = reader.line_num  # type: ignore[attr-defined]
    try:
        while True:
            try:
                for fields in reader:
                    start = last + 1
                    last = reader.line_num  # type: ignore[attr-defined]
                    if len(fields) == width and start == last and start > lines.suspect:
                        values = dict(zip(header, map(strip, fields), strict=False))
                        if any(values.values()):  # else a row of empty cells
                            yield new(Row, (start, values))
                    else:
                        row = _checked(fields, start, header, last == lines.unended)
                        if row is not None:
                            yield row
                return
            except csv.Error as exc:
                start = last + 1
                last = reader.line_num  # type: ignore[attr-defined]
                if "field limit" in str(exc):  # inside quotes, maybe: records are lost
                    raise ImportFileError(
                        f"line {start}: a field longer than {RECORD_LIMIT:,} characters "
                        "(a quote that is never closed?)"
                    ) from None
                yield Row(start, {MALFORMED: f"the record cannot be read: {exc}"})
    finally:
        stream.close()


def _checked(fields: list[str], line: int, header: list[str], unended: bool) -> Row | None:
    """A record off the fast path: blank (None), damaged (marked), or complete after all.

    The file's last record is refused when no line break ends it: a file cut short
    (`…,38` cut to `…,3`) looks exactly like that, and a cut value is a wrong invoice."""
    if not any(field.strip() for field in fields):
        return None  # a blank line
    problems = []
    if unended:
        problems.append(
            "the file ends in this row without a line break: it may have been cut short "
            "(end the row with a line break if it is complete)"
        )
    if any(_NUL in field for field in fields):
        problems.append("the record contains a NUL byte")
        fields = [field.replace(_NUL, "") for field in fields]
    for i, field in enumerate(fields):
        if len(field) > FIELD_LIMIT:
            name = header[i] if i < len(header) else f"field {i + 1}"
            name = name if len(name) <= 60 else name[:57] + "..."  # a message, not a field
            problems.append(f"{name}: {len(field):,} characters, more than {FIELD_LIMIT:,}")
            fields[i] = ""  # not kept: a batch of such rows would fill the memory
    if len(fields) != len(header):
        problems.append(f"{len(fields)} fields where the header has {len(header)}")
    values = dict(zip(header, (field.strip() for field in fields), strict=False))
    if problems:
        values[MALFORMED] = "; ".join(problems)
    return Row(line, values)

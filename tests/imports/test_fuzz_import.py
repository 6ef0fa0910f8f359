"""Damaged files (cut short, mixed encodings, stray quotes, NUL bytes, huge fields, random
bytes): the reader never crashes and never yields half a record, and an import stores each
row whole or not at all."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select
from sqlmodel import Session

from cn285.hub.imports import reader
from cn285.hub.imports.dialect import ImportFileError, detect
from cn285.hub.imports.engine import run_import
from cn285.hub.imports.kinds import kind
from cn285.hub.imports.reader import MALFORMED, open_rows
from cn285.hub.imports.values import make_values
from cn285.hub.services.sample import populate
from cn285.hub.store import models
from cn285.hub.store.database import open_engine

HEADER = ["line", "id", "at", "quantity", "properties"]
FIELD_LIMIT = 300  # small limits, so that huge fields and records are cheap to make
RECORD_LIMIT = 5_000

texts = st.text(
    st.characters(codec="cp1252", exclude_characters="\r"), max_size=30
)  # what both encodings can hold


@st.composite
def usage_files(draw) -> tuple[bytes, list[list[str]], str]:
    """A well-formed usage file in a drawn dialect, its records and its encoding."""
    delimiter = draw(st.sampled_from([",", ";", "\t"]))
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "cp1252"]))
    comma = delimiter != "," and draw(st.booleans())
    records = []
    for n in range(draw(st.integers(1, 12))):
        quantity = str(draw(st.decimals(0, 10_000, places=2)))
        note = draw(texts)
        properties = json.dumps({"note": note}, ensure_ascii=False) if note else ""
        records.append(
            [
                f"K000000{n % 4}/L2",
                f"e{n}",
                f"2026-01-2{n % 9}T10:{n % 60:02d}:00Z",
                quantity.replace(".", ",") if comma else quantity,
                properties,
            ]
        )
    stream = io.StringIO(newline="")
    writer = csv.writer(
        stream, delimiter=delimiter, lineterminator=draw(st.sampled_from(["\r\n", "\n"]))
    )
    writer.writerows([HEADER, *records])
    return stream.getvalue().encode(encoding), records, encoding


def _insert(data: bytes, at: int, piece: bytes) -> bytes:
    return data[:at] + piece + data[at:]


DAMAGES = {
    "cut": lambda data, at, _: data[:at],
    "drop": lambda data, at, size: data[:at] + data[at + size :],
    "quote": lambda data, at, _: _insert(data, at, b'"'),
    "nul": lambda data, at, _: _insert(data, at, b"\x00"),
    "cp1252": lambda data, at, _: _insert(data, at, "é€".encode("cp1252")),
    "utf8": lambda data, at, _: _insert(data, at, "é€".encode()),
    "undecodable": lambda data, at, _: _insert(data, at, b"\x81\x8d"),
    "newline": lambda data, at, _: _insert(data, at, b"\n"),
    "cr": lambda data, at, _: _insert(data, at, b"\r"),
    "delimiter": lambda data, at, _: _insert(data, at, b";,\t"),
    "huge": lambda data, at, size: _insert(data, at, b"x" * (FIELD_LIMIT + size)),
    "huge quoted": lambda data, at, size: _insert(
        data, at, b'"' + b"y\n" * (FIELD_LIMIT + size) + b'"'
    ),
    "unclosed": lambda data, at, _: _insert(data, at, b'"' + b"z" * (RECORD_LIMIT * 2)),
}


@st.composite
def damaged_files(draw) -> bytes:
    data, _, _ = draw(usage_files())
    for name in draw(st.lists(st.sampled_from(sorted(DAMAGES)), max_size=4)):
        at = draw(st.integers(0, len(data)))
        data = DAMAGES[name](data, at, draw(st.integers(1, 50)))
    if draw(st.booleans()):
        data = data + draw(st.binary(max_size=40))
    return data


@contextmanager
def small_limits(block: int) -> Iterator[None]:
    limit = csv.field_size_limit()
    try:
        with (
            mock.patch.object(reader, "FIELD_LIMIT", FIELD_LIMIT),
            mock.patch.object(reader, "RECORD_LIMIT", RECORD_LIMIT),
            mock.patch.object(reader, "BLOCK", block),
        ):
            yield
    finally:
        csv.field_size_limit(limit)


FUZZ = settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@FUZZ
@given(data=damaged_files(), block=st.sampled_from([7, 64, 4096, 1 << 18]))
def test_the_reader_never_crashes_nor_yields_half_a_record(tmp_path_factory, data, block):
    path = tmp_path_factory.mktemp("fuzz") / "damaged.csv"
    path.write_bytes(data)
    with small_limits(block):
        try:
            dialect = detect(path)
            header, rows = open_rows(path, dialect)
            previous = 1
            for row in rows:
                assert row.line > previous
                previous = row.line
                if MALFORMED in row.values:
                    assert all(len(v) <= FIELD_LIMIT for v in row.values.values() if v)
                    continue
                assert list(row.values) == header
                for value in row.values.values():
                    assert "\x00" not in value and "\ufffe" not in value
                    assert len(value) <= FIELD_LIMIT and value == value.strip()
        except ImportFileError:
            pass


@FUZZ
@given(file=usage_files(), block=st.sampled_from([7, 64, 4096, 1 << 18]))
def test_an_undamaged_file_reads_back_exactly(tmp_path_factory, file, block):
    data, records, encoding = file
    path = tmp_path_factory.mktemp("fuzz") / "usage.csv"
    path.write_bytes(data)
    with small_limits(block):
        dialect = detect(path)
        assert dialect.encoding == encoding or {dialect.encoding, encoding} == {
            "utf-8",
            "cp1252",  # an ASCII-only file is both; a cp1252 file may be valid UTF-8
        }
        header, rows = open_rows(path, dialect)
        read = [[row.values[name] for name in header] for row in rows]
    assert header == HEADER
    # the cells as the detected encoding reads their bytes: the same text, unless a
    # cp1252 file's bytes happen to be valid UTF-8 (e0 a0 a0: "à" and two no-break spaces,
    # or U+0820), which no reader can tell apart
    codec = "utf-8" if dialect.encoding == "utf-8-sig" else dialect.encoding
    written = "utf-8" if encoding == "utf-8-sig" else encoding
    expected = [[cell.encode(written).decode(codec).strip() for cell in r] for r in records]
    assert read == expected


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    """A SQLite store with the contracts the generated files name (hypothesis runs many
    examples on one store: each starts without usage)."""
    engine = open_engine(f"sqlite:///{tmp_path_factory.mktemp('store') / 'cn285.db'}")
    populate(engine, 4, usage_months=0)
    yield engine
    engine.dispose()


def stored(engine) -> dict[tuple[str, str], tuple[Any, ...]]:
    with Session(engine) as session:
        return {
            (r.line_ref, r.client_id): (r.at, r.quantity, r.properties)
            for r in session.scalars(select(models.UsageRecord))
        }


def accepted(engine, path: Path) -> dict[tuple[str, str], tuple[Any, ...]]:
    """What the kind accepts of the file, row by row, read-only: (line, id) -> record (the
    first of a key wins, as the store keeps the first)."""
    dialect = detect(path)
    _, rows = open_rows(path, dialect)
    good = [row for row in rows if MALFORMED not in row.values]
    with Session(engine) as session:
        verdict = kind("usage").check(session, good, make_values(dialect))
    records: dict[tuple[str, str], tuple[Any, ...]] = {}
    for _, r in verdict.accepted:
        records.setdefault((r.ref, r.client_id), (r.at, r.quantity, r.properties))
    return records


def import_damaged(engine, path: Path) -> dict[tuple[str, str], tuple[Any, ...]] | None:
    """Import `path` in recovery mode into an empty store: what is stored, or None when the
    file is refused as a whole."""
    with Session(engine) as session:
        session.execute(delete(models.UsageRecord))
        session.commit()
    try:
        run_import(engine, "usage", path, mode="recovery", rejects=path.with_suffix(".rej"))
    except ImportFileError:
        assert stored(engine) == {}
        return None
    return stored(engine)


KIND_FUZZ = settings(FUZZ, max_examples=60)


@KIND_FUZZ
@given(data=damaged_files())
def test_an_import_stores_each_row_whole_or_not_at_all(store, tmp_path_factory, data):
    path = tmp_path_factory.mktemp("fuzz") / "damaged.csv"
    path.write_bytes(data)
    with small_limits(1 << 18):
        result = import_damaged(store, path)
        if result is None:
            return
        assert result == accepted(store, path)


@KIND_FUZZ
@given(file=usage_files(), cut=st.floats(0, 1))
def test_a_file_cut_anywhere_imports_only_whole_rows(store, tmp_path_factory, file, cut):
    data, records, _ = file
    path = tmp_path_factory.mktemp("fuzz") / "cut.csv"
    path.write_bytes(data[: int(len(data) * cut)])
    result = import_damaged(store, path)
    if result is None:
        return
    decimal = "," if any("," in r[3] for r in records) else "."
    originals = {
        (line, ident): (
            dt.datetime.fromisoformat(at),
            Decimal(quantity.replace(decimal, ".")),
            json.loads(properties) if properties else None,
        )
        for line, ident, at, quantity, properties in records
    }
    for key, record in result.items():
        assert originals[key][0] == record[0]
        assert originals[key][1] == record[1]
        assert originals[key][2] == (record[2] or None) or (
            originals[key][2] == {"note": ""} and record[2] is None
        )

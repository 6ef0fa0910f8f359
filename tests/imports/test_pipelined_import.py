"""An independent kind (usage) is checked while a writer thread stores the previous batch:
the same results as one thread, a failure on either side stops the import and leaves
whole batches (recovery) or nothing (strict), and a billing run committing between a
batch's check and its write is caught; on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import gc
import threading
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlmodel import Session

from cn285.hub.imports import dialect, reader
from cn285.hub.imports import engine as import_engine
from cn285.hub.imports.dialect import ImportFileError
from cn285.hub.imports.engine import run_import
from cn285.hub.imports.kinds import usage as usage_kind
from cn285.hub.imports.writer import Writer
from cn285.hub.services import usage
from cn285.hub.services.billing import run_billing
from cn285.hub.services.errors import Conflict
from cn285.hub.services.sample import populate
from cn285.hub.store import models
from cn285.hub.store.database import session_scope

HEADER = "line,id,at,quantity"


@pytest.fixture
def store(engine):
    """Four contracts K0000000…K0000003 with a usage line L2 (sum) from early January."""
    populate(engine, 4, usage_months=0)
    return engine


def write(path: Path, *rows: str) -> Path:
    path.write_text("\r\n".join((HEADER, *rows)) + "\r\n", encoding="utf-8")
    return path


def rows(count: int, start: int = 0) -> list[str]:
    """`count` records in February over the four contracts; quantity 1 + n % 7."""
    return [
        f"K{n % 4:07d}/L2,r{n},2026-02-{1 + n % 27:02d}T{n % 24:02d}:00:00Z,{1 + n % 7}"
        for n in range(start, start + count)
    ]


def stored(engine) -> dict[tuple[str, str], Decimal]:
    with Session(engine) as session:
        return {
            (r.line_ref, r.client_id): r.quantity
            for r in session.scalars(select(models.UsageRecord))
        }


def test_the_writer_thread_is_used_and_stores_what_one_thread_stores(store, tmp_path):
    assert import_engine._threads_allowed(store)
    path = write(tmp_path / "u.csv", *rows(2_000))

    result = run_import(store, "usage", path, mode="recovery", batch_size=150)

    assert (result.status, result.rows, result.created) == ("imported", 2_000, 2_000)
    records = stored(store)
    assert len(records) == 2_000
    assert sum(records.values()) == sum(Decimal(1 + n % 7) for n in range(2_000))
    again = run_import(store, "usage", path, batch_size=150)
    assert (again.status, again.created, again.unchanged) == ("imported", 0, 2_000)


def test_strict_keeps_nothing_when_the_last_batch_has_an_error(store, tmp_path):
    path = write(tmp_path / "u.csv", *rows(500), "K0000000/L1,bad,2026-02-01T00:00:00Z,1")

    result = run_import(store, "usage", path, batch_size=100)

    assert (result.status, result.created, result.rejected) == ("refused", 0, 1)
    assert stored(store) == {}


def test_a_dry_run_counts_and_stores_nothing(store, tmp_path):
    run_import(store, "usage", write(tmp_path / "first.csv", *rows(100)))
    path = write(tmp_path / "u.csv", *rows(300))

    result = run_import(store, "usage", path, dry_run=True, batch_size=70)

    assert (result.status, result.created, result.unchanged) == ("checked", 200, 100)
    assert len(stored(store)) == 100


@pytest.mark.parametrize("mode", ["strict", "recovery"])
def test_a_file_failing_mid_way_leaves_whole_batches_or_nothing(store, tmp_path, monkeypatch, mode):
    monkeypatch.setattr(dialect, "SAMPLE", 4096)  # detection does not see the bad byte
    monkeypatch.setattr(reader, "BLOCK", 4096)  # which is met after several batches
    good = "\r\n".join((HEADER, *rows(1_000))).encode() + b"\r\n"
    cut = good.index(b"\r\n", 40_000) + 2
    before = good[:cut].count(b"\r\n") - 1  # rows before the bad one
    bad = "K0000000/L2,caf\u00e9,2026-02-01T00:00:00Z,1\r\n".encode("cp1252")
    path = tmp_path / "u.csv"
    path.write_bytes(good[:cut] + bad + good[cut:])

    with pytest.raises(ImportFileError, match="is not valid utf-8"):
        run_import(store, "usage", path, mode=mode, batch_size=100, declared={"encoding": "utf-8"})

    records = stored(store)
    if mode == "strict":
        assert records == {}
    else:  # the batches read before the bad block, whole
        assert len(records) % 100 == 0 and 100 <= len(records) <= before
        assert set(records) == {(f"K{n % 4:07d}/L2", f"r{n}") for n in range(len(records))}


def test_a_failure_in_the_writer_stops_the_import(store, tmp_path, monkeypatch):
    calls = {"n": 0}
    real = usage_kind.KIND.write

    def failing(self, session, records, actor):
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("disk full")
        return real(self, session, records, actor)

    monkeypatch.setattr(usage_kind.KIND, "write", failing)
    path = write(tmp_path / "u.csv", *rows(1_000))

    with pytest.raises(RuntimeError, match="disk full"):
        run_import(store, "usage", path, mode="recovery", batch_size=100)

    assert len(stored(store)) == 200  # the two batches written before, whole
    assert calls["n"] == 3  # the writer stopped at its failure


def test_a_period_invoiced_between_a_batch_check_and_its_write_stops_the_import(
    store, tmp_path, monkeypatch
):
    """Batch 2 is checked before a billing run invoices January; batch 1 (February, same
    contract) locks the contract first: batch 2's write must still read the invoices again."""
    gate = threading.Event()
    checks = {"n": 0}
    real_check, real_write = usage_kind.KIND.check, usage_kind.KIND.write

    def check(self, session, batch, values):
        verdict = real_check(self, session, batch, values)
        checks["n"] += 1
        if checks["n"] == 2:  # both batches checked, neither written
            with session_scope(store) as other:
                usage.ingest(
                    other,
                    [
                        {
                            "line": "K0000000/L2",
                            "id": "api",
                            "at": "2026-01-10T00:00:00Z",
                            "quantity": "5",
                        }
                    ],
                )
            run_billing(store, dt.date(2026, 2, 1))
            gate.set()
        return verdict

    def write(self, session, records, actor):
        assert gate.wait(30)
        return real_write(self, session, records, actor)

    monkeypatch.setattr(usage_kind.KIND, "check", check)
    monkeypatch.setattr(usage_kind.KIND, "write", write)
    path = write_file = tmp_path / "u.csv"
    write_file.write_text(
        f"{HEADER}\r\nK0000000/L2,feb,2026-02-20T10:00:00Z,5\r\n"
        "K0000000/L2,jan,2026-01-25T10:00:00Z,5\r\n",
        encoding="utf-8",
    )

    with pytest.raises(Conflict, match=r"jan.*invoiced during the import"):
        run_import(store, "usage", path, batch_size=1)

    assert set(stored(store)) == {("K0000000/L2", "api")}


def test_the_collector_threshold_is_restored_after_an_import(store, tmp_path):
    before = gc.get_threshold()
    run_import(store, "usage", write(tmp_path / "u.csv", *rows(10)))
    with pytest.raises(ImportFileError):
        run_import(store, "usage", tmp_path / "missing.csv")
    assert gc.get_threshold() == before


def test_the_writer_rolls_back_when_the_engine_fails(store):
    writer = Writer(store, usage_kind.KIND(), "test", atomic=True)
    with pytest.raises(KeyError), writer:
        writer.put([])
        raise KeyError("the engine's own failure")
    assert not writer._thread.is_alive()
    with Session(store) as session:
        assert session.scalar(select(func.count()).select_from(models.UsageRecord)) == 0


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    count=st.integers(0, 400),
    batch=st.integers(1, 120),
    mode=st.sampled_from(["strict", "recovery"]),
)
def test_any_batch_size_stores_every_row_once(store, tmp_path, count, batch, mode):
    with session_scope(store) as session:
        session.execute(models.UsageRecord.__table__.delete())  # type: ignore[attr-defined]
    path = write(tmp_path / "u.csv", *rows(count))

    result = run_import(store, "usage", path, mode=mode, batch_size=batch)

    records = stored(store)
    assert (result.rows, result.created, len(records)) == (count, count, count)
    assert sum(records.values(), Decimal(0)) == sum(
        (Decimal(1 + n % 7) for n in range(count)), Decimal(0)
    )


@settings(max_examples=300, deadline=None)
@given(
    moment=st.datetimes(
        min_value=dt.datetime(1, 1, 2),
        max_value=dt.datetime(9999, 12, 30),
        timezones=st.timezones(),
    )
)
def test_sqlite_writes_each_instant_as_the_driver_stores_it(moment):
    """The SQLite statement formats instants itself (outside Python's lock): the text must
    be the column type's and the driver's, to the microsecond, whatever the offset."""
    import json
    import sqlite3

    from cn285.hub.store.types import UTCDateTime

    expected = sqlite3.adapters[(dt.datetime, sqlite3.PrepareProtocol)](
        UTCDateTime().process_bind_param(moment, None)
    )
    row = json.loads(usage_kind._json_rows([_record(moment)]))[0]
    connection = sqlite3.connect(":memory:")
    sql = f"SELECT {usage_kind._instant_sql(2, 3)} FROM json_each(?)"
    assert connection.execute(sql, (json.dumps([row]),)).fetchone()[0] == expected


def _record(moment: dt.datetime) -> usage_kind.Record:
    return usage_kind.Record(
        "K/L", "id", moment, None, Decimal(1), None, "K", moment.date(), progressive=False
    )


def test_records_already_stored_in_any_batch_are_counted_unchanged(store, tmp_path):
    """PostgreSQL copies straight into the table until a batch meets a stored record; that
    batch and the next ones go through the conflict-ignoring insert: counts stay exact."""
    run_import(store, "usage", write(tmp_path / "some.csv", *rows(50, start=120)))
    path = write(tmp_path / "u.csv", *rows(300), *rows(5, start=10))  # 5 twice in the file

    result = run_import(store, "usage", path, batch_size=100)

    assert (result.created, result.unchanged) == (250, 55)
    assert len(stored(store)) == 300


def test_each_line_keeps_the_file_order_of_its_records(store, tmp_path):
    """Records are stored line after line (the unique index's order), but a line's own
    records keep the file's order: it is their order of arrival, which breaks ties between
    records of the same instant (`last`)."""
    same = "2026-02-10T10:00:00Z"
    path = write(
        tmp_path / "u.csv",
        f"K0000001/L2,z,{same},5",
        f"K0000000/L2,y,{same},1",
        f"K0000001/L2,a,{same},9",
        f"K0000000/L2,b,{same},2",
        f"K0000001/L2,m,{same},7",
    )
    run_import(store, "usage", path)
    with Session(store) as session:
        order = session.execute(
            select(models.UsageRecord.line_ref, models.UsageRecord.client_id).order_by(
                models.UsageRecord.id
            )
        ).all()
    by_line: dict[str, list[str]] = {}
    for line, client_id in order:
        by_line.setdefault(line, []).append(client_id)
    assert by_line == {"K0000001/L2": ["z", "a", "m"], "K0000000/L2": ["y", "b"]}


def test_bulk_writes_restore_the_connection_settings(engine):
    """SQLite: a bigger page cache and a later log copy while writing in bulk, both restored
    after; PostgreSQL: nothing to change. Either way no transaction is left open."""
    from cn285.hub.store.database import bulk_writes

    names = ("cache_size", "wal_autocheckpoint")
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        before = (
            [connection.exec_driver_sql(f"PRAGMA {n}").scalar() for n in names] if sqlite else []
        )
        connection.commit()
        with bulk_writes(connection):
            assert not connection.in_transaction()
            if sqlite:
                assert connection.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 16_384
                assert connection.exec_driver_sql("PRAGMA cache_size").scalar() == -16384
        assert not connection.in_transaction()
        after = (
            [connection.exec_driver_sql(f"PRAGMA {n}").scalar() for n in names] if sqlite else []
        )
        assert after == before

"""A billing run killed anywhere and started again issues each invoice exactly once."""

from __future__ import annotations

import datetime as dt
import signal
import subprocess
import sys
import time
from collections import Counter

from sqlalchemy import func, select
from sqlmodel import Session

from cn285.billing_core.engine import bill
from cn285.hub.services.billing import invoice_key
from cn285.hub.services.book import Catalog, load_book
from cn285.hub.services.sample import populate
from cn285.hub.store import models
from tests.conftest import ROOT

UNTIL = dt.date(2026, 3, 1)


def expected(engine) -> dict[str, tuple]:
    with Session(engine) as session:
        codes = set(session.scalars(select(models.Contract.code)))
        book = load_book(session, codes, Catalog.load(session))
    return {invoice_key(inv): (inv.kind, inv.total) for inv in bill(book, UNTIL)}


def run_cli(db_url: str) -> subprocess.Popen:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "cn285",
            "bill",
            "--until",
            UNTIL.isoformat(),
            "--db",
            db_url,
            "--batch",
            "40",
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def counts(engine) -> tuple[int, int]:
    """Invoices stored, and of those numbered (issued)."""
    with Session(engine) as session:
        stored = session.scalar(select(func.count()).select_from(models.Invoice))
        numbered = session.scalar(
            select(func.count())
            .select_from(models.Invoice)
            .where(models.Invoice.number.is_not(None))
        )
    return stored or 0, numbered or 0


def kill_when(engine, db_url: str, ready) -> bool:
    """Start a run and SIGKILL it as soon as `ready(stored, numbered)`; False if it ended."""
    process = run_cli(db_url)
    deadline = time.monotonic() + 300
    while process.poll() is None and time.monotonic() < deadline:
        if ready(*counts(engine)):
            process.send_signal(signal.SIGKILL)
            process.wait()
            return True
        time.sleep(0.01)
    process.wait()
    return False


def test_killed_runs_resume_and_issue_each_invoice_once(engine, db_url):
    populate(engine, 2000)
    want = expected(engine)
    total = len(want)
    kills = [
        kill_when(engine, db_url, lambda stored, numbered: stored >= total // 5),
        kill_when(engine, db_url, lambda stored, numbered: stored >= total // 2),
        kill_when(engine, db_url, lambda stored, numbered: numbered > 0),  # while numbering
    ]
    assert kills[:2] == [True, True], "the runs finished before they could be killed"
    final = run_cli(db_url)
    _out, err = final.communicate(timeout=600)
    assert final.returncode == 0, err.decode()
    with Session(engine) as session:
        rows = session.scalars(select(models.Invoice)).all()
    got = {row.key: (row.kind, row.total) for row in rows}
    assert got == want  # nothing missing, nothing twice, same amounts
    numbers = Counter()
    for row in rows:
        assert row.number is not None and row.issued_at is not None
        series, number = row.number.split("-")
        numbers[series] += 1
        assert 1 <= int(number) <= len(rows)
    by_series = {}
    for row in rows:
        series, number = row.number.split("-")
        by_series.setdefault(series, []).append((int(number), row.date))
    for series, pairs in by_series.items():
        pairs.sort()
        assert [n for n, _ in pairs] == list(range(1, len(pairs) + 1)), series  # no gap
        dates = [d for _, d in pairs]
        assert dates == sorted(dates), series  # numbered in date order


def test_worker_processes_issue_the_same_invoices_once(engine):
    populate(engine, 400)
    want = expected(engine)
    from cn285.hub.services.billing import run_billing

    result = run_billing(engine, UNTIL, batch_size=30, workers=2)
    assert result.errors == [] and sum(result.issued.values()) == len(want)
    with Session(engine) as session:
        got = {row.key: (row.kind, row.total) for row in session.scalars(select(models.Invoice))}
    assert got == want
    assert run_billing(engine, UNTIL, workers=2).issued == {}


def test_a_change_while_a_batch_is_computed_is_not_lost(engine, monkeypatch):
    """Usage accepted between a batch's computation and its write is billed: the write sees
    the contract's version moved and computes again under lock."""
    from cn285.hub.services import billing
    from cn285.hub.services.usage import ingest
    from cn285.hub.store.database import session_scope

    populate(engine, 3)
    original = billing._compute
    calls = []

    def compute_then_usage_arrives(session, codes, until, catalog):
        answer = original(session, codes, until, catalog)
        if not calls:
            with session_scope(engine) as other:
                ingest(
                    other,
                    [
                        {
                            "line": "K0000000/L2",
                            "id": "late",
                            "quantity": "5000",
                            "at": "2026-01-29T10:00:00+00:00",
                        }
                    ],
                )
        calls.append(codes)
        return answer

    monkeypatch.setattr(billing, "_compute", compute_then_usage_arrives)
    billing.run_billing(engine, UNTIL, batch_size=10)
    assert len(calls) == 2  # computed again once it saw the change
    assert {k: v for k, v in expected(engine).items()} == {
        row.key: (row.kind, row.total) for row in Session(engine).scalars(select(models.Invoice))
    }

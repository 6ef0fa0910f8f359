"""Revenue recognition over N invoice lines: the pure schedule, a month close of the store,
the same close again, and the store's waterfall; print lines per second and peak memory.

    python bench/bench_revrec.py [--lines 1000000]

Invoices of 4 lines are dated every day from 1 July 2025 to 30 June 2026 (EUR, one in
twenty a credit note with negative lines). Lines mix recurring service of 1, 3 and 12
months billed in advance, cascade lines over a month, usage billed in arrears for the
month before and one-shots. The store (SQLite, in a temporary folder) is written by bulk
inserts in another process; June 2026 is then closed: the first close catches up every
month, so every line is read, scheduled and posted. Each measure runs in a fresh process,
so that its peak memory is its own.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

from dateutil.relativedelta import relativedelta
from sqlalchemy import func, insert, select
from sqlmodel import Session

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import machine, peak_rss_mb

from cn285.billing_core.revrec import AccountPlan, RevenueLine, schedule
from cn285.hub.services.revrec import close_month
from cn285.hub.services.waterfall import store_waterfall
from cn285.hub.store import models
from cn285.hub.store.database import open_engine

FIRST_DAY = dt.date(2025, 7, 1)
CLOSED = dt.date(2026, 6, 1)  # the month closed: every invoice is dated up to its end
LINES_PER_INVOICE = 4
CREDIT_NOTE_EVERY = 20  # invoices
BATCH = 10_000  # lines built, scheduled or inserted at a time
# (line kind, months of service): the mix repeats every ten lines
MIX = [
    ("recurring", 1),
    ("recurring", 1),
    ("recurring", 1),
    ("recurring", 3),
    ("recurring", 3),
    ("recurring", 12),
    ("cascade", 1),
    ("usage", 1),
    ("usage", 1),
    ("one_shot", 0),
]


def documents(total_lines: int) -> Iterator[tuple[dict, list[dict]]]:
    """(invoice, its lines) as row values, deterministic in their index."""
    for index in range(-(-total_lines // LINES_PER_INVOICE)):
        day = FIRST_DAY + dt.timedelta(days=index % 365)
        credit = index % CREDIT_NOTE_EVERY == CREDIT_NOTE_EVERY - 1
        sign = -1 if credit else 1
        lines = []
        first = index * LINES_PER_INVOICE
        for n in range(first, min(first + LINES_PER_INVOICE, total_lines)):
            kind, months = MIX[n % len(MIX)]
            if kind == "usage":  # in arrears: the month before the invoice
                start = (day - relativedelta(months=1)).replace(day=1)
                end = day.replace(day=1) - dt.timedelta(days=1)
            elif months:
                start, end = day, day + relativedelta(months=months) - dt.timedelta(days=1)
            else:
                start = end = day
            cents = sign * (1_000 + (n * 7_919) % 500_000)
            tax_cents = sign * ((abs(cents) * 20 + 50) // 100)  # 20 %, half up
            lines.append(
                {
                    "id": n + 1,
                    "invoice_id": index + 1,
                    "position": n - first + 1,
                    "line_ref": f"K{index % 50_000:06d}/L{n - first + 1}",
                    "contract_code": f"K{index % 50_000:06d}",
                    "item_code": kind.upper(),
                    "description": f"{kind} {start} – {end}",
                    "kind": kind,
                    "start": start,
                    "end": end,
                    "quantity": Decimal(1),
                    "unit_price": Decimal(cents).scaleb(-2),
                    "amount": Decimal(cents).scaleb(-2),
                    "tax_rate": Decimal(20),
                    "tax": Decimal(tax_cents).scaleb(-2),
                    "adjustment": False,
                }
            )
        excl = sum((line["amount"] for line in lines), Decimal(0))
        tax = sum((line["tax"] for line in lines), Decimal(0))
        stamp = dt.datetime.combine(day, dt.time(6), tzinfo=dt.UTC)
        invoice = {
            "id": index + 1,
            "key": f"C{index % 50_000:06d}|K{index % 50_000:06d}|{day}|EUR|{index}",
            "number": f"{'CN' if credit else 'INV'}-{index + 1:08d}",
            "kind": "credit_note" if credit else "invoice",
            "customer_code": f"C{index % 50_000:06d}",
            "contract_code": f"K{index % 50_000:06d}",
            "date": day,
            "currency": "EUR",
            "tax_regime": "domestic",
            "note": None,
            "total_excl_tax": excl,
            "tax": tax,
            "total": excl + tax,
            "amount_paid": Decimal(0),
            "payment_status": "not_paid",
            "run_id": None,
            "created_at": stamp,
            "issued_at": stamp,
        }
        yield invoice, lines


def revenue_lines(total_lines: int) -> Iterator[RevenueLine]:
    """The same lines as revenue lines, built on the fly (nothing stored)."""
    for invoice, lines in documents(total_lines):
        for line in lines:
            yield RevenueLine(
                invoice_number=invoice["number"],
                invoice_date=invoice["date"],
                kind=invoice["kind"],
                position=line["position"],
                item_code=line["item_code"],
                line_kind=line["kind"],
                start=line["start"],
                end=line["end"],
                amount=line["amount"],
                tax=line["tax"],
                currency=invoice["currency"],
                customer=invoice["customer_code"],
            )


def populate(url: str, total_lines: int) -> None:
    """Bulk-insert the invoices and lines, a batch at a time (memory stays flat)."""
    engine = open_engine(url)
    invoices: list[dict] = []
    lines: list[dict] = []

    def flush() -> None:
        with engine.begin() as connection:
            connection.execute(insert(models.Invoice.__table__), invoices)  # type: ignore[attr-defined]
            connection.execute(insert(models.InvoiceLine.__table__), lines)  # type: ignore[attr-defined]
        invoices.clear()
        lines.clear()

    for invoice, its_lines in documents(total_lines):
        invoices.append(invoice)
        lines.extend(its_lines)
        if len(lines) >= BATCH * 5:
            flush()
    if lines:
        flush()
    engine.dispose()


def measure_schedule(total_lines: int) -> dict:
    """schedule() alone, over lines built a batch at a time outside the timed part."""
    built = scheduled = 0.0
    recognitions = 0
    lines = revenue_lines(total_lines)
    while True:
        started = time.perf_counter()
        batch = [line for _, line in zip(range(BATCH), lines, strict=False)]
        built += time.perf_counter() - started
        if not batch:
            break
        started = time.perf_counter()
        for line in batch:
            recognitions += len(schedule(line))
        scheduled += time.perf_counter() - started
    return {
        "lines": total_lines,
        "build": built,
        "schedule": scheduled,
        "recognitions": recognitions,
        "peak": peak_rss_mb(),
    }


def measure_close(url: str) -> dict:
    engine = open_engine(url)
    with Session(engine) as session:
        lines = session.scalar(select(func.count()).select_from(models.InvoiceLine))
    before = peak_rss_mb()
    started = time.perf_counter()
    first = close_month(engine, CLOSED, AccountPlan())
    first_seconds = time.perf_counter() - started
    peak = peak_rss_mb()
    started = time.perf_counter()
    again = close_month(engine, CLOSED, AccountPlan())
    again_seconds = time.perf_counter() - started
    assert first.created and not again.created and again.recognised == first.recognised
    with Session(engine) as session:
        postings = session.scalar(select(func.count()).select_from(models.RevrecPosting))
    return {
        "lines": lines,
        "postings": postings,
        "recognised": str(first.recognised),
        "entry_lines": len(first.entry.lines) if first.entry else 0,
        "first": first_seconds,
        "again": again_seconds,
        "memory_before": before,
        "memory_peak": peak,
    }


def measure_waterfall(url: str) -> dict:
    engine = open_engine(url)
    before = peak_rss_mb()
    started = time.perf_counter()
    rows = store_waterfall(engine, FIRST_DAY, CLOSED)
    seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "months": len(rows),
        "recognised": str(sum((r.recognised for r in rows), Decimal(0))),
        "closing": str(rows[-1].closing),
        "memory_before": before,
        "memory_peak": peak_rss_mb(),
    }


def fresh(*arguments: str) -> dict:
    """Run one measure in a new process and read its JSON result."""
    command = [sys.executable, __file__, *arguments]
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main(total_lines: int) -> None:
    print(f"machine              {machine()}")
    s = fresh("--measure", "schedule", "--lines", str(total_lines))
    print(
        f"schedule()           {s['lines']:,} lines in {s['schedule']:.1f} s: "
        f"{s['lines'] / s['schedule']:,.0f} lines/s ({s['recognitions']:,} recognitions; "
        f"building the RevenueLines {s['lines'] / s['build']:,.0f} lines/s, not counted), "
        f"peak memory {s['peak']:,.0f} MB"
    )
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/bench.db"
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, __file__, "--populate", "--lines", str(total_lines), "--db", url],
            check=True,
        )
        print(f"store populated      {time.perf_counter() - started:.1f} s (bulk inserts, SQLite)")
        c = fresh("--measure", "close", "--db", url)
        print(
            f"close {CLOSED:%Y-%m}        {c['lines']:,} lines in {c['first']:.1f} s: "
            f"{c['lines'] / c['first']:,.0f} lines/s ({c['postings']:,} postings, "
            f"{c['recognised']} EUR recognised), peak memory {c['memory_peak']:,.0f} MB "
            f"(at start {c['memory_before']:,.0f} MB)"
        )
        print(f"close again          {c['again'] * 1000:.1f} ms (already closed: nothing posted)")
        w = fresh("--measure", "waterfall", "--db", url)
        print(
            f"store_waterfall()    {w['months']} months over {c['lines']:,} lines in "
            f"{w['seconds']:.1f} s: {c['lines'] / w['seconds']:,.0f} lines/s, peak memory "
            f"{w['memory_peak']:,.0f} MB (at start {w['memory_before']:,.0f} MB); "
            f"deferred at {CLOSED:%Y-%m} end {w['closing']} EUR"
        )
        if w["recognised"] != c["recognised"]:
            raise SystemExit(
                f"the waterfall recognises {w['recognised']} up to {CLOSED:%Y-%m},"
                f" the close posted {c['recognised']}"
            )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--populate", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument(
        "--measure", choices=["schedule", "close", "waterfall"], help=argparse.SUPPRESS
    )
    parser.add_argument("--db", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.populate:
        populate(args.db, args.lines)
    elif args.measure == "schedule":
        print(json.dumps(measure_schedule(args.lines)))
    elif args.measure == "close":
        print(json.dumps(measure_close(args.db)))
    elif args.measure == "waterfall":
        print(json.dumps(measure_waterfall(args.db)))
    else:
        main(args.lines)

"""Ingest usage records through the batch path (the service behind POST /v1/usage/batch)
into SQLite and PostgreSQL; print records per second.

    python bench/bench_ingest.py [--records 1000000] [--batch 10000] [--postgres URL]
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import machine, peak_rss_mb

from cn285.hub.services.sample import populate
from cn285.hub.services.usage import ingest
from cn285.hub.store.database import open_engine, resolve_url, session_scope

CONTRACTS = 10_000


def records(total: int, batch: int):
    """Batches of JSON-like records, as the API hands them to the service."""
    start = dt.datetime(2026, 2, 1, tzinfo=dt.UTC)
    for first in range(0, total, batch):
        yield [
            {
                "line": f"K{n % CONTRACTS:07d}/L2",
                "id": f"b{n}",
                "at": (start + dt.timedelta(seconds=n % 2_000_000)).isoformat(),
                "quantity": str(1 + n % 50),
            }
            for n in range(first, min(first + batch, total))
        ]


def run(url: str, total: int, batch: int) -> float:
    engine = open_engine(url)
    populate(engine, CONTRACTS, usage_months=0)
    elapsed = 0.0
    for part in records(total, batch):
        started = time.perf_counter()
        with session_scope(engine) as session:
            result = ingest(session, part)
        elapsed += time.perf_counter() - started
        assert result.created == len(part)
    engine.dispose()
    return total / elapsed


def postgres_database(url: str) -> str:
    admin = sa.create_engine(resolve_url(url), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text("DROP DATABASE IF EXISTS cn285_bench WITH (FORCE)"))
        connection.execute(sa.text("CREATE DATABASE cn285_bench"))
    admin.dispose()
    return sa.engine.make_url(resolve_url(url)).set(database="cn285_bench").render_as_string(False)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=10_000)
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()
    print(f"machine              {machine()}")
    print(
        f"records              {args.records:,} in batches of {args.batch:,}, "
        f"{CONTRACTS:,} usage lines"
    )
    with tempfile.TemporaryDirectory() as folder:
        rate = run(f"sqlite:///{folder}/bench.db", args.records, args.batch)
    print(f"SQLite               {rate:,.0f} records/s  (target ≥ 200,000)")
    if args.postgres:
        rate = run(postgres_database(args.postgres), args.records, args.batch)
        print(f"PostgreSQL           {rate:,.0f} records/s")
    print(f"peak memory          {peak_rss_mb():,.0f} MB")

"""Initial sync of N customers and N invoices to the Odoo sandbox with injected latency, a
re-run, then an incremental run after 100 changes; print records per second, RPC calls per
pushed record and the calls of each run.

    python bench/bench_sync_odoo.py [--records 10000] [--latency-ms 20]
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import machine, peak_rss_mb
from sqlalchemy import select
from sqlmodel import Session

from cn285.connectors.base import connector_for
from cn285.hub.services.billing import run_billing
from cn285.hub.services.sample import populate
from cn285.hub.store import models
from cn285.hub.store.database import open_engine, session_scope
from cn285.hub.sync.outbox import emit
from cn285.hub.sync.service import sync
from cn285.sandboxes.odoo import OdooSandbox
from cn285.sandboxes.odoo.faults import FaultConfig

WRITES = {"create", "write", "action_post"}


def counting(connector):
    calls: list[str] = []
    original = connector.client.call

    def call(model, method, *args, **kwargs):
        calls.append(method)
        return original(model, method, *args, **kwargs)

    connector.client.call = call
    return calls


def timed_sync(engine, sandbox, streams):
    config = {
        "url": sandbox.url,
        "database": sandbox.database,
        "login": sandbox.login,
        "password": sandbox.password,
    }
    connector = connector_for("odoo", config)
    calls = counting(connector)
    started = time.perf_counter()
    runs = sync(engine, connector, streams)
    seconds = time.perf_counter() - started
    connector.close()
    return runs, calls, seconds


def main(records: int, latency_ms: float) -> None:
    print(f"machine              {machine()}")
    sandbox = OdooSandbox(version=17, faults=FaultConfig(latency_ms=latency_ms, seed=1))
    sandbox.start()
    with tempfile.TemporaryDirectory() as folder:
        engine = open_engine(f"sqlite:///{folder}/bench.db")
        populate(engine, records, usage_months=0)
        run_billing(engine, dt.date(2026, 1, 20))  # one invoice per contract
        with Session(engine) as session:
            invoices = session.scalar(
                select(models.Invoice.id).order_by(models.Invoice.id.desc()).limit(1)
            )
        streams = ("customers", "invoices")
        runs, calls, seconds = timed_sync(engine, sandbox, streams)
        pushed = sum(r.created for r in runs)
        print(
            f"records              {records:,} customers and {invoices:,} invoices, "
            f"{latency_ms:g} ms latency per request"
        )
        print(
            f"initial sync         {seconds:.1f} s, {pushed / seconds:,.0f} records/s, "
            f"{len(calls):,} calls, {len(calls) / pushed:.3f} calls per pushed record "
            f"(target ≤ 0.1)"
        )
        runs, calls, seconds = timed_sync(engine, sandbox, streams)
        writes = sum(1 for c in calls if c in WRITES)
        print(
            f"re-run, no change    {seconds:.2f} s, {len(calls)} calls, {writes} writes "
            f"(target 0 writes)"
        )
        with session_scope(engine) as session:  # 100 local changes
            rows = session.scalars(select(models.Customer).limit(100)).all()
            for row in rows:
                row.email = f"billing+{row.code.lower()}@example.com"
                session.add(row)
            emit(session, "customer", [row.code for row in rows], "updated")
        runs, calls, seconds = timed_sync(engine, sandbox, streams)
        updated = sum(r.updated for r in runs)
        print(
            f"after 100 changes    {seconds:.2f} s, {len(calls)} calls for {updated} updated "
            f"records (grows with the changes, not with the {records:,} records)"
        )
    sandbox.stop()
    print(f"peak memory          {peak_rss_mb():,.0f} MB")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--latency-ms", type=float, default=20.0)
    args = parser.parse_args()
    main(args.records, args.latency_ms)

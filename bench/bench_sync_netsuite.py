"""Initial sync of N customers and N invoices to the NetSuite sandbox with injected latency
and the account's concurrency limit, a re-run, then an incremental run after 100 changes.

Prints records per second and requests per second against the governance ceiling
(concurrency limit ÷ latency: 5 ÷ 50 ms = 100 requests per second), and the 429s.

    python bench/bench_sync_netsuite.py [--records 10000] [--latency-ms 50] [--limit 5]
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import machine, peak_rss_mb
from sqlalchemy import func, select
from sqlmodel import Session

from cn285.connectors.base import connector_for
from cn285.hub.services.billing import run_billing
from cn285.hub.services.sample import populate
from cn285.hub.store import models
from cn285.hub.store.database import open_engine, session_scope
from cn285.hub.sync.outbox import emit
from cn285.hub.sync.service import sync

STREAMS = ("customers", "invoices")


CREDENTIALS = {
    "consumer_key": "bench-consumer-key",
    "consumer_secret": "bench-consumer-secret",
    "token_id": "bench-token-id",
    "token_secret": "bench-token-secret",
}


class SandboxProcess:
    """`cn285 sandbox netsuite` in its own process, as a remote account would be: the
    client's threads do not share an interpreter lock with the server's."""

    def __init__(self, limit: int, latency_ms: float) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        options = [f"--{k.replace('_', '-')}={v}" for k, v in CREDENTIALS.items()]
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "cn285",
                "sandbox",
                "netsuite",
                f"--port={self.port}",
                f"--concurrency={limit}",
                f"--latency={latency_ms / 1000}",
                "--seed=1",
                *options,
            ],
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        assert self.process.stdout is not None
        first = self.process.stdout.readline()
        if "NetSuite sandbox" not in first:
            raise SystemExit(f"the sandbox did not start: {first}")
        self.base_url = f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


def timed_sync(engine, sandbox: SandboxProcess, mapping: Path, limit: int):
    config = {
        **CREDENTIALS,
        "account": "1234567_SB1",
        "url": sandbox.base_url,
        "mapping": str(mapping),
        "concurrency": limit,
    }
    connector = connector_for("netsuite", config)
    started = time.perf_counter()
    runs = sync(engine, connector, STREAMS)
    seconds = time.perf_counter() - started
    connector.close()
    failed = [r for r in runs if r.status != "completed" or r.failed]
    if failed:
        raise SystemExit(f"sync did not complete: {failed}")
    client = connector.client
    return runs, client.calls, client.writes, client.throttled, seconds


def main(records: int, latency_ms: float, limit: int) -> None:
    print(f"machine              {machine()}")
    ceiling = limit / (latency_ms / 1000)
    sandbox = SandboxProcess(limit, latency_ms)
    with tempfile.TemporaryDirectory() as folder:
        mapping = Path(folder) / "netsuite.yaml"  # the sample's items are not in NetSuite
        mapping.write_text("items:\n  fallback: PLATFORM-SUB\n", encoding="utf-8")
        engine = open_engine(f"sqlite:///{folder}/bench.db")
        populate(engine, records, usage_months=0)
        run_billing(engine, dt.date(2026, 1, 20))  # one invoice per contract
        gc.freeze()  # the set-up's objects: not rescanned by every collection of the sync
        with Session(engine) as session:
            invoices = session.scalar(select(func.count()).select_from(models.Invoice))
        print(
            f"records              {records:,} customers and {invoices:,} invoices, "
            f"{latency_ms:g} ms latency, concurrency limit {limit} "
            f"(ceiling {ceiling:,.0f} requests/s)"
        )
        runs, calls, writes, throttled, seconds = timed_sync(engine, sandbox, mapping, limit)
        pushed = sum(r.created for r in runs)
        print(
            f"initial sync         {seconds:.1f} s, {pushed / seconds:,.1f} records/s, "
            f"{calls / seconds:,.1f} requests/s = {calls / seconds / ceiling:.0%} of the ceiling "
            f"(target ≥ 80 %); {calls:,} requests, {calls / pushed:.3f} per record"
        )
        print(f"429 answered         {throttled}; every run completed, none left unretried")
        runs, calls, writes, throttled, seconds = timed_sync(engine, sandbox, mapping, limit)
        print(f"re-run, no change    {seconds:.2f} s, {calls} requests, {writes} writes (target 0)")
        with session_scope(engine) as session:  # 100 local changes
            rows = session.scalars(select(models.Customer).limit(100)).all()
            for row in rows:
                row.email = f"billing+{row.code.lower()}@example.com"
                session.add(row)
            emit(session, "customer", [row.code for row in rows], "updated")
        runs, calls, writes, throttled, seconds = timed_sync(engine, sandbox, mapping, limit)
        updated = sum(r.updated for r in runs)
        print(
            f"after 100 changes    {seconds:.2f} s, {calls} requests ({writes} writes) for "
            f"{updated} updated records (grows with the changes, not with the {records:,})"
        )
    sandbox.stop()
    print(f"peak memory          {peak_rss_mb():,.0f} MB")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--limit", type=int, default=5)
    args = parser.parse_args()
    main(args.records, args.latency_ms, args.limit)

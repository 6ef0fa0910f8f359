"""The same billing run on PostgreSQL through the work queue with 1 and 2 processes;
prints seconds, contracts per second and the speed-up.

    python bench/bench_workers.py [--contracts 20000] [--batch 250]

1 process: `cn285 bill --queued` alone (the process that starts a run works on its queue).
2 processes: the same command with one `cn285 worker` process started beforehand. Each
measure bills a freshly populated database (`cn285_bench_workers`, dropped after) up to
1 February 2026: two invoices per contract (see bench_billing_run.py for the contracts).
Times are wall-clock from the run's start to its end, numbering included.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import machine

from cn285.hub.services.sample import populate
from cn285.hub.store.database import open_engine, resolve_url

ROOT = Path(__file__).resolve().parent.parent
SERVER = os.environ.get("CN285_BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
DATABASE = "cn285_bench_workers"


def fresh_store(contracts: int) -> str:
    admin = sa.create_engine(resolve_url(SERVER), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)"))
        connection.execute(sa.text(f"CREATE DATABASE {DATABASE}"))
    admin.dispose()
    url = sa.engine.make_url(resolve_url(SERVER)).set(database=DATABASE)
    text = url.render_as_string(hide_password=False)
    engine = open_engine(text)
    for first in range(0, contracts, 20_000):
        populate(engine, min(20_000, contracts - first), first=first)
    engine.dispose()
    return text


def cli(*args: str, **kwargs) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "cn285", *args], cwd=ROOT, **kwargs)


def measure(contracts: int, processes: int, batch: int) -> tuple[float, str]:
    url = fresh_store(contracts)
    helpers = [
        cli("worker", "--db", url, "--poll", "0.05", stderr=subprocess.DEVNULL)
        for _ in range(processes - 1)
    ]
    time.sleep(3)  # the workers are up and polling before the run starts
    started = time.perf_counter()
    run = cli(
        "bill",
        "--until",
        "2026-02-01",
        "--db",
        url,
        "--queued",
        "--batch",
        str(batch),
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    out, _ = run.communicate()
    seconds = time.perf_counter() - started
    for helper in helpers:
        helper.send_signal(signal.SIGTERM)
        helper.wait()
    if run.returncode != 0:
        raise SystemExit(f"the run failed: {out}")
    return seconds, out.strip()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contracts", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=250)
    args = parser.parse_args()
    print(f"machine: {machine()}")
    print(f"store: PostgreSQL ({SERVER.rsplit('@', 1)[-1]}), {args.contracts:,} contracts")
    timings = {}
    for processes in (1, 2):
        seconds, summary = measure(args.contracts, processes, args.batch)
        timings[processes] = seconds
        print(
            f"{processes} process{'es' if processes > 1 else ''}: {seconds:.1f} s, "
            f"{args.contracts / seconds:,.0f} contracts/s  ({summary})"
        )
    print(f"speed-up with 2 processes: {timings[1] / timings[2]:.2f}x")
    admin = sa.create_engine(resolve_url(SERVER), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)"))

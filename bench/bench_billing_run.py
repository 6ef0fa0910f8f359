"""A billing run over N contracts × 3 lines from the store, then the same run again; print
seconds and peak memory for both, on SQLite.

    python bench/bench_billing_run.py [--contracts 100000]

Each contract (one customer each) has a flat recurring line billed monthly in advance, a
usage line with graduated tiers (3 records in January) and a 5 % cascade on it, starting
between 1 and 20 January 2026. The run bills up to 1 February 2026: two invoices per
contract (the prorated January platform fee; February's fee with January's usage and
royalty). Memory is measured in a fresh process for each size.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import machine, peak_rss_mb

from cn285.hub.services.billing import run_billing
from cn285.hub.services.sample import populate
from cn285.hub.store.database import open_engine

UNTIL = dt.date(2026, 2, 1)


def measure(contracts: int, workers: int) -> dict[str, float]:
    """Populate a new store and time two runs (in this process)."""
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/bench.db"
        # the store is written by another process, so that this one's peak memory is the run's
        subprocess.run(
            [sys.executable, __file__, "--populate", str(contracts), "--db", url], check=True
        )
        engine = open_engine(url)
        before = peak_rss_mb()
        started = time.perf_counter()
        first_run = run_billing(engine, UNTIL, workers=workers)
        first_seconds = time.perf_counter() - started
        first_peak = peak_rss_mb()
        started = time.perf_counter()
        second_run = run_billing(engine, UNTIL)
        second_seconds = time.perf_counter() - started
        assert not first_run.errors and not second_run.errors
        return {
            "contracts": contracts,
            "issued": sum(first_run.issued.values()),
            "reissued": sum(second_run.issued.values()),
            "first": first_seconds,
            "second": second_seconds,
            "memory_before": before,
            "memory_peak": first_peak,
            "workers": workers,
        }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contracts", type=int, nargs="*", default=[10_000, 100_000])
    parser.add_argument("--workers", type=int, nargs="*", default=[1, 2])
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--populate", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.populate:
        store = open_engine(args.db)
        for first in range(0, args.populate, 20_000):
            populate(store, min(20_000, args.populate - first), first=first)
        raise SystemExit
    if args.one:
        print(json.dumps(measure(args.one, args.workers[0])))
        raise SystemExit
    print(f"machine              {machine()}")
    for size, workers in [(n, w) for n in args.contracts for w in args.workers]:
        command = [sys.executable, __file__, "--one", str(size), "--workers", str(workers)]
        out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
        r = json.loads(out.strip().splitlines()[-1])
        print(
            f"{r['contracts']:>9,} contracts, {r['workers']} worker(s): "
            f"first run {r['first']:6.1f} s ({r['issued']:,} invoices; target ≤ 30 s at "
            f"100,000), re-run {r['second']:5.2f} s ({r['reissued']} issued; target ≤ 10 %), "
            f"peak memory {r['memory_peak']:,.0f} MB (at start {r['memory_before']:,.0f} MB)"
        )

"""Import CSV files through the import engine (`cn285 import`): usage records (100,000 and
1,000,000 rows over 10,000 contracts) and, with --contracts N, contract headers; print rows
per second and peak memory, on SQLite and PostgreSQL.

    python bench/bench_import.py [--sizes 100000,1000000] [--modes strict,recovery]
                                 [--order time|contract] [--batch N]
                                 [--postgres URL | --no-postgres] [--contracts 100000]

Each import runs in a fresh process of its own, on a freshly populated store, so that its
peak memory is the import's alone (interpreter and libraries included): flat memory shows
as the same peak for 100,000 and 1,000,000 rows. Times are wall-clock from reading the
file to the last commit (dialect detection, parsing, validation and writing); the kind's
Python modules are loaded before (0.3 s for usage, once per process).
`strict` (the default of `cn285 import`) writes the whole file in one transaction;
`recovery` commits each batch (by default the kind's size: 40,000 usage rows, 5,000
contracts). `--order time` (a metering feed: each batch of usage touches every contract,
the worst case for locking contracts and for the usage index) or `contract` (a migration
export: each contract's records together).
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

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import machine, peak_rss_mb

from cn285.hub.services.sample import populate
from cn285.hub.store.database import open_engine, resolve_url

CONTRACTS = 10_000  # usage lines the usage rows spread over
SERVER = "postgresql://postgres@127.0.0.1:5432/test"
DATABASE = "cn285_bench_import"
TARGET = 100_000  # usage rows per second


def run_import(url: str, kind: str, path: Path, mode: str, batch: int | None) -> tuple[int, float]:
    """Import `path` as `kind` through the engine; returns (rows, seconds)."""
    from cn285.hub.imports import kinds
    from cn285.hub.imports.engine import run_import as engine_import

    kinds.kind(kind)  # its modules loaded before the clock starts, as in a running server
    engine = open_engine(url, migrate=False)
    started = time.perf_counter()
    result = engine_import(engine, kind, path, mode=mode, batch_size=batch)
    elapsed = time.perf_counter() - started
    engine.dispose()
    if result.status != "imported" or result.rejected:
        raise SystemExit(f"import {result.status}: {result.errors[:3]}")
    return result.rows, elapsed


def write_usage_file(path: Path, rows: int, order: str = "time") -> None:
    """`rows` usage records spread evenly over the contracts' usage lines, in time order
    across contracts (`time`) or contract after contract (`contract`)."""
    start = dt.datetime(2026, 2, 1, tzinfo=dt.UTC)
    each = -(-rows // CONTRACTS)  # records per contract

    def contract(n: int) -> int:
        return n % CONTRACTS if order == "time" else n // each

    with path.open("w", encoding="utf-8", newline="") as stream:
        stream.write("line,id,at,quantity\r\n")
        for first in range(0, rows, 10_000):
            stream.write(
                "".join(
                    f"K{contract(n):07d}/L2,b{n},"
                    f"{(start + dt.timedelta(seconds=n * 2)).isoformat()},{1 + n % 50}\r\n"
                    for n in range(first, min(first + 10_000, rows))
                )
            )


def usage_store(url: str) -> None:
    engine = open_engine(url)
    populate(engine, CONTRACTS, usage_months=0)
    engine.dispose()


def contracts_store(url: str, contracts: int) -> None:
    """The catalog and `contracts` customers, holding no contract yet."""
    from cn285.hub.store import models

    engine = open_engine(url)
    populate(engine, 1, usage_months=0)  # the catalog (and K0000000, not in the file)
    now = dt.datetime.now(dt.UTC)
    with engine.begin() as connection:
        for first in range(0, contracts, 20_000):
            connection.execute(
                sa.insert(models.Customer.__table__),  # type: ignore[attr-defined]
                [
                    {
                        "code": f"B{n:07d}",
                        "name": f"Buyer {n}",
                        "country": "FR",
                        "group_invoices": False,
                        "created_at": now,
                        "updated_at": now,
                    }
                    for n in range(first, min(first + 20_000, contracts))
                ],
            )
    engine.dispose()


def write_contracts_file(path: Path, contracts: int) -> None:
    """`contracts` contract headers, semicolon separated as a French spreadsheet writes."""
    with path.open("w", encoding="utf-8", newline="") as stream:
        stream.write("code;customer;price_list;timezone\r\n")
        for n in range(contracts):
            stream.write(f"KB{n:07d};B{n:07d};STD;Europe/Paris\r\n")


def bench_contracts(url: str, contracts: int, folder: Path, mode: str, batch: int | None) -> dict:
    """Import `contracts` contract headers; raises if the contracts kind is missing."""
    from cn285.hub.imports import kinds

    try:
        kinds.kind("contracts")
    except ImportError as exc:
        raise RuntimeError(f"the contracts kind is not written yet: {exc}") from exc
    contracts_store(url, contracts)
    path = folder / f"contracts-{contracts}.csv"
    write_contracts_file(path, contracts)
    return measure(url, "contracts", path, mode, batch)


def bench_usage(
    url: str, rows: int, folder: Path, mode: str, order: str, batch: int | None
) -> dict:
    usage_store(url)
    path = folder / f"usage-{rows}.csv"
    write_usage_file(path, rows, order)
    return measure(url, "usage", path, mode, batch)


def measure(url: str, kind: str, path: Path, mode: str, batch: int | None) -> dict:
    """The import in a fresh process: its rows, seconds and peak memory."""
    arguments = ["--child", kind, str(path), "--db", url, "--modes", mode]
    if batch:
        arguments += ["--batch", str(batch)]
    output = subprocess.run(
        [sys.executable, __file__, *arguments],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(output.splitlines()[-1])


def child(kind: str, path: Path, url: str, mode: str, batch: int | None) -> None:
    rows, seconds = run_import(url, kind, path, mode, batch)
    print(json.dumps({"rows": rows, "seconds": seconds, "peak": peak_rss_mb()}))


def sqlite_url(folder: Path, name: str) -> str:
    return f"sqlite:///{folder / name}.db"


def postgres_database(server: str) -> str:
    admin = sa.create_engine(resolve_url(server), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)"))
        connection.execute(sa.text(f"CREATE DATABASE {DATABASE}"))
    admin.dispose()
    url = sa.engine.make_url(resolve_url(server)).set(database=DATABASE)
    return url.render_as_string(hide_password=False)


def drop_postgres_database(server: str) -> None:
    admin = sa.create_engine(resolve_url(server), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)"))
    admin.dispose()


def report(store: str, what: str, figures: dict, target: int | None) -> None:
    rate = figures["rows"] / figures["seconds"]
    goal = f"  (target ≥ {target:,})" if target else ""
    print(
        f"{store:<11} {what:<31} {rate:>9,.0f} rows/s in {figures['seconds']:6.1f} s   "
        f"peak {figures['peak']:5.0f} MB{goal}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000,1000000", help="usage rows, comma separated")
    parser.add_argument("--modes", default="strict,recovery", help="strict, recovery or both")
    parser.add_argument("--order", choices=("time", "contract"), default="time")
    parser.add_argument("--batch", type=int, help="rows per batch (default: the kind's)")
    parser.add_argument("--postgres", default=SERVER, help="a PostgreSQL server to bench on")
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    parser.add_argument("--contracts", type=int, default=0, help="also import N contracts")
    parser.add_argument("--child", nargs=2, metavar=("KIND", "FILE"), help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    args = parser.parse_args()
    modes = args.modes.split(",")
    if any(mode not in ("strict", "recovery") for mode in modes):
        parser.error(f"--modes: strict, recovery or both, not {args.modes}")
    if args.child:
        child(args.child[0], Path(args.child[1]), args.db, modes[0], args.batch)
        return
    sizes = [int(size) for size in args.sizes.split(",")]
    print(f"machine     {machine()}")
    batches = f"batches of {args.batch:,}" if args.batch else "the kinds' batch sizes"
    print(
        f"usage       {CONTRACTS:,} contracts with a usage line each; rows in {args.order} "
        f"order, {batches}"
    )
    stores = ["SQLite"] + ([] if args.no_postgres else ["PostgreSQL"])
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        for store in stores:
            for mode in modes:
                for rows in sizes:
                    if store == "SQLite":
                        url = sqlite_url(folder, f"usage-{rows}-{mode}")
                    else:
                        url = postgres_database(args.postgres)
                    figures = bench_usage(url, rows, folder, mode, args.order, args.batch)
                    report(store, f"usage {rows:,} {mode}", figures, TARGET)
                    (folder / f"usage-{rows}.csv").unlink()
                if args.contracts:
                    if store == "SQLite":
                        url = sqlite_url(folder, f"contracts-{mode}")
                    else:
                        url = postgres_database(args.postgres)
                    figures = bench_contracts(url, args.contracts, folder, mode, args.batch)
                    report(store, f"contracts {args.contracts:,} {mode}", figures, None)
    if not args.no_postgres:
        drop_postgres_database(args.postgres)
    print(f"this process: peak {peak_rss_mb():,.0f} MB (file generation and store set-up)")


if __name__ == "__main__":
    main()

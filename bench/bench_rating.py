"""Rate N contracts × 3 lines (recurring, graduated usage, percentage cascade) for 12 months
in memory, streaming batches of contracts through the engine; print invoice lines per
second and peak memory.

    python bench/bench_rating.py [--contracts 100000] [--batch 1000]
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import machine, peak_rss_mb

from cn285.billing_core.calendar import Alignment, Period
from cn285.billing_core.catalog import Customer, Item, PriceList
from cn285.billing_core.contracts import Contract, Line, LineKind, Timing
from cn285.billing_core.engine import Book, bill
from cn285.billing_core.money import currency
from cn285.billing_core.pricing import build_model
from cn285.billing_core.tax import TaxRules
from cn285.billing_core.usage import UsageRecord

START = date(2026, 1, 1)
UNTIL = date(2027, 1, 1)  # twelve months in advance and in arrears
RECORDS_PER_MONTH = 3

ITEMS = {
    "PLATFORM": Item("PLATFORM", "Platform"),
    "API": Item("API", "API calls"),
    "ROYALTY": Item("ROYALTY", "Royalty"),
}
PRICES = PriceList(
    "STD",
    currency("EUR"),
    {
        "PLATFORM": build_model({"model": "flat", "price": "100.00"}),
        "API": build_model(
            {
                "model": "graduated",
                "tiers": [
                    {"up_to": 1000, "unit_price": "0.10"},
                    {"up_to": 5000, "unit_price": "0.08"},
                    {"unit_price": "0.05"},
                ],
            }
        ),
        "ROYALTY": build_model({"model": "percentage", "rate": "5"}),
    },
)
TAX = TaxRules("FR", {"FR": {"standard": Decimal("20")}})


def batch(first: int, count: int) -> Book:
    customers, contracts, usage = {}, {}, {}
    for n in range(first, first + count):
        code = f"K{n:06d}"
        customers[f"C{n:06d}"] = Customer(f"C{n:06d}", f"Customer {n}", "FR")
        start = START + timedelta(days=n % 20)  # records fall on days 22-28
        lines = (
            Line(
                "L1",
                "PLATFORM",
                LineKind.RECURRING,
                start,
                Decimal(1 + n % 5),
                period=Period.MONTH,
                timing=Timing.ADVANCE,
                alignment=Alignment.CALENDAR,
            ),
            Line("L2", "API", LineKind.USAGE, start, timing=Timing.ARREARS),
            Line("L3", "ROYALTY", LineKind.CASCADE, start, timing=Timing.ARREARS, of="L2"),
        )
        contracts[code] = Contract(code, f"C{n:06d}", "STD", lines)
        records = []
        for month in range(12):
            for r in range(RECORDS_PER_MONTH):
                at = datetime(2026, month + 1, 28 - r * 3, 12, tzinfo=UTC)
                records.append(
                    UsageRecord(
                        at=at,
                        quantity=Decimal(300 + (n * 7 + r) % 900),
                        seq=month * RECORDS_PER_MONTH + r,
                    )
                )
        usage[f"{code}/L2"] = records
    return Book(customers, ITEMS, {"STD": PRICES}, contracts, usage, [], TAX)


def run(contracts: int, size: int) -> None:
    lines = invoices = 0
    elapsed = 0.0
    for first in range(0, contracts, size):
        book = batch(first, min(size, contracts - first))
        started = time.perf_counter()
        result = bill(book, UNTIL)
        elapsed += time.perf_counter() - started
        invoices += len(result)
        lines += sum(len(inv.lines) for inv in result)
    print(f"contracts            {contracts:,} × 3 lines, 12 months")
    print(f"invoices             {invoices:,}")
    print(f"invoice lines        {lines:,}")
    print(f"engine seconds       {elapsed:.1f}")
    print(f"invoice lines / s    {lines / elapsed:,.0f}  (target ≥ 50,000 on one core)")
    print(f"peak memory          {peak_rss_mb():,.0f} MB")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contracts", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=1000)
    args = parser.parse_args()
    print(f"machine              {machine()}")
    run(args.contracts, args.batch)

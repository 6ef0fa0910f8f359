"""Streaming: the writers hold one entry at a time, however many the generator yields."""

from __future__ import annotations

import tracemalloc
from datetime import date
from decimal import Decimal as D

import pytest

from cn285.hub.exports import LedgerEntry, LedgerLine, write_csv, write_fec

COUNT = 100_000
AMOUNT = D("12.34")
DAY = date(2026, 1, 15)


class Sink:
    """A text stream that keeps nothing but counts, and how far the source ran ahead."""

    def __init__(self, source) -> None:
        self.source = source
        self.rows = 0
        self.ahead = 0

    def write(self, text: str) -> int:
        self.rows += text.count("\n")
        written = (self.rows - 1) // 2  # entries fully written: header, then 2 rows each
        self.ahead = max(self.ahead, self.source.produced - written)
        return len(text)


class Entries:
    """A generator of small balanced entries that counts what it has produced."""

    def __init__(self, count: int) -> None:
        self.count = count
        self.produced = 0

    def __iter__(self):
        for number in range(1, self.count + 1):
            self.produced += 1
            yield LedgerEntry(
                "VE",
                "Ventes",
                number,
                DAY,
                f"INV-{number}",
                DAY,
                "Invoice",
                (
                    LedgerLine("411000", "Clients", "Invoice", AMOUNT, D(0)),
                    LedgerLine("706000", "Prestations", "Invoice", D(0), AMOUNT),
                ),
                DAY,
            )


@pytest.mark.parametrize("write", [write_fec, write_csv])
def test_a_generator_of_100000_entries_is_written_one_entry_at_a_time(write):
    source = Entries(COUNT)
    sink = Sink(source)
    counts = write(iter(source), sink)
    assert (counts.entries, counts.lines) == (COUNT, 2 * COUNT)
    assert counts.debit == counts.credit == AMOUNT * COUNT
    assert sink.rows == 2 * COUNT + 1
    # when each row is written, the generator is at most one entry ahead: no list is built
    assert sink.ahead <= 1


@pytest.mark.parametrize("write", [write_fec, write_csv])
def test_memory_stays_flat_while_entries_stream(write):
    # traced on fewer entries, to keep the test fast: a list of these 10,000 peaks at ~6.5 MB
    source = Entries(10_000)
    tracemalloc.start()
    try:
        counts = write(iter(source), Sink(source))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert counts.entries == 10_000
    assert peak < 500_000

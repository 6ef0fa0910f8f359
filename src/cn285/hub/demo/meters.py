"""Usage the trackers report: a record per line every few days or each week, with the
sender's id, so that a batch the gateway sends twice is ignored the second time.

Instants are taken between 06:00 and 18:59 UTC: the same calendar day in Paris, so a
record dated on a day is ingested on that day, before the day's billing run.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from random import Random

from cn285.billing_core.contracts import LineKind
from cn285.billing_core.scenario.schema import ContractIn, LineIn
from cn285.hub.api.schemas import UsageRecordIn
from cn285.hub.demo.model import UsageBatch
from cn285.hub.demo.windows import Window

Meter = Callable[[Random, int], dict[str, object]]  # (rng, n-th record) -> fields


def _every(rng: Random, window: Window, step: tuple[int, int]) -> Iterator[date]:
    day = window.first + timedelta(days=rng.randint(0, step[0] - 1))
    while day <= window.last:
        if window.serves(day):
            yield day
        day += timedelta(days=rng.randint(*step))


def _instant(rng: Random, day: date, hour: tuple[int, int] = (6, 18)) -> datetime:
    return datetime(
        day.year, day.month, day.day, rng.randint(*hour), rng.randint(0, 59), tzinfo=UTC
    )


def _quantity(low: int, high: int) -> Meter:
    return lambda rng, n: {"quantity": str(rng.randint(low, high))}


def _growing(rng: Random, low: int, high: int, growth: int) -> Meter:
    """A level that grows slowly (fleet size, storage), reported as its peak."""
    base = rng.randint(low, high)
    return lambda rng, n: {"quantity": str(base + growth * n // 4 + rng.randint(-2, 3))}


def _cadence(line: LineIn, rng: Random) -> tuple[tuple[int, int], Meter, bool]:
    """How often a line's meter reports, what it reports, and whether it counts time."""
    progressive = line.threshold is not None or line.period.months == 0
    item = line.item
    if item == "API":
        if progressive:
            return (2, 4), _quantity(4_000, 15_000), False
        return (7, 7), _quantity(3_000, 30_000), False
    if item == "SMS":
        if progressive:
            return (3, 5), _quantity(80, 400), False
        return (7, 7), _quantity(100, 900), False
    if item == "DEVICES":
        return (7, 7), _growing(rng, 15, 150, 1), False
    if item == "STORAGE":
        return (14, 14), _growing(rng, 20, 300, 6), False
    if item == "DATA":
        return (7, 7), _quantity(2_000, 20_000), False
    if item == "READINGS":
        return (7, 7), _quantity(300, 2_500), False
    if item == "FIELD":
        return (5, 15), lambda rng, n: {}, True
    raise ValueError(f"no meter for item {item}")


def line_records(
    rng: Random, contract: ContractIn, line: LineIn, window: Window
) -> list[UsageRecordIn]:
    """Every record of one usage line over its window."""
    step, meter, timed = _cadence(line, rng)
    ref = f"{contract.code}/{line.code}"
    records = []
    for n, day in enumerate(_every(rng, window, step)):
        client_id = f"{contract.code}-{line.code}-{day:%Y%m%d}-{n}"
        if timed:  # a technician on site for 45 minutes to 5 hours
            begin = _instant(rng, day, (6, 11))
            end = begin + timedelta(minutes=rng.randint(45, 300))
            records.append(UsageRecordIn(line=ref, id=client_id, start=begin, end=end))
        else:
            at = _instant(rng, day)
            records.append(UsageRecordIn(line=ref, id=client_id, at=at, **meter(rng, n)))
    return records


def usage_batches(
    rng: Random, contracts: list[ContractIn], windows: dict[str, Window], resends: int
) -> list[UsageBatch]:
    """A batch per day with usage; `resends` of them are sent twice by the gateway."""
    by_day: dict[date, list[UsageRecordIn]] = {}
    for contract in contracts:
        for line in contract.lines:
            ref = f"{contract.code}/{line.code}"
            if line.kind is not LineKind.USAGE or ref not in windows:
                continue
            for record in line_records(rng, contract, line, windows[ref]):
                moment = record.at or record.start
                assert moment is not None
                by_day.setdefault(moment.date(), []).append(record)
    batches = [UsageBatch(day, tuple(records)) for day, records in sorted(by_day.items())]
    retried = rng.sample(batches, min(resends, len(batches)))
    return batches + [UsageBatch(b.day, b.records, resend=True) for b in retried]

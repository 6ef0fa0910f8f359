"""Usage records and their aggregation over a period.

Aggregators are accumulators that can be merged, so that a stream split in batches
aggregates to the same value as the whole stream.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_CEILING, Decimal
from typing import Any

from cn285.billing_core.money import ZERO

UNIT_SECONDS = {"minute": 60, "hour": 3600, "day": 86400}


@dataclass(frozen=True, slots=True)
class UsageRecord:
    """One measure for a line: a quantity at an instant, or a timed session (start, end)."""

    at: datetime
    quantity: Decimal | None = None
    end: datetime | None = None
    properties: Mapping[str, Any] = field(default_factory=dict)
    id: str | None = None
    seq: int = 0  # order of arrival, breaks ties between records of the same instant
    source: str = ""  # where the record came from, for error messages


@dataclass(frozen=True, slots=True)
class Aggregation:
    """How a line's records become one quantity per period."""

    kind: str  # sum | min | max | count | last | distinct | duration
    argument: str | None = None  # the property of `distinct`, the unit of `duration`

    @classmethod
    def parse(cls, text: str) -> Aggregation:
        kind, _, argument = text.partition(":")
        if kind in ("sum", "min", "max", "count", "last") and not argument:
            return cls(kind)
        if kind == "distinct" and argument:
            return cls(kind, argument)
        if kind == "duration" and argument in UNIT_SECONDS:
            return cls(kind, argument)
        raise ValueError(
            f"unknown aggregation {text!r} (sum, min, max, count, last, distinct:FIELD, "
            "duration:minute|hour|day)"
        )

    @property
    def needs_quantity(self) -> bool:
        return self.kind in ("sum", "min", "max", "last")

    def accumulator(self) -> Accumulator:
        return Accumulator(self)

    def value_of(self, records: list[UsageRecord]) -> Decimal:
        """The aggregated quantity of `records` (the accumulator's value, faster)."""
        if self.kind == "sum":
            return sum([r.quantity for r in records], ZERO)  # type: ignore[misc]
        if self.kind == "count":
            return Decimal(len(records))
        return Accumulator(self).extend(records).value()

    def __str__(self) -> str:
        return f"{self.kind}:{self.argument}" if self.argument else self.kind


def session_units(record: UsageRecord, unit: str) -> Decimal:
    """Length of a session in whole `unit`s, rounded up."""
    assert record.end is not None
    seconds = Decimal((record.end - record.at).total_seconds())
    return (seconds / UNIT_SECONDS[unit]).to_integral_value(rounding=ROUND_CEILING)


class Accumulator:
    """Running aggregate of records; also keeps the statistics a formula may read."""

    __slots__ = (
        "_last_key",
        "count",
        "distinct",
        "kind",
        "last",
        "maximum",
        "minimum",
        "spec",
        "total",
        "units",
    )

    def __init__(self, spec: Aggregation) -> None:
        self.spec = spec
        self.kind = spec.kind
        self.total = ZERO
        self.count = 0
        self.minimum: Decimal | None = None
        self.maximum: Decimal | None = None
        self.last: Decimal | None = None
        self._last_key: tuple[datetime, int] | None = None
        self.distinct: set[Any] = set()
        self.units = ZERO

    def add(self, record: UsageRecord) -> None:
        self.count += 1
        quantity = record.quantity
        if quantity is not None:
            self.total += quantity
            if self.minimum is None or quantity < self.minimum:
                self.minimum = quantity
            if self.maximum is None or quantity > self.maximum:
                self.maximum = quantity
            key = (record.at, record.seq)
            if self._last_key is None or key >= self._last_key:
                self._last_key, self.last = key, quantity
        if self.kind == "distinct":
            value = record.properties.get(self.spec.argument)  # type: ignore[arg-type]
            if value is not None:
                self.distinct.add(value)
        elif self.kind == "duration":
            self.units += session_units(record, self.spec.argument)  # type: ignore[arg-type]

    def extend(self, records: Iterable[UsageRecord]) -> Accumulator:
        for record in records:
            self.add(record)
        return self

    def merge(self, other: Accumulator) -> Accumulator:
        """Combine two accumulators of disjoint record sets."""
        merged = Accumulator(self.spec)
        merged.count = self.count + other.count
        merged.total = self.total + other.total
        mins = [v for v in (self.minimum, other.minimum) if v is not None]
        maxs = [v for v in (self.maximum, other.maximum) if v is not None]
        merged.minimum = min(mins) if mins else None
        merged.maximum = max(maxs) if maxs else None
        lasts = [
            (k, v)
            for k, v in ((self._last_key, self.last), (other._last_key, other.last))
            if k is not None
        ]
        if lasts:
            merged._last_key, merged.last = max(lasts, key=lambda kv: kv[0])
        merged.distinct = self.distinct | other.distinct
        merged.units = self.units + other.units
        return merged

    def value(self) -> Decimal:
        """The line's aggregated quantity for the records added."""
        kind = self.kind
        if kind == "sum":
            return self.total
        if kind == "count":
            return Decimal(self.count)
        if kind == "min":
            return self.minimum if self.minimum is not None else ZERO
        if kind == "max":
            return self.maximum if self.maximum is not None else ZERO
        if kind == "last":
            return self.last if self.last is not None else ZERO
        if kind == "distinct":
            return Decimal(len(self.distinct))
        return self.units

    def aggregates(self) -> dict[str, Decimal]:
        """The names a formula reads."""
        return {
            "total": self.total,
            "minimum": self.minimum if self.minimum is not None else ZERO,
            "maximum": self.maximum if self.maximum is not None else ZERO,
            "count": Decimal(self.count),
            "last": self.last if self.last is not None else ZERO,
            "aggregate": self.value(),
        }

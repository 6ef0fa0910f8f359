"""Governance and faults: the conditions a NetSuite client must survive.

- Concurrency: NetSuite limits concurrent requests per account (5 on the base tiers, plus
  10 per SuiteCloud Plus licence) and REST answers the excess with 429 at once rather than
  queueing it (ERP_APIS.md §1.8).
- Faults, all off by default: a latency added to every request (it holds its concurrency
  slot, as a slow NetSuite does), HTTP 5xx at a rate, connections dropped without an answer,
  and, with `after_write`, failures *after* a write was committed, the case that makes
  retries duplicate records when the client does not upsert (getlago/lago-api PR#5482).
  With a seed the sequence of faults is the same on every run.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass
from enum import StrEnum

DEFAULT_CONCURRENCY = 5


class ConcurrencyLimiter:
    """Counts requests in flight; refuses (does not queue) beyond the limit."""

    def __init__(self, limit: int = DEFAULT_CONCURRENCY) -> None:
        if limit < 1:
            raise ValueError("the concurrency limit is at least 1")
        self.limit = limit
        self.in_flight = 0
        self.peak = 0
        self.refused = 0
        self._lock = threading.Lock()

    def try_acquire(self) -> bool:
        with self._lock:
            if self.in_flight >= self.limit:
                self.refused += 1
                return False
            self.in_flight += 1
            self.peak = max(self.peak, self.in_flight)
            return True

    def release(self) -> None:
        with self._lock:
            self.in_flight -= 1


class Fault(StrEnum):
    ERROR = "error"
    DROP = "drop"


@dataclass
class FaultPlan:
    """What to inject; fields may be changed while the sandbox runs."""

    latency: float = 0.0  # seconds
    jitter: float = 0.0  # up to this many more seconds, drawn from the seeded generator
    error_rate: float = 0.0  # share of requests answered with a 5xx
    drop_rate: float = 0.0  # share of requests whose connection is closed unanswered
    error_statuses: tuple[int, ...] = (500, 502, 503)
    after_write: bool = False  # fail writes after committing them instead of before
    seed: int | None = None

    def __post_init__(self) -> None:
        for name in ("error_rate", "drop_rate"):
            value = getattr(self, name)
            if not 0 <= value <= 1:
                raise ValueError(f"{name} must be between 0 and 1, not {value}")
        if self.latency < 0 or self.jitter < 0:
            raise ValueError("latency and jitter are durations, not negative")


@dataclass(frozen=True)
class Decision:
    delay: float
    fault: Fault | None
    status: int = 0


class FaultInjector:
    """Draws, for each request, its delay and whether it fails; thread-safe."""

    def __init__(self, plan: FaultPlan) -> None:
        self.plan = plan
        self._random = random.Random(plan.seed)
        self._lock = threading.Lock()
        self.injected: dict[str, int] = {"error": 0, "drop": 0}

    def reseed(self, seed: int | None) -> None:
        with self._lock:
            self.plan.seed = seed
            self._random = random.Random(seed)

    def decide(self) -> Decision:
        plan = self.plan
        with self._lock:
            # always the same number of draws per request, so a seed fixes the whole sequence
            jitter, error_draw, drop_draw, pick = (self._random.random() for _ in range(4))
            delay = plan.latency + plan.jitter * jitter
            if drop_draw < plan.drop_rate:
                self.injected["drop"] += 1
                return Decision(delay, Fault.DROP)
            if error_draw < plan.error_rate and plan.error_statuses:
                self.injected["error"] += 1
                status = plan.error_statuses[int(pick * len(plan.error_statuses))]
                return Decision(delay, Fault.ERROR, status)
            return Decision(delay, None)

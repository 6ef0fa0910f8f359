"""Injectable transport faults: latency, HTTP 5xx, dropped connections, slow answers.

All off by default. Each request draws the same fixed number of values from a generator
seeded with `seed`, so one seed and one sequence of requests always give the same faults,
whatever the rates; `script()` forces the outcome of the next requests exactly. Clients
retrying on 5xx, timeouts and resets can be tested against a known schedule.
"""

from __future__ import annotations

import random
import threading
from collections import Counter, deque
from dataclasses import dataclass, replace
from typing import Any

OUTCOMES = ("pass", "error", "drop", "slow")


@dataclass(frozen=True)
class FaultConfig:
    """What to inject. Rates are probabilities per request; durations in milliseconds."""

    latency_ms: float = 0.0
    jitter_ms: float = 0.0
    error_rate: float = 0.0
    error_status: int = 503
    retry_after: int | None = None
    drop_rate: float = 0.0
    slow_rate: float = 0.0
    slow_ms: float = 2000.0
    seed: int = 0

    def __post_init__(self) -> None:
        for name in ("error_rate", "drop_rate", "slow_rate"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1, got {value}")
        for name in ("latency_ms", "jitter_ms", "slow_ms"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must not be negative")
        if not 400 <= self.error_status <= 599:
            raise ValueError(f"error_status must be an HTTP error status, got {self.error_status}")


@dataclass(frozen=True)
class FaultDecision:
    """What happens to one request."""

    delay: float  # seconds to wait before handling it
    action: str  # "pass", "error" (answer `status`) or "drop" (close without answer)
    status: int = 200
    slow: float = 0.0  # extra seconds before answering


class FaultInjector:
    """Decides, request by request, which fault (if any) to inject."""

    def __init__(self, config: FaultConfig | None = None) -> None:
        self._lock = threading.Lock()
        self._config = config or FaultConfig()
        self._random = random.Random(self._config.seed)
        self._script: deque[str | int] = deque()
        self.stats: Counter[str] = Counter()

    @property
    def config(self) -> FaultConfig:
        return self._config

    def configure(self, config: FaultConfig | None = None, **changes: Any) -> None:
        """Replace the configuration (and restart the random sequence from its seed)."""
        with self._lock:
            self._config = replace(config or self._config, **changes)
            self._random = random.Random(self._config.seed)

    def script(self, *outcomes: str | int) -> None:
        """Force the next outcomes: "pass", "error", "drop", "slow" or an HTTP status."""
        for outcome in outcomes:
            if not (outcome in OUTCOMES or (isinstance(outcome, int) and 400 <= outcome <= 599)):
                raise ValueError(f"unknown fault outcome {outcome!r}")
        with self._lock:
            self._script.extend(outcomes)

    def clear(self) -> None:
        """Turn every fault off and forget the script."""
        self.configure(FaultConfig(seed=self._config.seed))
        with self._lock:
            self._script.clear()

    def decide(self) -> FaultDecision:
        with self._lock:
            config = self._config
            draws = [self._random.random() for _ in range(4)]
            draw_drop, draw_error, draw_slow, draw_jitter = draws
            delay = (config.latency_ms + draw_jitter * config.jitter_ms) / 1000.0
            forced = self._script.popleft() if self._script else None
            if forced is not None:
                decision = self._forced(forced, delay)
            elif draw_drop < config.drop_rate:
                decision = FaultDecision(delay, "drop")
            elif draw_error < config.error_rate:
                decision = FaultDecision(delay, "error", config.error_status)
            elif draw_slow < config.slow_rate:
                decision = FaultDecision(delay, "pass", slow=config.slow_ms / 1000.0)
            else:
                decision = FaultDecision(delay, "pass")
            self.stats["requests"] += 1
            if decision.action != "pass":
                self.stats[decision.action] += 1
            if decision.slow:
                self.stats["slow"] += 1
            return decision

    def _forced(self, outcome: str | int, delay: float) -> FaultDecision:
        if isinstance(outcome, int):
            return FaultDecision(delay, "error", outcome)
        if outcome == "error":
            return FaultDecision(delay, "error", self._config.error_status)
        if outcome == "drop":
            return FaultDecision(delay, "drop")
        if outcome == "slow":
            return FaultDecision(delay, "pass", slow=self._config.slow_ms / 1000.0)
        return FaultDecision(delay, "pass")

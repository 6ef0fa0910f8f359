"""Retries of connector calls: retryable errors only, exponential back-off with jitter,
honouring `Retry-After`, bounded in attempts and in time."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    stop_after_delay,
    wait_exponential_jitter,
)

from cn285.connectors.errors import RetryableError

T = TypeVar("T")


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 6
    max_seconds: float = 120.0
    initial: float = 0.5
    maximum: float = 20.0

    def _wait(self, state: RetryCallState) -> float:
        backoff = wait_exponential_jitter(multiplier=self.initial, max=self.maximum)(state)
        error = state.outcome.exception() if state.outcome else None
        after = getattr(error, "retry_after", None)
        return max(backoff, min(float(after), self.maximum)) if after else backoff

    def call(self, function: Callable[[], T]) -> T:
        """Call `function`, retrying it on `RetryableError` as the policy says."""
        retrying = Retrying(
            retry=retry_if_exception_type(RetryableError),
            wait=self._wait,
            stop=stop_after_attempt(self.attempts) | stop_after_delay(self.max_seconds),
            reraise=True,
        )
        return retrying(function)

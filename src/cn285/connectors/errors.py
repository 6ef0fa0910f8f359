"""Connector errors, grouped by what the sync engine does about them.

Configuration errors stop the run (the user fixes them); retryable errors are retried with
back-off (rate limits, 5xx, timeouts, dropped connections), honouring `retry_after`; a
rejected record goes to the dead letters and the run goes on. Messages never carry secrets.
"""

from __future__ import annotations


class ConnectorError(Exception):
    """Base of every error a connector raises on purpose."""


class ConfigurationError(ConnectorError):
    """Wrong URL, credentials or mapping: nothing can sync until the user fixes it."""


class RetryableError(ConnectorError):
    """A transient failure: the same call may succeed later."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class RecordRejected(ConnectorError):
    """The ERP refused one record (validation); the others go on."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(f"{key}: {message}")
        self.key = key
        self.reason = message

"""Posting one notification to the configured webhook, signed.

The receiver checks `X-Cn285-Signature: sha256=<hex>`, the HMAC-SHA256 of the raw body
with the shared secret (compare in constant time), then that the body's `timestamp` (also
in `X-Cn285-Timestamp`) is recent, which the signature covers, to refuse replays.
`X-Cn285-Delivery` (also the body's `id`) is the same on every attempt of one
notification, so a receiver can ignore a repeat.

5xx, 429 and connection errors are retried with back-off (honouring `Retry-After`) within
the run; any other 4xx is the receiver refusing the message, recorded as a failure at once.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Mapping
from typing import Any

import requests
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential_jitter,
)

from cn285.hub.notify import DeliveryError
from cn285.hub.notify.settings import WebhookSettings

SIGNATURE = "X-Cn285-Signature"
TIMESTAMP = "X-Cn285-Timestamp"
DELIVERY = "X-Cn285-Delivery"
_MAX_WAIT = 30.0


class _Retryable(DeliveryError):
    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def signature(secret: str, body: bytes) -> str:
    """The signature header's value for `body`."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify(secret: str, body: bytes, header: str) -> bool:
    """What a receiver does with the signature header (used by the tests and the docs)."""
    return hmac.compare_digest(signature(secret, body), header or "")


def post(
    settings: WebhookSettings,
    payload: Mapping[str, Any],
    delivery: str,
    session: requests.Session | None = None,
) -> None:
    """POST `payload` as JSON; raises `DeliveryError` once retries are exhausted."""
    http = session or requests.Session()

    def attempt() -> None:
        stamp = int(time.time())
        body = json.dumps(
            {**payload, "id": delivery, "timestamp": stamp}, separators=(",", ":"), sort_keys=True
        ).encode()
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "cn285-notifications",
            SIGNATURE: signature(settings.secret, body),
            TIMESTAMP: str(stamp),
            DELIVERY: delivery,
        }
        try:
            response = http.post(settings.url, data=body, headers=headers, timeout=settings.timeout)
        except requests.RequestException as exc:
            raise _Retryable(f"webhook {_where(settings.url)}: {type(exc).__name__}") from None
        status = response.status_code
        if status < 300:
            return
        detail = f"webhook {_where(settings.url)} answered {status}: {response.text[:200]}"
        if status >= 500 or status == 429:
            raise _Retryable(detail, _retry_after(response.headers.get("Retry-After")))
        raise DeliveryError(detail)

    def wait(state: RetryCallState) -> float:
        backoff = wait_exponential_jitter(initial=settings.backoff, max=_MAX_WAIT)(state)
        error = state.outcome.exception() if state.outcome else None
        after = getattr(error, "retry_after", None)
        return max(backoff, min(after, _MAX_WAIT)) if after else backoff

    try:
        Retrying(
            retry=retry_if_exception_type(_Retryable),
            stop=stop_after_attempt(settings.attempts),
            wait=wait if settings.backoff else (lambda _: 0.0),
            reraise=True,
        )(attempt)
    except _Retryable as exc:
        raise DeliveryError(f"{exc} (after {settings.attempts} attempts)") from None
    finally:
        if session is None:
            http.close()


def _retry_after(value: str | None) -> float | None:
    try:
        return float(value) if value else None
    except ValueError:
        return None  # an HTTP date: fall back to our own back-off


def _where(url: str) -> str:
    """The URL without its query string, which may carry a token."""
    return url.split("?", 1)[0]

"""Transport to Odoo through `odoorpc`: one logged-in session, errors sorted by what to do.

Odoo's JSON-RPC errors carry the exception class in `data.name` (odoo.exceptions.*):
validation and user errors concern one record (dead-letter it); access errors and a
failed login are configuration; HTTP 429/5xx, timeouts and dropped connections retry.
"""

from __future__ import annotations

import contextlib
import http.client
import socket
import urllib.error
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlparse

import odoorpc
from odoorpc.error import RPCError

from cn285.connectors.errors import ConfigurationError, RecordRejected, RetryableError

_RECORD_ERRORS = ("ValidationError", "UserError", "MissingError", "IntegrityError")
_CONFIG_ERRORS = ("AccessDenied", "AccessError")


class OdooClient:
    """A logged-in odoorpc session that counts its calls (to measure calls per record)."""

    def __init__(
        self, url: str, database: str, login: str, password: str, timeout: float = 60
    ) -> None:
        parsed = urlparse(url)
        if parsed.scheme not in ("http", "https") or not parsed.hostname:
            raise ConfigurationError(f"odoo url: {url!r} is not an http(s) URL")
        protocol = "jsonrpc+ssl" if parsed.scheme == "https" else "jsonrpc"
        port = parsed.port or (443 if parsed.scheme == "https" else 80)
        self.calls = 0
        try:
            self.odoo = odoorpc.ODOO(parsed.hostname, protocol=protocol, port=port, timeout=timeout)
            self.odoo.login(database, login, password)
        except RPCError as exc:
            raise _translate(exc, "login") from None
        except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:
            raise _transport(exc) from None
        self.version = int(str(self.odoo.version).split(".")[0].split("~")[-1] or 0)

    def call(self, model: str, method: str, *args: Any, key: str = "", **kwargs: Any) -> Any:
        """`execute_kw(model, method, args, kwargs)`, errors translated."""
        self.calls += 1
        try:
            return self.odoo.execute_kw(model, method, list(args), kwargs)
        except RPCError as exc:
            raise _translate(exc, key or f"{model}.{method}") from None
        except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:
            raise _transport(exc) from None

    def close(self) -> None:
        with contextlib.suppress(Exception):  # closing is best effort
            self.odoo.logout()


def _translate(exc: RPCError, key: str) -> Exception:
    info: Mapping[str, Any] = exc.info if isinstance(exc.info, Mapping) else {}
    name = str((info.get("data") or {}).get("name", ""))
    message = str((info.get("data") or {}).get("message") or getattr(exc, "message", None) or exc)
    if name.endswith(_CONFIG_ERRORS) or "AccessDenied" in message or "Wrong login" in message:
        return ConfigurationError(f"Odoo refused the credentials or the access: {message}")
    if name.endswith(_RECORD_ERRORS):
        return RecordRejected(key, message)
    return RetryableError(f"Odoo server error: {message}")


def _transport(exc: BaseException) -> Exception:
    if isinstance(exc, urllib.error.HTTPError):
        if exc.code in (429, 502, 503, 504) or exc.code >= 500:
            after = exc.headers.get("Retry-After") if exc.headers else None
            return RetryableError(
                f"Odoo answered HTTP {exc.code}",
                float(after) if after and after.isdigit() else None,
            )
        return ConfigurationError(f"Odoo answered HTTP {exc.code} ({exc.reason})")
    if isinstance(exc, socket.timeout | TimeoutError | ConnectionError | http.client.HTTPException):
        return RetryableError(f"connection to Odoo failed: {exc}")
    if isinstance(exc, urllib.error.URLError):
        reason = exc.reason
        if isinstance(reason, ConnectionRefusedError):
            return RetryableError(f"Odoo refused the connection: {reason}")
        return RetryableError(f"cannot reach Odoo: {reason}")
    return RetryableError(f"connection to Odoo failed: {exc}")

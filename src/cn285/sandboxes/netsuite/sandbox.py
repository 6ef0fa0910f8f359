"""`NetSuiteSandbox`: one NetSuite account served on loopback, for tests and demos.

    with NetSuiteSandbox(account="1234567_SB1") as sandbox:
        base = sandbox.base_url          # http://127.0.0.1:PORT
        creds = sandbox.credentials      # consumer key/secret, token id/secret
        sandbox.store.records["invoice"] # the rows, to inspect or tamper with

Clients address `{base_url}/services/rest/...` and sign with OAuth 1.0a HMAC-SHA256 using
`realm=sandbox.realm`. Faults and the concurrency limit can be changed while it runs
(`sandbox.faults.error_rate = 0.2`, `sandbox.limiter.limit = 2`).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any

from cn285.sandboxes.netsuite import persistence
from cn285.sandboxes.netsuite.auth import Credentials, TokenVerifier, host_label, realm_of
from cn285.sandboxes.netsuite.dates import DatePreferences, utc_now
from cn285.sandboxes.netsuite.governance import (
    DEFAULT_CONCURRENCY,
    ConcurrencyLimiter,
    FaultInjector,
    FaultPlan,
)
from cn285.sandboxes.netsuite.records.store import Record, RecordStore
from cn285.sandboxes.netsuite.records.writes import RecordWriter
from cn285.sandboxes.netsuite.routes import NetSuiteApi
from cn285.sandboxes.netsuite.seed import seed
from cn285.sandboxes.netsuite.server import SandboxHTTPServer


class NetSuiteSandbox:
    """A local server speaking SuiteTalk REST for one account."""

    def __init__(
        self,
        account: str = "1234567_SB1",
        port: int = 0,
        *,
        host: str = "127.0.0.1",
        concurrency: int = DEFAULT_CONCURRENCY,
        latency: float = 0.0,
        jitter: float = 0.0,
        error_rate: float = 0.0,
        drop_rate: float = 0.0,
        fail_after_write: bool = False,
        seed: int | None = None,
        credentials: Credentials | None = None,
        data_file: str | Path | None = None,
        seed_data: bool = True,
        date_format: str = "M/d/yyyy",
        time_format: str = "h:mm a",
        timezone: str = "UTC",
        timestamp_window: int = 300,
        clock: Callable[[], datetime] = utc_now,
        epoch_clock: Callable[[], float] = time.time,
    ) -> None:
        self.account = realm_of(account)
        self.host = host
        self.port = port
        self.credentials = credentials or Credentials.generate()
        self.prefs = DatePreferences(date_format, time_format, timezone)
        self.store = RecordStore(clock)
        self.writer = RecordWriter(self.store, self.prefs)
        self.verifier = TokenVerifier(
            self.account, self.credentials, window_seconds=timestamp_window, clock=epoch_clock
        )
        self.limiter = ConcurrencyLimiter(concurrency)
        self.faults = FaultPlan(
            latency=latency,
            jitter=jitter,
            error_rate=error_rate,
            drop_rate=drop_rate,
            after_write=fail_after_write,
            seed=seed,
        )
        self.injector = FaultInjector(self.faults)
        self.api = NetSuiteApi(
            self.store, self.writer, self.verifier, self.limiter, self.injector, self.prefs
        )
        self.data_file = Path(data_file) if data_file is not None else None
        self._seed_data = seed_data
        self._server: SandboxHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._loaded = False

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> str:
        """Load or seed the data, start serving, and return the base URL."""
        if self._server is not None:
            return self.base_url
        self._prepare_data()
        self._server = SandboxHTTPServer((self.host, self.port), self.api)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.02},  # how long stop() may wait
            name=f"netsuite-sandbox-{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self.base_url

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
        self._thread = None
        if self.data_file is not None:
            self.save()

    def __enter__(self) -> NetSuiteSandbox:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def _prepare_data(self) -> None:
        if self._loaded:
            return
        self._loaded = True
        if self.data_file is not None and self.data_file.exists():
            persistence.load(self.store, self.data_file)
        elif self._seed_data:
            seed(self.writer)
        if self.data_file is not None:
            self.store.on_change = self.save
            self.save()

    # -- what clients and tests need -------------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def rest_url(self) -> str:
        return f"{self.base_url}/services/rest"

    @property
    def realm(self) -> str:
        """The OAuth realm: the account id, upper case (`1234567_SB1`)."""
        return self.account

    @property
    def host_label(self) -> str:
        """The account as NetSuite writes it in host names (`1234567-sb1`)."""
        return host_label(self.account)

    def client_settings(self) -> dict[str, str]:
        """What a TBA client is configured with, in the `netsuite` package's terms."""
        return {
            "account": self.account,
            "consumer_key": self.credentials.consumer_key,
            "consumer_secret": self.credentials.consumer_secret,
            "token_id": self.credentials.token_id,
            "token_secret": self.credentials.token_secret,
            "rest_url": self.rest_url,
        }

    def records(self, type_name: str) -> list[Record]:
        """The rows of a record type in id order (the stored dicts themselves)."""
        with self.store.lock:
            return self.store.all(type_name)

    def record(self, type_name: str, record_id: str) -> Record | None:
        with self.store.lock:
            return self.store.get(type_name, record_id)

    def save(self, path: str | Path | None = None) -> None:
        target = Path(path) if path is not None else self.data_file
        if target is None:
            raise ValueError("no data file: pass a path or create the sandbox with data_file")
        persistence.save(self.store, self.account, target)

    def stats(self) -> dict[str, Any]:
        return {
            "in_flight": self.limiter.in_flight,
            "peak": self.limiter.peak,
            "refused": self.limiter.refused,
            "injected": dict(self.injector.injected),
            "requests": len(self.api.request_log),
        }

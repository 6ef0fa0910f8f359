"""`OdooSandbox`: a local Odoo 16/17/18 that `odoorpc` and `xmlrpc.client` can talk to.

    with OdooSandbox(version=17) as odoo:      # serves on 127.0.0.1, a free port
        client = odoorpc.ODOO("127.0.0.1", port=odoo.port)
        client.login(odoo.database, odoo.login, odoo.password)

Tests reach the state behind the API through `env()` / `transaction()` (to tamper with a
record), `faults` (to inject failures) and `match_payment` (what a bank reconciliation
does). With `data_file`, the database is loaded from the file when it exists and saved
back on `stop()` (and after every change with `autosave`).
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .database import Database, Env, utc_now
from .faults import FaultConfig, FaultInjector
from .models import SUPPORTED_VERSIONS, registry_for
from .rpc import RpcService
from .seed import ADMIN_LOGIN, ADMIN_PASSWORD, ADMIN_UID, seed
from .server import OdooHTTPServer
from .state import load, save

DEFAULT_DATABASE = "cn285"


class OdooSandbox:
    """One Odoo database served over HTTP in a background thread."""

    def __init__(
        self,
        version: int = 17,
        data_file: str | Path | None = None,
        port: int = 0,
        host: str = "127.0.0.1",
        faults: FaultConfig | None = None,
        database: str = DEFAULT_DATABASE,
        clock: Callable[[], dt.datetime] = utc_now,
        autosave: bool = False,
        in_payment: bool | None = None,
    ) -> None:
        if version not in SUPPORTED_VERSIONS:
            raise ValueError(f"unsupported Odoo version {version}: expected 16, 17 or 18")
        self.version = version
        self.host = host
        self.requested_port = port
        self.data_file = Path(data_file) if data_file else None
        self.autosave = autosave
        self.login = ADMIN_LOGIN
        self.password = ADMIN_PASSWORD
        self.uid = ADMIN_UID
        self.faults = FaultInjector(faults)
        self.db = Database(database, registry_for(version), clock)
        if self.data_file is not None and self.data_file.exists():
            load(self.db, self.data_file)
        else:
            seed(self.db)
        if in_payment is not None:
            # `in_payment` before the bank match: Odoo 18, or 16/17 with the Accounting app
            self.db.options["invoice_in_payment"] = in_payment
        self.service = RpcService(self.db)
        self._server: OdooHTTPServer | None = None
        self._thread: threading.Thread | None = None
        if self.data_file is not None and autosave:
            self.db.on_commit = self.save

    # -- lifecycle ----------------------------------------------------------------------

    def start(self) -> str:
        """Serve in a background thread; return the base URL (e.g. http://127.0.0.1:8069)."""
        if self._server is not None:
            return self.url
        self._server = OdooHTTPServer((self.host, self.requested_port), self.service, self.faults)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"odoo-sandbox-{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self.url

    def stop(self) -> None:
        """Stop serving (and save to `data_file` when there is one)."""
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        if self.data_file is not None:
            self.save()

    def __enter__(self) -> OdooSandbox:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def serve_forever(self) -> None:
        """Block until interrupted (for the command line)."""
        self.start()
        assert self._thread is not None
        try:
            while self._thread.is_alive():
                self._thread.join(timeout=0.5)
        finally:
            self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            return self.requested_port
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def database(self) -> str:
        return self.db.name

    # -- state access for tests and demos -----------------------------------------------

    def env(self, context: dict[str, Any] | None = None) -> Env:
        """An admin environment on the database (use inside `transaction()` to change it)."""
        return self.service.user_env(self.uid, context)

    @contextmanager
    def transaction(self, context: dict[str, Any] | None = None) -> Iterator[Env]:
        """Change the database directly, atomically, as the admin user."""
        with self.db.transaction():
            yield self.env(context)

    def match_payment(self, payment_id: int) -> None:
        """Mark a payment as matched with a bank statement line (its invoices become paid)."""
        with self.transaction() as env:
            payment = env["account.payment"].browse(payment_id)
            payment._check_exists()
            payment.mark_matched()

    def save(self, path: str | Path | None = None) -> Path:
        """Write the whole database to `path` (default: `data_file`)."""
        target = Path(path) if path else self.data_file
        if target is None:
            raise ValueError("no file to save to: pass a path or set data_file")
        return save(self.db, target)

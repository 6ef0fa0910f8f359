"""Connectors opened from the configuration, for the processes that run sync work
(the CLI, the scheduler's jobs, workers, the demo)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from cn285.connectors.base import Connector, connector_for
from cn285.hub.config import connector_config


def open_connector(config: Mapping[str, Any], name: str) -> Connector:
    """Connector `name` with its settings from `config` and the environment."""
    return connector_for(name, connector_config(config, name))


class Lent:
    """A pooled connector while a job uses it; `discard()` closes it instead of keeping it
    (a job that met errors: its session or its caches may be stale)."""

    def __init__(self, connector: Connector) -> None:
        self.connector = connector
        self.discarded = False

    def discard(self) -> None:
        self.discarded = True


class ConnectorPool:
    """Connectors kept open between the jobs of a long-lived process: opening one logs in
    (for Odoo, a round trip and a parse of the mapping), which cost more than a quiet sync.

    A borrowed connector is the borrower's alone; one older than `max_age` seconds is closed
    rather than lent again, so that a change in the ERP's set-up (a new tax, a renamed
    account, which connectors cache) is seen within that time, and after any failure.
    """

    def __init__(self, max_age: float = 600.0) -> None:
        self.max_age = max_age
        self._idle: dict[str, tuple[Connector, float]] = {}
        self._lock = threading.Lock()

    @contextmanager
    def borrow(self, config: Mapping[str, Any], name: str) -> Iterator[Lent]:
        settings = connector_config(config, name)
        key = name + json.dumps(settings, sort_keys=True, default=str)
        with self._lock:
            connector, opened = self._idle.pop(key, (None, 0.0))
        if connector is not None and time.monotonic() - opened > self.max_age:
            connector.close()
            connector = None
        if connector is None:
            connector, opened = connector_for(name, settings), time.monotonic()
        lent = Lent(connector)
        try:
            yield lent
        except BaseException:
            connector.close()
            raise
        if lent.discarded:
            connector.close()
            return
        with self._lock:
            spare = self._idle.pop(key, None)
            self._idle[key] = (connector, opened)
        if spare is not None:  # another borrower returned one meanwhile: keep one
            spare[0].close()

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, {}
        for connector, _ in idle.values():
            connector.close()


#: the pool of this process (the scheduler's jobs and the demo share it)
POOL = ConnectorPool()

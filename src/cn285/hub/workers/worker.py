"""`cn285 worker`: a process that claims work items from the store and does them.

Billing items are batches of contract groups of one billing run; sync items are streams of
one connector. Any number of workers, on any number of machines sharing the PostgreSQL
store, drain the queue together; the process that started a billing run works on it too.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.engine import Engine

from cn285.hub.scheduler.leases import holder_name
from cn285.hub.workers import queue

log = logging.getLogger(__name__)
Handler = Callable[[Engine, Mapping[str, Any], "queue.Claimed"], dict[str, Any]]


def _billing(engine: Engine, config: Mapping[str, Any], item: queue.Claimed) -> dict[str, Any]:
    from cn285.hub.services.billing import bill_groups

    groups = [set(group) for group in item.payload["groups"]]
    assert item.run_id is not None
    stored, errors = bill_groups(
        engine, groups, dt.date.fromisoformat(item.payload["until"]), item.run_id
    )
    return {"contracts": sum(len(g) for g in groups), "stored": stored, "errors": errors}


def _sync(engine: Engine, config: Mapping[str, Any], item: queue.Claimed) -> dict[str, Any]:
    from cn285.hub.connections import open_connector
    from cn285.hub.sync.service import sync

    name = item.payload["connector"]
    erp = open_connector(config, name)
    try:
        runs = sync(engine, erp, item.payload["streams"])
    finally:
        erp.close()
    errors = [f"{name} {r.stream}: {r.error}" for r in runs if r.status != "completed"]
    return {
        "streams": {r.stream: [r.created, r.updated, r.unchanged, r.failed] for r in runs},
        "errors": errors,
    }


HANDLERS: dict[str, Handler] = {"billing": _billing, "sync": _sync}


@dataclass
class Worker:
    """Claims and does items until stopped (or, with `until_idle`, until none is left)."""

    engine: Engine
    config: Mapping[str, Any] = field(default_factory=dict)
    lease_seconds: float = 30.0
    poll_seconds: float = 1.0
    name: str = field(default_factory=holder_name)
    stop: threading.Event = field(default_factory=threading.Event)
    done: int = 0

    def run(self, *, run_id: int | None = None, until_idle: bool = False) -> int:
        while not self.stop.is_set():
            if not self.work_one(run_id=run_id):
                if until_idle:
                    break
                self.stop.wait(self.poll_seconds)
        return self.done

    def work_one(self, *, run_id: int | None = None) -> bool:
        """Claim and do one item; False when there was none to claim."""
        item = queue.claim(self.engine, self.name, self.lease_seconds, run_id=run_id)
        if item is None:
            return False
        with _Heartbeat(self, item.id):
            try:
                result = HANDLERS[item.kind](self.engine, self.config, item)
                status = "done"
            except Exception as exc:  # reported on the item; the worker goes on
                log.exception("work item %s (%s) failed", item.id, item.kind)
                result, status = {"errors": [f"{type(exc).__name__}: {exc}"]}, "failed"
        queue.complete(self.engine, item.id, self.name, result, status)
        self.done += 1
        return True


class _Heartbeat:
    """Renews the lease on an item while its work runs."""

    def __init__(self, worker: Worker, item_id: int) -> None:
        self.worker, self.item_id = worker, item_id
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, daemon=True)

    def __enter__(self) -> _Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _beat(self) -> None:
        w = self.worker
        while not self._stop.wait(w.lease_seconds / 3):
            try:
                if not queue.renew(w.engine, self.item_id, w.name, w.lease_seconds):
                    return
            except Exception:  # the database is briefly away: the next beat tries again
                log.warning("could not renew the lease on work item %s", self.item_id)

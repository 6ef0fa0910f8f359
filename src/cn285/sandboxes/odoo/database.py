"""The rows of one Odoo database, its transactions, and the environment calls run in.

Each RPC call runs in one transaction under the database lock: when it raises, every row
it touched is restored, as PostgreSQL would roll back. `Env` carries the user and the
context (`active_test`, `default_*`, `tz`, ...) like Odoo's environment.
"""

from __future__ import annotations

import copy as copy_module
import datetime as dt
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from .registry import Registry

if TYPE_CHECKING:
    from .orm import BaseModel

DEFAULT_PRECISIONS = {"Product Price": 2, "Discount": 2, "Product Unit of Measure": 2}


# -- database ----------------------------------------------------------------------------


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Database:
    """All rows of one Odoo database, with one lock and an undo log per transaction."""

    def __init__(
        self,
        name: str,
        registry: Registry,
        clock: Callable[[], dt.datetime] = utc_now,
    ) -> None:
        self.name = name
        self.registry = registry
        self.version = registry.version
        self.clock = clock
        self.tables: dict[str, dict[int, dict[str, Any]]] = {m: {} for m in registry.models}
        self.next_ids: dict[str, int] = dict.fromkeys(registry.models, 1)
        self.sequences: dict[str, int] = {}
        self.credentials: dict[int, str] = {}
        self.options: dict[str, Any] = {}
        self.lock = threading.RLock()
        self.on_commit: Callable[[], None] | None = None
        self._undo: dict[tuple[str, int], dict[str, Any] | None] | None = None
        self._children: dict[tuple[str, str], dict[int, list[int]]] = {}

    # rows -------------------------------------------------------------------------------

    def row(self, model: str, record_id: int) -> dict[str, Any] | None:
        return self.tables[model].get(record_id)

    def rows(self, model: str) -> list[tuple[int, dict[str, Any]]]:
        return list(self.tables[model].items())

    def ids(self, model: str) -> list[int]:
        return sorted(self.tables[model])

    def _touch(self, model: str, record_id: int) -> None:
        self._children = {k: v for k, v in self._children.items() if k[0] != model}
        if self._undo is None:
            return
        key = (model, record_id)
        if key not in self._undo:
            current = self.tables[model].get(record_id)
            self._undo[key] = None if current is None else _copy_row(current)

    def insert(self, model: str, values: dict[str, Any]) -> int:
        record_id = self.next_ids[model]
        self.next_ids[model] = record_id + 1
        self._touch(model, record_id)
        self.tables[model][record_id] = dict(values)
        return record_id

    def update(self, model: str, record_id: int, values: dict[str, Any]) -> None:
        self._touch(model, record_id)
        self.tables[model][record_id].update(values)

    def delete(self, model: str, record_id: int) -> None:
        self._touch(model, record_id)
        self.tables[model].pop(record_id, None)

    def reset_indexes(self) -> None:
        """Forget the derived indexes (after rows were replaced wholesale)."""
        self._children = {}

    def next_sequence(self, key: str) -> int:
        number = self.sequences.get(key, 0) + 1
        self.sequences[key] = number
        return number

    def children(self, model: str, inverse: str) -> dict[int, list[int]]:
        """Ids of `model` per value of its many2one `inverse` (an index kept until a write)."""
        key = (model, inverse)
        index = self._children.get(key)
        if index is None:
            index = {}
            for record_id in sorted(self.tables[model]):
                parent = self.tables[model][record_id].get(inverse)
                if parent:
                    index.setdefault(parent, []).append(record_id)
            self._children[key] = index
        return index

    # transactions -----------------------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Run a block atomically: on error, every row and counter it changed is restored."""
        with self.lock:
            if self._undo is not None:
                yield
                return
            self._undo = {}
            next_ids = dict(self.next_ids)
            sequences = dict(self.sequences)
            credentials = dict(self.credentials)
            options = copy_module.deepcopy(self.options)
            try:
                yield
            except BaseException:
                for (model, record_id), old in self._undo.items():
                    if old is None:
                        self.tables[model].pop(record_id, None)
                    else:
                        self.tables[model][record_id] = old
                self.next_ids, self.sequences = next_ids, sequences
                self.credentials, self.options = credentials, options
                self._children = {}
                raise
            else:
                changed = bool(self._undo) or sequences != self.sequences
                changed = changed or credentials != self.credentials
                if changed and self.on_commit is not None:
                    self.on_commit()
            finally:
                self._undo = None


def _copy_row(row: dict[str, Any]) -> dict[str, Any]:
    return {k: list(v) if isinstance(v, list) else v for k, v in row.items()}


# -- environment -------------------------------------------------------------------------


class Env:
    """A user and a context over a database: `env["res.partner"]` is an empty recordset."""

    def __init__(self, db: Database, uid: int, context: dict[str, Any] | None = None) -> None:
        self.db = db
        self.uid = uid
        self.context: dict[str, Any] = dict(context or {})
        self.registry = db.registry
        self.version = db.version

    def __getitem__(self, model: str) -> BaseModel:
        return self.registry.models[model](self, ())

    def __contains__(self, model: str) -> bool:
        return model in self.registry.models

    def with_context(self, context: dict[str, Any] | None = None, **changes: Any) -> Env:
        base = dict(self.context) if context is None else dict(context)
        base.update(changes)
        return Env(self.db, self.uid, base)

    @property
    def user(self) -> BaseModel:
        return self["res.users"].browse(self.uid)

    @property
    def company(self) -> BaseModel:
        row = self.db.row("res.users", self.uid)
        company_id = (row or {}).get("company_id") or min(self.db.tables["res.company"], default=0)
        return self["res.company"].browse(company_id)

    def now(self) -> str:
        """The transaction's UTC time as Odoo stores datetimes (seconds, no zone)."""
        return self.db.clock().astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S")

    def today(self) -> str:
        """Today in the user's time zone (Odoo's `fields.Date.context_today`)."""
        tz = self.context.get("tz") or "Europe/Paris"
        try:
            zone = ZoneInfo(tz)
        except (KeyError, ValueError):
            zone = ZoneInfo("UTC")
        return self.db.clock().astimezone(zone).date().isoformat()

    def precision(self, name: str) -> int:
        rows = self.db.rows("decimal.precision") if "decimal.precision" in self else []
        for _rid, row in rows:
            if row.get("name") == name:
                return int(row.get("digits") or 0)
        return DEFAULT_PRECISIONS.get(name, 2)

"""Where the sandbox's records live: one in-memory table per record type.

The store only keeps rows, id sequences and the external-id index; business rules live in
`writes` and `accounting`. A record is a dict keyed by the declared (camelCase) field names;
amounts are `Decimal`, dates `date`, instants aware `datetime`, references `{"id": "14"}`
and sublists lists of line dicts. Ids are strings of integers, drawn from one sequence per
family (all transactions share one, all items another), as NetSuite's internal ids are.

Tests may read and tamper with `records` directly (under `lock`) to stage situations that
the API would refuse to create.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

from cn285.sandboxes.netsuite.dates import utc_now
from cn285.sandboxes.netsuite.records.types import RECORD_TYPES, RecordType, family_types

Record = dict[str, Any]


class RecordStore:
    """Rows by type and id; every access from the server happens under `lock`."""

    def __init__(self, clock: Callable[[], datetime] = utc_now) -> None:
        self.records: dict[str, dict[str, Record]] = {name: {} for name in RECORD_TYPES}
        self.sequences: dict[str, int] = {}
        self.lock = threading.RLock()
        self.clock = clock
        self.on_change: Callable[[], None] | None = None
        # value -> id, per type and unique field (externalId and each type's `unique`), so
        # that a write checks uniqueness without reading the whole table
        self._unique: dict[tuple[str, str], dict[Any, str]] = {
            (name, field): {}
            for name, rtype in RECORD_TYPES.items()
            for field in ("externalId", *rtype.unique)
        }

    # -- reading ---------------------------------------------------------------------------

    def get(self, type_name: str, record_id: str) -> Record | None:
        return self.records[type_name].get(record_id)

    def all(self, type_name: str) -> list[Record]:
        """Rows in id order, the order an unsorted NetSuite list comes back in."""
        table = self.records[type_name]
        return [table[key] for key in sorted(table, key=_id_order)]

    def find(self, type_names: tuple[str, ...], record_id: str) -> tuple[str, Record] | None:
        for name in type_names:
            record = self.records[name].get(record_id)
            if record is not None:
                return name, record
        return None

    def by_external_id(self, type_name: str, external_id: str) -> Record | None:
        return self.lookup(type_name, "externalId", external_id)

    def lookup(self, type_name: str, field_name: str, value: Any) -> Record | None:
        """The row whose unique `field_name` is `value`, through the index (checked
        against the row). Rows are indexed by `put`: a test editing a row in place must
        `put` it back for look-ups to see the change."""
        record_id = self._unique[(type_name, field_name)].get(value)
        record = self.records[type_name].get(record_id) if record_id else None
        if record is not None and record.get(field_name) == value:
            return record
        return None

    def snapshot(self) -> RecordStore:
        """A read-only view of the rows as they are now (call under `lock`). Stored rows are
        never changed in place (a write stores a new dict), so copying the tables suffices:
        a long query reads the view while writes go on."""
        view = copy.copy(self)
        view.records = {name: dict(table) for name, table in self.records.items()}
        return view

    def iter_all(self) -> Iterator[tuple[str, Record]]:
        for name, table in self.records.items():
            for record in table.values():
                yield name, record

    def now(self) -> datetime:
        return self.clock().replace(microsecond=0)

    # -- writing ---------------------------------------------------------------------------

    def next_id(self, record_type: RecordType) -> str:
        family = record_type.family
        current = self.sequences.get(family)
        if current is None:
            existing = [
                int(key)
                for t in family_types(family)
                for key in self.records[t.name]
                if key.isdigit()
            ]
            current = max(existing, default=0)
        self.sequences[family] = current + 1
        return str(current + 1)

    def next_number(self, counter: str) -> int:
        """Document numbers (tranId) count per record type, apart from internal ids."""
        key = f"number:{counter}"
        value = self.sequences.get(key, 0) + 1
        self.sequences[key] = value
        return value

    def put(self, type_name: str, record: Record) -> None:
        previous = self.records[type_name].get(record["id"])
        if previous is not None:
            self._unindex(type_name, previous)
        self.records[type_name][record["id"]] = record
        for (_, field_name), index in self._indexes(type_name):
            value = record.get(field_name)
            if value:
                index[value] = record["id"]

    def remove(self, type_name: str, record_id: str) -> None:
        self._unindex(type_name, self.records[type_name].pop(record_id))

    def _indexes(self, type_name: str) -> Iterator[tuple[tuple[str, str], dict[Any, str]]]:
        return ((key, index) for key, index in self._unique.items() if key[0] == type_name)

    def _unindex(self, type_name: str, record: Record) -> None:
        for (_, field_name), index in self._indexes(type_name):
            value = record.get(field_name)
            if value and index.get(value) == record["id"]:
                del index[value]

    def changed(self) -> None:
        """Called after each committed write (persistence hooks in here)."""
        if self.on_change is not None:
            self.on_change()


def _id_order(key: str) -> tuple[int, str]:
    return (int(key), "") if key.isdigit() else (1 << 62, key)

"""Saving the sandbox's records to a JSON file and loading them back.

Values keep their exact types through a tagged encoding (`{"$decimal": "12.50"}`,
`{"$date": ...}`, `{"$datetime": ...}`), so a reloaded sandbox compares amounts and dates
exactly as before. Writes go to a temporary file renamed over the old one, so a crash never
leaves half a file.
"""

from __future__ import annotations

import json
import os
import tempfile
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from cn285.sandboxes.netsuite.dates import parse_iso_datetime
from cn285.sandboxes.netsuite.records.store import RecordStore
from cn285.sandboxes.netsuite.records.types import RECORD_TYPES

FORMAT = "cn285-netsuite-sandbox"
VERSION = 1


class PersistenceError(ValueError):
    """The file is not a sandbox data file this version can read."""


def _encode(value: Any) -> Any:
    if isinstance(value, Decimal):
        return {"$decimal": str(value)}
    if isinstance(value, datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, date):
        return {"$date": value.isoformat()}
    if isinstance(value, dict):
        return {k: _encode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_encode(v) for v in value]
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, dict):
        if len(value) == 1:
            ((tag, raw),) = value.items()
            if tag == "$decimal":
                return Decimal(raw)
            if tag == "$datetime":
                return parse_iso_datetime(raw)
            if tag == "$date":
                return date.fromisoformat(raw)
        return {k: _decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_decode(v) for v in value]
    return value


def dump(store: RecordStore, account: str) -> dict[str, Any]:
    with store.lock:
        return {
            "format": FORMAT,
            "version": VERSION,
            "account": account,
            "sequences": dict(store.sequences),
            "records": {name: [_encode(r) for r in store.all(name)] for name in RECORD_TYPES},
        }


def save(store: RecordStore, account: str, path: Path) -> None:
    document = dump(store, account)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=path.name, suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            json.dump(document, file, indent=1, sort_keys=True)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def load(store: RecordStore, path: Path) -> str:
    """Replace the store's content with the file's; returns the account it was saved for."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise PersistenceError(f"{path}: cannot read sandbox data: {exc}") from None
    if document.get("format") != FORMAT or document.get("version") != VERSION:
        raise PersistenceError(f"{path}: not a version {VERSION} NetSuite sandbox data file")
    with store.lock:
        for name in RECORD_TYPES:
            for record_id in list(store.records[name]):
                store.remove(name, record_id)
        for name, rows in document.get("records", {}).items():
            if name not in RECORD_TYPES:
                raise PersistenceError(f"{path}: unknown record type {name!r}")
            for row in rows:
                store.put(name, _decode(row))
        store.sequences = {k: int(v) for k, v in document.get("sequences", {}).items()}
    return str(document.get("account", ""))

"""Saving the whole sandbox database to a JSON file and loading it back.

A demo can stop and restart without losing what it created. The file holds every row of
every model (amounts as decimal strings, so nothing is lost to floats), the id counters,
the numbering sequences and the users' passwords; it is written to a temporary file and
renamed, so a crash never leaves half a file.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from .database import Database

FORMAT = "cn285.odoo-sandbox/1"


def dump(db: Database) -> dict[str, Any]:
    """The database as JSON-compatible data."""
    with db.lock:
        tables: dict[str, dict[str, dict[str, Any]]] = {}
        for model, rows in db.tables.items():
            fields = db.registry.fields[model]
            tables[model] = {
                str(record_id): {
                    name: fields[name].to_json(value) if name in fields else value
                    for name, value in row.items()
                }
                for record_id, row in sorted(rows.items())
            }
        return {
            "format": FORMAT,
            "version": db.version,
            "database": db.name,
            "next_ids": dict(db.next_ids),
            "sequences": dict(db.sequences),
            "credentials": {str(uid): password for uid, password in db.credentials.items()},
            "options": db.options,
            "tables": tables,
        }


def restore(db: Database, data: dict[str, Any]) -> None:
    """Replace the content of `db` with `data` (as made by `dump`)."""
    if data.get("format") != FORMAT:
        raise ValueError(f"not an Odoo sandbox file (format {data.get('format')!r})")
    if data.get("version") != db.version:
        raise ValueError(
            f"the file holds an Odoo {data.get('version')} database, not Odoo {db.version}"
        )
    unknown = set(data["tables"]) - set(db.registry.models)
    if unknown:
        raise ValueError(f"the file has models this sandbox does not know: {sorted(unknown)}")
    with db.lock:
        db.name = data.get("database") or db.name
        for model in db.tables:
            fields = db.registry.fields[model]
            db.tables[model] = {
                int(record_id): {
                    name: fields[name].from_json(value) if name in fields else value
                    for name, value in row.items()
                }
                for record_id, row in data["tables"].get(model, {}).items()
            }
            db.next_ids[model] = int(data["next_ids"].get(model, 1))
        db.sequences = {k: int(v) for k, v in data.get("sequences", {}).items()}
        db.credentials = {int(uid): pw for uid, pw in data.get("credentials", {}).items()}
        db.options = dict(data.get("options", {}))
        db.reset_indexes()


def save(db: Database, path: str | Path) -> Path:
    """Write the database to `path` atomically."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    data = dump(db)
    handle, temporary = tempfile.mkstemp(prefix=target.name, suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            json.dump(data, stream, ensure_ascii=False, indent=1)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return target


def load(db: Database, path: str | Path) -> None:
    """Load the database saved at `path` into `db`."""
    with open(path, encoding="utf-8") as stream:
        restore(db, json.load(stream))

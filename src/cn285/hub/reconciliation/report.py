"""A reconciliation run's report: JSON (for programs), CSV (for spreadsheets) and HTML (for
people), rendered from the store a page of items at a time.

The same renderers feed the API (streamed responses) and the report files; a file is written
under a temporary name in its folder, then renamed: it is complete or absent, never half
written, and a reader never sees a report being rewritten.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from jinja2 import Environment
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from cn285.hub.reconciliation.html import TEMPLATE
from cn285.hub.services.errors import NotFound
from cn285.hub.store import models

PAGE = 500
CSV_HEADER = (
    "run_id",
    "connector",
    "kind",
    "entity",
    "local_key",
    "remote_id",
    "field",
    "cn285",
    "erp",
    "difference",
    "reason",
)
MEDIA_TYPES = {
    "json": "application/json",
    "csv": "text/csv; charset=utf-8",
    "html": "text/html; charset=utf-8",
}
_HTML = Environment(autoescape=True, trim_blocks=True, lstrip_blocks=True).from_string(TEMPLATE)


def run_summary(run: models.ReconciliationRun) -> dict[str, Any]:
    return {
        "id": run.id,
        "connector": run.connector,
        "status": run.status,
        "started_at": run.started_at.isoformat(),
        "finished_at": run.finished_at.isoformat() if run.finished_at else None,
        "checked": run.checked,
        "counts": run.counts,
        "differences": sum(run.counts.values()),
        "error": run.error,
    }


def item_dict(item: models.ReconciliationItem) -> dict[str, Any]:
    return {
        "id": item.id,
        "kind": item.kind,
        "entity": item.entity,
        "local_key": item.local_key,
        "remote_id": item.remote_id,
        "detail": item.detail,
    }


def _run(engine: Engine, run_id: int) -> models.ReconciliationRun:
    with Session(engine) as session:
        run = session.get(models.ReconciliationRun, run_id)
    if run is None:
        raise NotFound("reconciliation run", str(run_id))
    return run


def items(engine: Engine, run_id: int) -> Iterator[models.ReconciliationItem]:
    """The run's items in id order, read `PAGE` at a time."""
    item = models.ReconciliationItem
    last = 0
    while True:
        with Session(engine) as session:
            page = session.scalars(
                select(item)
                .where(item.run_id == run_id, item.id > last)  # type: ignore[operator]
                .order_by(item.id)
                .limit(PAGE)
            ).all()
        if not page:
            return
        last = page[-1].id or last
        yield from page


# -- renderers: each yields the document in pieces --------------------------------------------


def render_json(engine: Engine, run_id: int) -> Iterator[str]:
    summary = json.dumps(run_summary(_run(engine, run_id)), ensure_ascii=False)
    yield f'{{"run": {summary}, "items": ['
    for position, item in enumerate(items(engine, run_id)):
        yield ("," if position else "") + "\n" + json.dumps(item_dict(item), ensure_ascii=False)
    yield "\n]}\n"


def csv_rows(run: models.ReconciliationRun, item: models.ReconciliationItem) -> Iterator[list]:
    """One row per differing field (one row when nothing is compared field by field)."""
    detail = item.detail or {}
    reason = detail.get("reason", "")
    base = [run.id, run.connector, item.kind, item.entity, item.local_key, item.remote_id]
    fields = detail.get("fields") or {}
    if not fields:
        yield [*base, "", "", "", "", reason]
    for name, values in fields.items():
        yield [
            *base,
            name,
            values.get("cn285"),
            values.get("erp"),
            values.get("difference"),
            reason,
        ]


def render_csv(engine: Engine, run_id: int) -> Iterator[str]:
    run = _run(engine, run_id)
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def flush() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    writer.writerow(CSV_HEADER)
    yield flush()
    for item in items(engine, run_id):
        writer.writerows(["" if v is None else v for v in row] for row in csv_rows(run, item))
        yield flush()


def render_html(engine: Engine, run_id: int) -> Iterator[str]:
    run = _run(engine, run_id)
    lines = (
        {k: "" if v is None else v for k, v in zip(CSV_HEADER, row, strict=True)}
        for item in items(engine, run_id)
        for row in csv_rows(run, item)
    )
    yield from _HTML.generate(run=run_summary(run), lines=lines)


RENDERERS: dict[str, Callable[[Engine, int], Iterator[str]]] = {
    "json": render_json,
    "csv": render_csv,
    "html": render_html,
}


# -- files ----------------------------------------------------------------------------------------


def report_name(run: models.ReconciliationRun, fmt: str) -> str:
    return f"reconciliation-{run.connector}-{run.id}.{fmt}"


def write_reports(engine: Engine, run_id: int, folder: Path) -> dict[str, Path]:
    """The run's report in every format, each file written atomically into `folder`."""
    run = _run(engine, run_id)
    folder.mkdir(parents=True, exist_ok=True)
    return {
        fmt: _write_atomically(folder / report_name(run, fmt), render(engine, run_id))
        for fmt, render in RENDERERS.items()
    }


def _write_atomically(target: Path, pieces: Iterator[str]) -> Path:
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
            for piece in pieces:
                stream.write(piece)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, 0o644)
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    return target

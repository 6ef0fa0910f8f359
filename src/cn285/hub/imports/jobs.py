"""Import jobs: a file uploaded over the API, imported in a background thread.

The job's row (`import_job`) says where it is (queued, running, done, failed) and, once
done, what the import did; the bytes read so far are kept in memory only (`progress`), since
a strict import holds its transaction (on SQLite, the write lock) until it ends.
A server stopped during a job leaves it `running`: import the file again (it is idempotent).
"""

from __future__ import annotations

import logging
import os
import re
import tempfile
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine

from cn285.hub.imports import kinds
from cn285.hub.imports.dialect import ImportFileError
from cn285.hub.imports.engine import MODES, ImportResult, run_import
from cn285.hub.store import models
from cn285.hub.store.database import session_scope
from cn285.hub.store.types import now

log = logging.getLogger(__name__)
MAX_JOB_ERRORS = 100  # errors kept on the job's row (the rejects file has them all)

#: job id -> (bytes read, total bytes) while the job runs
_progress: dict[int, tuple[int, int]] = {}
_lock = threading.Lock()


def upload_folder(folder: str | os.PathLike[str] | None = None) -> Path:
    """Where uploads and rejects files live: `folder`, CN285_IMPORT_DIR, or the temp folder."""
    chosen = folder or os.environ.get("CN285_IMPORT_DIR")
    path = Path(chosen) if chosen else Path(tempfile.gettempdir()) / "cn285-imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def create_job(
    engine: Engine,
    kind: str,
    upload: Path,
    *,
    mode: str,
    dry_run: bool,
    declared: Mapping[str, str | None],
    actor: str,
) -> models.ImportJob:
    """Record a queued job for an uploaded file (ValueError for an unknown kind or mode)."""
    kinds.kind(kind)
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r} (modes: {', '.join(MODES)})")
    with session_scope(engine) as session:
        job = models.ImportJob(
            kind=kind,
            mode=mode,
            dry_run=dry_run,
            options={k: v for k, v in declared.items() if v is not None},
            file_path=str(upload),
            actor=actor,
        )
        session.add(job)
        session.flush()
        session.refresh(job)
    return job


def start(engine: Engine, job_id: int, folder: Path) -> threading.Thread:
    """Run the job in a daemon thread; the caller answers at once."""
    thread = threading.Thread(
        target=run_job, args=(engine, job_id, folder), name=f"import-{job_id}", daemon=True
    )
    thread.start()
    return thread


def run_job(engine: Engine, job_id: int, folder: Path) -> None:
    """Import the job's file and record the outcome; never raises (a crash fails the job)."""
    with session_scope(engine) as session:
        job = session.get(models.ImportJob, job_id)
        assert job is not None
        job.status, job.started_at = "running", now()
        kind, mode, dry_run = job.kind, job.mode, job.dry_run
        options, upload, actor = dict(job.options), Path(job.file_path or ""), job.actor
    changes: dict[str, Any]
    try:
        result = run_import(
            engine,
            kind,
            upload,
            mode=mode,
            dry_run=dry_run,
            declared=options,
            rejects=folder / f"import-{job_id}.rejects.csv",
            actor=actor,
            progress=lambda done, total: _note(job_id, done, total),
        )
        changes = {"status": "done", **_summary(result)}
    except Exception as exc:  # a file-level error, or a crash: the job says so
        if not _is_file_error(exc):
            log.exception("import job %s failed", job_id)
        changes = {"status": "failed", "error": api_message(str(exc) or type(exc).__name__)}
    finally:
        upload.unlink(missing_ok=True)
        with _lock:
            _progress.pop(job_id, None)
    with session_scope(engine) as session:
        job = session.get(models.ImportJob, job_id)
        assert job is not None
        for name, value in {**changes, "file_path": None, "finished_at": now()}.items():
            setattr(job, name, value)


def api_message(text: str) -> str:
    """A message written for the command line, with the API's names for its options
    (`--date-format` is the `date_format` parameter)."""
    return re.sub(r"--([a-z]+(?:-[a-z]+)*)", lambda m: m[1].replace("-", "_"), text)


def progress(job_id: int) -> tuple[int, int] | None:
    with _lock:
        return _progress.get(job_id)


def _note(job_id: int, done: int, total: int) -> None:
    with _lock:
        _progress[job_id] = (done, total)


def _is_file_error(exc: Exception) -> bool:
    return isinstance(exc, ImportFileError | ValueError)


def _summary(result: ImportResult) -> dict[str, Any]:
    return {
        "outcome": result.status,
        "dialect": {
            "delimiter": result.dialect.delimiter,
            "encoding": result.dialect.encoding,
            "decimal": result.dialect.decimal,
            "date_format": result.dialect.date_format,
        },
        "rows": result.rows,
        "created": result.created,
        "updated": result.updated,
        "unchanged": result.unchanged,
        "rejected": result.rejected,
        "error_count": result.error_count,
        "errors": [
            {"line": line, "column": column, "message": message}
            for line, column, message in result.errors[:MAX_JOB_ERRORS]
        ],
        "rejects_path": str(result.rejects) if result.rejects else None,
    }

"""CSV imports over HTTP: upload a file (as the request body, or as the one file of a
multipart form: `curl -F file=@data.csv`), then poll the job.

The upload is streamed to a file and imported in a background thread (a file of a million
rows outlasts any HTTP timeout); `GET /v1/imports/{id}` tells where it is, and
`/v1/imports/{id}/rejects` returns the refused rows to correct and upload again.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from pathlib import Path as FilePath
from typing import Annotated, Any, BinaryIO, Literal

from fastapi import APIRouter, HTTPException, Path, Query, Request, Response, status
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse
from pydantic import BaseModel
from starlette.datastructures import UploadFile

from cn285.hub.api.deps import DB, CallerDep
from cn285.hub.api.pagination import MAX_ID
from cn285.hub.imports import jobs
from cn285.hub.imports.dialect import ImportFileError, detect
from cn285.hub.imports.kinds import MODULES
from cn285.hub.services.errors import NotFound
from cn285.hub.store import models

router = APIRouter(prefix="/v1", tags=["imports"])
JobId = Annotated[int, Path(ge=1, le=MAX_ID)]
_CHARSETS = {"utf-8": "utf-8", "utf-8-sig": "utf-8", "cp1252": "windows-1252"}
_CHUNK = 1 << 20  # bytes copied at a time from an uploaded form's file


class ImportErrorOut(BaseModel):
    line: int | None
    column: str | None
    message: str


class ProgressOut(BaseModel):
    bytes_read: int
    total_bytes: int


class ImportJobOut(BaseModel):
    id: int
    kind: str
    mode: str
    dry_run: bool
    status: str  # queued | running | done | failed
    outcome: str | None  # once done: imported, partial, refused, checked, invalid
    dialect: dict[str, str] | None
    rows: int
    created: int
    updated: int
    unchanged: int
    rejected: int
    error_count: int
    errors: list[ImportErrorOut]
    error: str | None
    rejects_url: str | None
    progress: ProgressOut | None
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None


def _out(job: models.ImportJob) -> ImportJobOut:
    assert job.id is not None
    moving = jobs.progress(job.id)
    return ImportJobOut(
        **{
            name: getattr(job, name)
            for name in ImportJobOut.model_fields
            if name not in ("rejects_url", "progress", "errors")
        },
        errors=[ImportErrorOut(**e) for e in job.errors],
        rejects_url=f"/v1/imports/{job.id}/rejects" if job.rejects_path else None,
        progress=ProgressOut(bytes_read=moving[0], total_bytes=moving[1]) if moving else None,
    )


@router.post(
    "/imports/{kind}",
    response_model=ImportJobOut,
    status_code=status.HTTP_202_ACCEPTED,
    responses={
        415: {"description": "a form other than multipart/form-data"},
        422: {"description": "an empty upload, a form without a file, or a file in error"},
    },
)
async def upload(
    kind: str,
    request: Request,
    response: Response,
    who: CallerDep,
    mode: Literal["strict", "recovery"] = "strict",
    dry_run: bool = False,
    delimiter: Annotated[str | None, Query(description=", ; or tab")] = None,
    encoding: Annotated[str | None, Query(description="utf-8, utf-8-sig or cp1252")] = None,
    decimal: Annotated[str | None, Query(description=". or ,")] = None,
    date_format: Literal["iso", "dmy"] | None = None,
) -> ImportJobOut:
    """Import a CSV file sent as the request body (`Content-Type: text/csv`) or as the one
    file of a `multipart/form-data` form (a browser form, `curl -F file=@data.csv`); the
    dialect is detected unless declared. Answers 202 with the job to poll."""
    if kind not in MODULES:
        raise NotFound("import kind", kind)
    content_type = request.headers.get("content-type", "")
    form = content_type.startswith("multipart/form-data")
    other_form = content_type.startswith(("multipart/", "application/x-www-form-urlencoded"))
    if other_form and not form:
        raise HTTPException(
            status.HTTP_415_UNSUPPORTED_MEDIA_TYPE,
            "send the file as the request body (Content-Type: text/csv) or as a "
            "multipart/form-data form",
        )
    folder = jobs.upload_folder(getattr(request.app.state, "import_dir", None))
    target = await run_in_threadpool(_new_upload, folder, kind)
    try:
        with target.open("wb") as stream:
            size = await (_save_form(request, stream) if form else _save_body(request, stream))
    except BaseException:  # the client went away, or a bad form: no half upload is kept
        target.unlink(missing_ok=True)
        raise
    if size == 0:
        target.unlink(missing_ok=True)
        raise HTTPException(422, "the uploaded file is empty: send the CSV file")
    declared = {
        "delimiter": delimiter,
        "encoding": encoding,
        "decimal": decimal,
        "date_format": date_format,
    }
    try:  # options and the file's dialect now, so that a bad upload is told at once
        await run_in_threadpool(detect, target, declared)
    except ImportFileError as exc:
        target.unlink(missing_ok=True)
        raise HTTPException(422, jobs.api_message(str(exc))) from None
    engine = request.app.state.engine
    job = await run_in_threadpool(
        jobs.create_job,
        engine,
        kind,
        target,
        mode=mode,
        dry_run=dry_run,
        declared=declared,
        actor=who.name,
    )
    assert job.id is not None
    jobs.start(engine, job.id, folder)
    response.headers["Location"] = f"/v1/imports/{job.id}"
    return _out(job)


async def _save_body(request: Request, stream: BinaryIO) -> int:
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        await run_in_threadpool(stream.write, chunk)
    return size


async def _save_form(request: Request, stream: BinaryIO) -> int:
    """The form's one file (its field named `file`, or the only file field), spooled to disk
    by the form's parser as it arrives. A broken form, or one with more than one file, is
    answered 400 by the parser."""
    async with request.form(max_files=1, max_fields=20) as form:
        chosen = form.get("file")
        if not isinstance(chosen, UploadFile):
            files = [value for value in form.values() if isinstance(value, UploadFile)]
            if not files:
                raise HTTPException(422, "the form has no file: send it as a field named file")
            chosen = files[0]
        size = 0
        while chunk := await chosen.read(_CHUNK):
            size += len(chunk)
            await run_in_threadpool(stream.write, chunk)
        return size


def _new_upload(folder: FilePath, kind: str) -> FilePath:
    handle, name = tempfile.mkstemp(prefix=f"upload-{kind}-", suffix=".csv", dir=folder)
    os.close(handle)
    return FilePath(name)


@router.get("/imports/{job_id}", response_model=ImportJobOut)
def get_job(job_id: JobId, db: DB, _: CallerDep) -> ImportJobOut:
    """Where the job is; once done, what the import did (the first errors with their line
    and column)."""
    return _out(_job(db, job_id))


@router.get(
    "/imports/{job_id}/rejects",
    response_class=FileResponse,
    responses={200: {"content": {"text/csv": {}}}},
)
def get_rejects(job_id: JobId, db: DB, _: CallerDep) -> Any:
    """The refused rows, in the uploaded file's dialect, with an `error` column: correct them
    and upload the file again as is."""
    job = _job(db, job_id)
    path = FilePath(job.rejects_path) if job.rejects_path else None
    if path is None or not path.is_file():
        raise NotFound("rejects file of import", str(job_id))
    charset = _CHARSETS.get((job.dialect or {}).get("encoding", "utf-8"), "utf-8")
    return FileResponse(
        path,
        media_type=f"text/csv; charset={charset}",
        filename=f"{job.kind}-{job_id}-rejects.csv",
    )


def _job(db: DB, job_id: int) -> models.ImportJob:
    job = db.get(models.ImportJob, job_id)
    if job is None:
        raise NotFound("import", str(job_id))
    return job

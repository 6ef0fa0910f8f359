"""The jobs of the timeline: each a thin call into a service, and the one way jobs run.

`run_job` is used by the scheduler, by `cn285 jobs run` and by the demo's simulated clock:
it takes the job's lease (one instance of a job at a time, across every process sharing
the store), records the run in `job_run` and returns it. A job that finds its lease taken
is recorded as skipped, not queued behind the other.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Connection, Engine

from cn285.hub.scheduler import leases
from cn285.hub.scheduler.timeline import JobSpec, Timeline
from cn285.hub.store import models
from cn285.hub.store.types import now

log = logging.getLogger(__name__)
_RUNS = models.JobRun.__table__  # type: ignore[attr-defined]


@dataclass
class JobContext:
    """What a job may use: the store, the configuration and the day it runs for."""

    engine: Engine
    config: Mapping[str, Any]
    timeline: Timeline
    today: dt.date
    holder: str
    extra: dict[str, Any] = field(default_factory=dict)  # e.g. the demo's report folder


Job = Callable[[JobContext, JobSpec], str]


def _billing(ctx: JobContext, spec: JobSpec) -> str:
    from cn285.hub.services.billing import idle, run_billing

    if idle(ctx.engine, ctx.today):
        return "nothing due"
    result = run_billing(
        ctx.engine,
        ctx.today,
        actor=f"scheduler:{spec.id}",
        queued=ctx.timeline.queued,
        lease_seconds=ctx.timeline.lease_seconds * 2,
    )
    return _billed(result)


def _usage_billing(ctx: JobContext, spec: JobSpec) -> str:
    """The same run, every few minutes: it finds work only when usage made a contract due
    (a threshold crossed, a `usage_complete` period closed)."""
    return _billing(ctx, spec)


def _billed(result) -> str:
    issued = result.issued
    text = (
        f"run {result.run_id}: {result.contracts} contracts, {issued.get('invoice', 0)} "
        f"invoices, {issued.get('credit_note', 0)} credit notes"
    )
    if result.errors:
        raise JobFailed(text + "; " + "; ".join(result.errors[:5]))
    return text


def _revrec_close(ctx: JobContext, spec: JobSpec) -> str:
    from cn285.billing_core.revrec.months import month_of
    from cn285.hub.services.revrec import account_plan, close_through, start_setting

    last = month_of(ctx.today) - dt.timedelta(days=1)  # the month before this one
    plan, start = account_plan(ctx.config), start_setting(ctx.config)
    closes = close_through(ctx.engine, last, plan, start)
    made = [c for c in closes if c.created]
    if not made:
        return "no month to close"
    return ", ".join(f"{c.reference} {c.recognised}" for c in made)


def _sync(ctx: JobContext, spec: JobSpec) -> str:
    from cn285.hub.connections import POOL
    from cn285.hub.sync.service import sync

    assert spec.sync is not None
    connector, stream = spec.sync
    if ctx.timeline.queued:
        from cn285.hub.workers import queue

        payload = {"connector": connector, "streams": [stream]}
        if queue.queued(ctx.engine, "sync", payload):
            return "already queued"
        with ctx.engine.begin() as connection:
            queue.enqueue(connection, "sync", [payload])
        return "queued for the workers"
    with POOL.borrow(ctx.config, connector) as lent:
        runs = sync(ctx.engine, lent.connector, [stream])
        if any(run.failed or run.status != "completed" for run in runs):
            lent.discard()  # its session or cached set-up may be what failed
    if not runs:
        return f"{connector} does not do {stream}"
    run = runs[0]
    text = f"{run.created} created, {run.updated} updated, {run.unchanged} unchanged"
    if run.failed:
        text += f", {run.failed} failed (dead letters)"
    if run.status != "completed":
        raise JobFailed(f"{text}: {run.error}")
    return text


def _termination_notices(ctx: JobContext, spec: JobSpec) -> str:
    from cn285.hub.notify.settings import load_settings
    from cn285.hub.services.notifications import send_due

    summary = send_due(ctx.engine, ctx.today, load_settings(ctx.config))
    text = f"{summary.terminations} terminations near, {summary.sent} sent, {summary.failed} failed"
    if summary.failed or summary.errors:
        raise JobFailed("; ".join([text, *summary.errors[:5]]))
    return text


def _reconciliation(ctx: JobContext, spec: JobSpec) -> str:
    from cn285.hub.services.reconciliation import reconcile_configured, report_folder

    folder = ctx.extra.get("report_dir") or report_folder(ctx.config)
    results = reconcile_configured(ctx.engine, ctx.config, report_dir=folder)
    parts = []
    for result in results:
        found = sum(result.counts.values())
        parts.append(
            f"{result.connector}: {result.status}"
            + (f" ({found} differences)" if found else "")
            + (f" ({result.error})" if result.error else "")
        )
    text = "; ".join(parts)
    if any(result.status != "ok" for result in results):
        raise JobFailed(text)  # a difference is for someone to look at: the run says so
    return text


class JobFailed(Exception):
    """A job that ran but did not do all its work (the summary says what)."""


JOBS: dict[str, Job] = {
    "billing": _billing,
    "usage_billing": _usage_billing,
    "revrec_close": _revrec_close,
    "termination_notices": _termination_notices,
    "reconciliation": _reconciliation,
}


def function_of(spec: JobSpec) -> Job:
    if spec.sync is not None:
        return _sync
    return JOBS[spec.id]


def lease_name(spec: JobSpec) -> str:
    """Sync jobs of one connector share a lease (its streams run one at a time), and so do
    the two billing jobs (the frequent one waits for the next beat while the daily runs)."""
    if spec.sync is not None:
        return f"job:sync:{spec.sync[0]}"
    if spec.id == "usage_billing":
        return "job:billing"
    return f"job:{spec.id}"


def today_in(timezone: str) -> dt.date:
    return dt.datetime.now(ZoneInfo(timezone)).date()


def run_job(
    engine: Engine,
    config: Mapping[str, Any],
    timeline: Timeline,
    job_id: str,
    *,
    trigger: str = "scheduler",
    today: dt.date | None = None,
    holder: str | None = None,
    extra: Mapping[str, Any] | None = None,
) -> models.JobRun:
    """Run one job now and record it; never raises for the job's own failure."""
    spec = timeline.job(job_id)
    holder = holder or leases.holder_name()
    day = today or today_in(timezone=timeline.timezone)
    lease = lease_name(spec)
    ttl = timeline.lease_seconds * 2
    record = models.JobRun(job_id=job_id, trigger=trigger, holder=holder, day=day)
    # the lease and the run's record in one transaction, and again at the end: a timeline
    # of thousands of short jobs spends its time committing otherwise
    with engine.begin() as connection:
        held = leases.take(connection, lease, holder, ttl)
        if not held:
            record.status = "skipped"
            record.summary = f"{leases.holder_of(connection, lease) or 'another process'} runs it"
            record.finished_at = now()
        _save(connection, record, interrupted_by=holder if held else None)
    if not held:
        return record
    try:
        context = JobContext(engine, config, timeline, day, holder, dict(extra or {}))
        with leases.Renewal(engine, lease, holder, ttl):
            try:
                record.summary = function_of(spec)(context, spec)
                record.status = "ok"
            except JobFailed as exc:  # it ran, and says what it could not do
                log.warning("job %s: %s", job_id, exc)
                record.summary, record.status = str(exc), "failed"
            except Exception as exc:  # recorded: the timeline goes on with the next job
                log.exception("job %s failed", job_id)
                record.summary, record.status = _error(exc), "failed"
        record.finished_at = now()
    finally:
        with engine.begin() as connection:
            if record.finished_at is not None:
                _save(connection, record)
            leases.give_back(connection, lease, holder)
    return record


def _error(exc: Exception) -> str:
    return f"{type(exc).__name__}: {exc}"


def _save(
    connection: Connection, record: models.JobRun, *, interrupted_by: str | None = None
) -> models.JobRun:
    """Store a run, in the caller's transaction. When it starts (`interrupted_by`: its
    holder), runs of the job still marked running were cut short (their process died: we
    hold the job's lease now, so nobody else runs it), and are marked so."""
    values = {
        c: getattr(record, c)
        for c in ("job_id", "trigger", "holder", "day", "started_at", "finished_at")
    }
    values.update(status=record.status, summary=record.summary)
    if interrupted_by is not None:
        connection.execute(
            _RUNS.update()
            .where(
                _RUNS.c.job_id == record.job_id,
                _RUNS.c.status == "running",
                _RUNS.c.holder != interrupted_by,
            )
            .values(status="interrupted", finished_at=now(), summary="its process stopped")
        )
    if record.id is None:
        record.id = connection.execute(
            _RUNS.insert().values(values).returning(_RUNS.c.id)
        ).scalar_one()
    else:
        connection.execute(_RUNS.update().where(_RUNS.c.id == record.id).values(values))
    return record

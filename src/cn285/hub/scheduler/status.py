"""What `cn285 jobs` and the API show: the active scheduler, and per job its schedule,
next run (from APScheduler's stored job) and last run (from the job ledger)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from cn285.hub.scheduler import leases
from cn285.hub.scheduler.runner import LEADER
from cn285.hub.scheduler.timeline import JobSpec, Timeline
from cn285.hub.store import models


@dataclass(frozen=True)
class JobRow:
    spec: JobSpec
    next_run: dt.datetime | None
    last: models.JobRun | None

    @property
    def schedule(self) -> str:
        if "cron" in self.spec.schedule:
            return f"cron {self.spec.schedule['cron']}"
        return f"every {self.spec.schedule['every']}"


@dataclass(frozen=True)
class Status:
    leader: str | None
    jobs: list[JobRow]


def job_status(engine: Engine, timeline: Timeline) -> Status:
    zone = ZoneInfo(timeline.timezone)
    ids = [spec.id for spec in timeline.jobs]
    with Session(engine) as session:
        upcoming = dict(
            session.execute(
                select(models.ScheduledJob.id, models.ScheduledJob.next_run_time).where(
                    models.ScheduledJob.id.in_(ids)  # type: ignore[attr-defined]
                )
            ).all()
        )
        newest = (
            select(func.max(models.JobRun.id))
            .where(models.JobRun.job_id.in_(ids))  # type: ignore[attr-defined]
            .group_by(models.JobRun.job_id)
        )
        last = {
            run.job_id: run
            for run in session.scalars(
                select(models.JobRun).where(models.JobRun.id.in_(newest))  # type: ignore[union-attr]
            )
        }
    rows = []
    for spec in timeline.jobs:
        stamp = upcoming.get(spec.id)
        when = dt.datetime.fromtimestamp(stamp, zone) if stamp is not None else None
        rows.append(JobRow(spec, when, last.get(spec.id)))
    return Status(leases.current_holder(engine, LEADER), rows)

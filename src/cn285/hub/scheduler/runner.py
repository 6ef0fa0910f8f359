"""`cn285 scheduler`: APScheduler firing the timeline, in exactly one process at a time.

Every scheduler process asks for the `scheduler` lease every few seconds. The one that
holds it runs an APScheduler `BackgroundScheduler` whose jobs are persisted in the store
(`scheduler_job`, APScheduler's SQLAlchemy job store), with coalescing, a misfire grace and
one instance per job; the others stand by. When the active one dies its lease passes after
`lease_seconds` and a standby takes over; runs it missed meanwhile fire once (misfire
grace, coalesced). If the active one loses the lease (paused too long), it stops firing at
once; job leases keep a job to one running instance in any case.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from typing import Any

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy.engine import Engine

from cn285.hub.connections import POOL
from cn285.hub.scheduler import leases
from cn285.hub.scheduler.jobs import run_job
from cn285.hub.scheduler.timeline import Timeline

log = logging.getLogger(__name__)
LEADER = "scheduler"
JOB_TABLE = "scheduler_job"
_ACTIVE: Scheduler | None = None  # the process's active scheduler, for `fire`


def fire(job_id: str) -> None:
    """What APScheduler calls (by name, as persisted jobs must): run the job."""
    active = _ACTIVE
    if active is None or not active.active:
        log.warning("job %s fired while this process is not the active scheduler", job_id)
        return
    run = run_job(active.engine, active.config, active.timeline, job_id, holder=active.holder)
    active.notify(f"{job_id}: {run.status} ({run.summary})")


class Scheduler:
    """One scheduler process: stands by, or fires the timeline while it holds the lease."""

    def __init__(
        self,
        engine: Engine,
        config: Mapping[str, Any],
        timeline: Timeline,
        *,
        holder: str | None = None,
        on_event: Callable[[str], None] | None = None,
    ) -> None:
        self.engine, self.config, self.timeline = engine, config, timeline
        self.holder = holder or leases.holder_name()
        self.on_event = on_event
        self.stop = threading.Event()
        self._scheduler: BackgroundScheduler | None = None

    @property
    def active(self) -> bool:
        return self._scheduler is not None

    def notify(self, message: str) -> None:
        log.info(message)
        if self.on_event:
            self.on_event(message)

    def run_forever(self) -> None:
        """Until `stop` is set: hold or wait for the lease, firing jobs while held."""
        global _ACTIVE
        _ACTIVE = self
        beat = self.timeline.lease_seconds / 3
        try:
            while not self.stop.is_set():
                try:
                    held = leases.acquire(
                        self.engine, LEADER, self.holder, self.timeline.lease_seconds
                    )
                except Exception as exc:  # the store is away: stop firing until it is back
                    self.notify(f"cannot reach the store: {exc}")
                    held = False
                if held and not self.active:
                    self._activate()
                elif not held and self.active:
                    self._deactivate("lost the scheduler lease")
                self.stop.wait(beat)
        finally:
            if self.active:
                self._deactivate("stopping")
                leases.release(self.engine, LEADER, self.holder)
            _ACTIVE = None
            POOL.close()

    def _activate(self) -> None:
        scheduler = BackgroundScheduler(
            jobstores={"default": SQLAlchemyJobStore(engine=self.engine, tablename=JOB_TABLE)},
            executors={"default": ThreadPoolExecutor(max_workers=4)},
            job_defaults={
                "coalesce": True,
                "max_instances": 1,
                "misfire_grace_time": self.timeline.misfire_grace_seconds,
            },
            timezone=self.timeline.timezone,
        )
        scheduler.start(paused=True)
        install(scheduler, self.timeline)
        self._scheduler = scheduler
        scheduler.resume()
        self.notify(f"active ({self.holder}): {len(self.timeline.jobs)} jobs on the timeline")

    def _deactivate(self, why: str) -> None:
        assert self._scheduler is not None
        self._scheduler.shutdown(wait=False)
        self._scheduler = None
        self.notify(f"standing by ({why})")


def install(scheduler: BackgroundScheduler, timeline: Timeline) -> None:
    """Make the stored jobs match the timeline. A job whose schedule did not change keeps
    its stored next run time, so a run missed while no scheduler was up is not lost."""
    wanted = {spec.id: spec for spec in timeline.jobs}
    for job in scheduler.get_jobs():
        if job.id not in wanted:
            job.remove()
    for job_id, spec in wanted.items():
        trigger = spec.trigger(timeline.timezone)
        existing = scheduler.get_job(job_id)
        # explicit, not the scheduler's defaults: a stored job keeps what it was added with
        policy = {
            "misfire_grace_time": timeline.misfire_grace_seconds,
            "coalesce": True,
            "max_instances": 1,
        }
        if existing is None:
            scheduler.add_job(
                f"{__name__}:fire",
                trigger,
                args=[job_id],
                id=job_id,
                name=spec.description,
                **policy,
            )
            continue
        if any(getattr(existing, key) != value for key, value in policy.items()):
            existing.modify(**policy)
        if not _same(existing.trigger, trigger):
            existing.reschedule(trigger)


def _same(stored: BaseTrigger, wanted: BaseTrigger) -> bool:
    """Same schedule (an interval trigger's start is when it was made: not compared)."""
    if type(stored) is not type(wanted) or str(stored.timezone) != str(wanted.timezone):
        return False
    if isinstance(wanted, IntervalTrigger):
        return stored.interval == wanted.interval
    return str(stored) == str(wanted)

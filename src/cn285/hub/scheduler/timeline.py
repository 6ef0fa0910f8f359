"""The timeline: which jobs run when, from `[scheduler]` in cn285.toml over defaults.

    [scheduler]
    timezone = "Europe/Paris"       # default: the store's time zone setting
    misfire_grace_seconds = 3600    # a run missed while no scheduler was up still runs
    lease_seconds = 15              # a dead scheduler is replaced within about this long
    queued = false                  # billing and sync go to `cn285 worker` processes

    [scheduler.jobs.billing]
    cron = "0 2 * * *"              # crontab: minute hour day month day-of-week
    [scheduler.jobs."sync:odoo:invoices"]
    every = "5m"                    # or an interval: 30s, 5m, 1h, 1d
    [scheduler.jobs.reconciliation]
    enabled = false

Sync jobs exist per configured connector and stream: `sync:<connector>:<stream>`; the
reconciliation once a connector is configured; termination notices once `[notifications]`
(or CN285_SMTP_HOST / CN285_WEBHOOK_URL) says where they go.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from cn285.hub.config import ConfigError, configured_connectors

#: job id -> (default schedule, what it does)
DEFAULTS: dict[str, tuple[dict[str, str], str]] = {
    "billing": ({"cron": "0 2 * * *"}, "daily billing run: every invoice due up to today"),
    "usage_billing": (
        {"every": "5m"},
        "invoices that usage made due (thresholds, usage_complete), as usage arrives",
    ),
    "revrec_close": (
        {"cron": "0 3 1 * *"},
        "revenue recognition: close every finished month not closed yet",
    ),
    "termination_notices": (
        {"cron": "0 8 * * *"},
        "termination reminders before the effective date and notices on it",
    ),
    "reconciliation": ({"cron": "0 4 * * *"}, "compare Cn285 with each ERP, write the report"),
}
SYNC_DEFAULTS: dict[str, dict[str, str]] = {
    "items": {"every": "1h"},
    "customers": {"every": "15m"},
    "invoices": {"every": "5m"},
    "payments": {"every": "30m"},
    "journal_entries": {"cron": "30 3 * * *"},
}
_EVERY = re.compile(r"^\s*(\d+)\s*([smhd])\s*$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


@dataclass(frozen=True)
class JobSpec:
    id: str
    description: str
    schedule: Mapping[str, str]  # {"cron": …} or {"every": …}

    def trigger(self, timezone: str) -> BaseTrigger:
        key = f"scheduler.jobs.{self.id}"
        if "cron" in self.schedule:
            try:
                return CronTrigger.from_crontab(self.schedule["cron"], timezone=timezone)
            except ValueError as exc:
                raise ConfigError(f"{key}.cron: {self.schedule['cron']!r}: {exc}") from None
        match = _EVERY.match(str(self.schedule.get("every", "")))
        if not match or int(match.group(1)) == 0:
            raise ConfigError(
                f"{key}.every: {self.schedule.get('every')!r} is not an interval "
                "(a number and s, m, h or d, e.g. 5m)"
            )
        length = timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})
        return IntervalTrigger(seconds=length.total_seconds(), timezone=timezone)

    @property
    def sync(self) -> tuple[str, str] | None:
        """(connector, stream) of a sync job."""
        if not self.id.startswith("sync:"):
            return None
        _, connector, stream = self.id.split(":", 2)
        return connector, stream


@dataclass(frozen=True)
class Timeline:
    jobs: tuple[JobSpec, ...]
    timezone: str
    misfire_grace_seconds: int
    lease_seconds: float
    queued: bool

    def job(self, job_id: str) -> JobSpec:
        for spec in self.jobs:
            if spec.id == job_id:
                return spec
        known = ", ".join(s.id for s in self.jobs)
        raise KeyError(f"no job {job_id!r} on the timeline (jobs: {known})")


def timeline(config: Mapping[str, Any], default_timezone: str = "UTC") -> Timeline:
    """The jobs of this installation; every schedule is checked (errors name the key)."""
    section = config.get("scheduler") or {}
    if not isinstance(section, Mapping):
        raise ConfigError("scheduler: must be a table ([scheduler])")
    overrides = section.get("jobs") or {}
    from cn285.hub.sync.service import STREAMS

    connectors = configured_connectors(config)
    wanted = set(DEFAULTS)
    if not _notifications_configured(config):
        wanted.discard("termination_notices")
    if not connectors:
        wanted.discard("reconciliation")
    specs: list[tuple[str, dict[str, str], str]] = [
        (job_id, dict(schedule), text)
        for job_id, (schedule, text) in DEFAULTS.items()
        if job_id in wanted
    ]
    for connector in connectors:
        for stream in STREAMS:
            schedule = SYNC_DEFAULTS.get(stream, {"every": "1h"})
            specs.append((f"sync:{connector}:{stream}", dict(schedule), f"sync {stream}"))
    known = {job_id for job_id, _, _ in specs}
    for job_id in overrides:
        if job_id in DEFAULTS and job_id not in known:
            continue  # configured for when its prerequisite is (connectors, notifications)
        if job_id not in known:
            raise ConfigError(
                f"scheduler.jobs.{job_id}: no such job (jobs: {', '.join(sorted(known))})"
            )
    jobs = []
    for job_id, schedule, text in specs:
        override = overrides.get(job_id) or {}
        if not isinstance(override, Mapping):
            raise ConfigError(f"scheduler.jobs.{job_id}: must be a table")
        unknown = set(override) - {"cron", "every", "enabled"}
        if unknown:
            raise ConfigError(f"scheduler.jobs.{job_id}.{sorted(unknown)[0]}: unknown key")
        if not override.get("enabled", True):
            continue
        if "cron" in override or "every" in override:
            schedule = {k: str(override[k]) for k in ("cron", "every") if k in override}
            if len(schedule) == 2:
                raise ConfigError(f"scheduler.jobs.{job_id}: give cron or every, not both")
        jobs.append(JobSpec(job_id, text, schedule))
    result = Timeline(
        jobs=tuple(jobs),
        timezone=str(section.get("timezone") or default_timezone),
        misfire_grace_seconds=_number(section, "misfire_grace_seconds", 3600),
        lease_seconds=float(_number(section, "lease_seconds", 15)),
        queued=bool(section.get("queued", False)),
    )
    try:
        ZoneInfo(result.timezone)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: "America", too long
        raise ConfigError(f"scheduler.timezone: {result.timezone!r} is not a time zone") from None
    for spec in result.jobs:  # fail at start, not at 2 a.m.
        spec.trigger(result.timezone)
    return result


def _notifications_configured(config: Mapping[str, Any]) -> bool:
    """Reminders need somewhere to go: `[notifications]` or the SMTP/webhook variables."""
    return "notifications" in config or any(
        os.environ.get(name) for name in ("CN285_SMTP_HOST", "CN285_WEBHOOK_URL")
    )


def _number(section: Mapping[str, Any], key: str, default: int) -> int:
    value = section.get(key, default)
    if not isinstance(value, int | float) or isinstance(value, bool) or value <= 0:
        raise ConfigError(f"scheduler.{key}: {value!r} is not a positive number")
    return int(value)

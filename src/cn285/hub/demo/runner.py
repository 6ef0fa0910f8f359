"""`cn285 demo`: a year of the sample company on a simulated clock, against both ERPs.

Each simulated day: the company's events of the day (new customers and contracts, contract
changes, usage), the customers' payments entered in the ERPs, then every job of the
timeline that fires that day, run by `run_job` exactly as the scheduler runs it (a job
firing several times a day runs once: the day is the clock's unit). The timeline is the
demo's `cn285.toml`, written to the demo folder.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from dateutil.relativedelta import relativedelta
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from cn285.hub.connections import POOL
from cn285.hub.demo.company import apply_events, build_company, load_company
from cn285.hub.demo.erps import Erps, Payer, SimulatedClock, prepare, started
from cn285.hub.scheduler.jobs import run_job
from cn285.hub.scheduler.timeline import JobSpec, Timeline, timeline
from cn285.hub.store import models
from cn285.hub.store.database import open_engine

#: the demo's timeline, on a clock whose unit is the day: billing runs, invoices and
#: payments synced every working day (a Monday run issues the weekend's invoices, dated as
#: due); notices every day; items and customers weekly (an invoice brings its new customer
#: along); closed months sent on the 1st; a reconciliation every quarter and at the end.
#: A real installation bills nightly, syncs every few minutes and reconciles nightly: the
#: demo compresses a year into a minute.
SCHEDULER = {
    "jobs": {
        "billing": {"cron": "0 2 * * 1-5"},
        "usage_billing": {"cron": "0 12 * * 1-5"},
        "reconciliation": {"cron": "0 4 1 4,7,10 *"},
        **{
            f"sync:{erp}:{stream}": {"cron": cron}
            for erp in ("odoo", "netsuite")
            for stream, cron in (
                ("items", "0 1 * * 1"),
                ("customers", "0 6 * * 1"),
                ("invoices", "5 6 * * 1-5"),
                ("payments", "10 6 * * 1-5"),
                ("journal_entries", "30 3 1 * *"),
            )
        },
    }
}
#: order of the jobs within a day: billing before sync, payments back before the close
ORDER = [
    "billing",
    "usage_billing",
    "sync:*:items",
    "sync:*:customers",
    "sync:*:invoices",
    "sync:*:payments",
    "revrec_close",
    "sync:*:journal_entries",
    "termination_notices",
    "reconciliation",
]


@dataclass
class DemoResult:
    folder: Path
    days: int
    invoices: int = 0
    credit_notes: int = 0
    invoiced: Decimal = Decimal(0)  # excluding tax, net of credit notes
    recognised: Decimal = Decimal(0)
    months_closed: int = 0
    payments: int = 0
    paid_invoices: int = 0
    erp_records: dict[str, dict[str, int]] = field(default_factory=dict)
    emails: int = 0
    jobs: Counter[str] = field(default_factory=Counter)  # by status
    failures: list[str] = field(default_factory=list)
    discrepancies: dict[str, int] = field(default_factory=dict)
    reports: list[Path] = field(default_factory=list)
    seconds: float = 0.0


def run_demo(
    folder: Path,
    *,
    start: dt.date = dt.date(2026, 1, 1),
    months: int = 12,
    seed: int = 285,
    progress: Callable[[str], None] | None = None,
    inspect: Callable[[Erps, Engine], None] | None = None,
) -> DemoResult:
    """Run the year in `folder` (its demo.db is replaced) and return the figures;
    `inspect` sees the ERPs and the store at the end, before the sandboxes stop."""
    began = time.perf_counter()
    say = progress or (lambda _: None)
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("demo.db", "demo.db-wal", "demo.db-shm"):
        (folder / name).unlink(missing_ok=True)
    end = start + relativedelta(months=months)
    clock = SimulatedClock(start)
    result = DemoResult(folder, (end - start).days)
    with started(folder, clock) as erps:
        config: dict[str, Any] = {**erps.config, "scheduler": SCHEDULER}
        _write_config(folder / "cn285.toml", config)
        engine = open_engine(str(folder / "demo.db"))
        company = build_company(start, seed=seed)
        prepare(erps, _rates(company))
        loaded = load_company(engine, company)
        say(
            f"{company.name}: {loaded['customers']} customers, {loaded['contracts']} "
            f"contracts, {loaded['items']} items loaded; Odoo at {erps.odoo.url}, "
            f"NetSuite at {erps.netsuite.base_url}"
        )
        line = timeline(config, company.timezone)
        jobs = [(spec, spec.trigger(line.timezone)) for spec in _ordered(line)]
        payer = Payer(erps)
        month = Counter()
        try:
            day = start
            while day < end:
                clock.day = day
                apply_events(engine, company, day)
                if day.weekday() < 5:  # payments are entered on working days
                    paid = payer.pay_due(engine, day)
                    result.payments += paid
                    month["payments"] += paid
                for spec, trigger in jobs:
                    if _fires_on(trigger, day, start):
                        run = run_job(
                            engine,
                            config,
                            line,
                            spec.id,
                            trigger="demo",
                            today=day,
                            holder=f"demo:{seed}",
                        )
                        result.jobs[run.status] += 1
                        if run.status != "ok":
                            result.failures.append(f"{day} {spec.id}: {run.summary}")
                following = day + dt.timedelta(days=1)
                if following.month != day.month or following == end:
                    say(_month_line(engine, day, month, erps.mailbox.received))
                    month = Counter()
                day = following
            # the last day's close and reconciliation, as the next morning would run them
            for job_id in (
                "revrec_close",
                "sync:odoo:journal_entries",
                "sync:netsuite:journal_entries",
                "reconciliation",
            ):
                run = run_job(engine, config, line, job_id, trigger="demo", today=end)
                result.jobs[run.status] += 1
                if run.status != "ok":
                    result.failures.append(f"{end} {job_id}: {run.summary}")
        finally:
            payer.close()
            POOL.close()
        _figures(engine, result)
        result.emails = len(erps.mailbox.received)
        if inspect is not None:
            inspect(erps, engine)
        engine.dispose()
    result.seconds = time.perf_counter() - began
    return result


def _rates(company) -> set[Decimal]:
    """Every tax rate the company may invoice, 0 % (reverse charge, export) included."""
    rates = {Decimal(0)}
    for by_category in company.tax.rates.values():
        rates.update(Decimal(str(rate)) for rate in by_category.values())
    return rates


def _ordered(line: Timeline) -> list[JobSpec]:
    def rank(spec: JobSpec) -> int:
        key = f"sync:*:{spec.sync[1]}" if spec.sync else spec.id
        return ORDER.index(key) if key in ORDER else len(ORDER)

    return sorted(line.jobs, key=rank)


def _fires_on(trigger: BaseTrigger, day: dt.date, start: dt.date) -> bool:
    """Whether a job's schedule fires during `day` (intervals of a day or less: daily)."""
    if isinstance(trigger, CronTrigger):
        zone = trigger.timezone
        midnight = dt.datetime.combine(day, dt.time(), zone)
        fire = trigger.get_next_fire_time(None, midnight)
        return fire is not None and fire.date() == day
    days = max(1, int(trigger.interval.total_seconds() // 86400))  # type: ignore[attr-defined]
    return (day - start).days % days == 0


def _month_line(engine, day: dt.date, month: Counter, mails: list) -> str:
    first = day.replace(day=1)
    with Session(engine) as session:
        issued = dict(
            session.execute(
                select(models.Invoice.kind, func.count())
                .where(models.Invoice.date >= first, models.Invoice.date <= day)
                .where(models.Invoice.number.is_not(None))
                .group_by(models.Invoice.kind)
            ).all()
        )
        amount = session.scalars(
            select(models.Invoice.total_excl_tax).where(
                models.Invoice.date >= first, models.Invoice.date <= day
            )
        ).all()
        bound = dict(
            session.execute(
                select(models.ExternalBinding.connector, func.count()).group_by(
                    models.ExternalBinding.connector
                )
            ).all()
        )
    return (
        f"{day:%Y-%m}  {issued.get('invoice', 0):>3} invoices, "
        f"{issued.get('credit_note', 0)} credit notes, {sum(amount, Decimal(0)):>10} EUR excl. "
        f"tax; {month['payments']:>3} paid in the ERPs; records in Odoo {bound.get('odoo', 0)}, "
        f"NetSuite {bound.get('netsuite', 0)}; {len(mails)} emails so far"
    )


def _figures(engine, result: DemoResult) -> None:
    with Session(engine) as session:
        for kind, amount in session.execute(
            select(models.Invoice.kind, models.Invoice.total_excl_tax).where(
                models.Invoice.number.is_not(None)
            )
        ):
            if kind == "invoice":
                result.invoices += 1
            else:
                result.credit_notes += 1
            result.invoiced += amount
        closes = session.scalars(select(models.RevrecPeriod)).all()
        result.months_closed = len(closes)
        result.recognised = sum((c.recognised for c in closes), Decimal(0))
        result.paid_invoices = (
            session.scalar(
                select(func.count())
                .select_from(models.Invoice)
                .where(models.Invoice.payment_status == "paid")
            )
            or 0
        )
        for connector, entity, count in session.execute(
            select(
                models.ExternalBinding.connector, models.ExternalBinding.entity, func.count()
            ).group_by(models.ExternalBinding.connector, models.ExternalBinding.entity)
        ):
            result.erp_records.setdefault(connector, {})[entity] = count
        latest = session.scalars(
            select(models.ReconciliationRun).order_by(models.ReconciliationRun.id.desc())  # type: ignore[union-attr]
        ).all()
    seen: set[str] = set()
    for run in latest:
        if run.connector in seen:
            continue
        seen.add(run.connector)
        result.discrepancies[run.connector] = sum(run.counts.values())
    reports = result.folder / "reports"
    for run in latest:  # the newest report of each connector
        if run.id == max(r.id for r in latest if r.connector == run.connector):
            path = reports / f"reconciliation-{run.connector}-{run.id}.html"
            if path.exists():
                result.reports.append(path)


def _write_config(path: Path, config: dict[str, Any]) -> None:
    """The configuration the demo ran with, as cn285.toml (the sandboxes' ports change
    from run to run: it shows the settings, it does not restart the demo)."""
    lines = ["# written by `cn285 demo`: the settings its year ran with", ""]

    def table(prefix: str, values: dict[str, Any]) -> None:
        scalars = {k: v for k, v in values.items() if not isinstance(v, dict)}
        if scalars:
            lines.append(f"[{prefix}]")
            for key, value in scalars.items():
                lines.append(f"{_key(key)} = {_value(value)}")
            lines.append("")
        for key, value in values.items():
            if isinstance(value, dict):
                table(f"{prefix}.{_key(key)}", value)

    for key, value in config.items():
        table(_key(key), value)
    path.write_text("\n".join(lines), encoding="utf-8")


def _key(key: str) -> str:
    return key if key.replace("_", "").isalnum() else f'"{key}"'


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, list):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'

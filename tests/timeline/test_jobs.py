"""Jobs run through `run_job`: recorded, one instance at a time, each a service call."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

from sqlalchemy import func, select
from sqlmodel import Session

from cn285.hub.scheduler import jobs, leases
from cn285.hub.scheduler.timeline import timeline
from cn285.hub.services.sample import populate
from cn285.hub.store import models
from tests.conftest import ROOT

LINE = timeline({})


def invoices(engine) -> int:
    with Session(engine) as session:
        return session.scalar(select(func.count()).select_from(models.Invoice)) or 0


def test_the_billing_job_bills_up_to_its_day_once(engine):
    populate(engine, 20)
    run = jobs.run_job(engine, {}, LINE, "billing", today=dt.date(2026, 2, 1))
    assert run.status == "ok", run.summary
    assert run.day == dt.date(2026, 2, 1) and run.finished_at is not None
    issued = invoices(engine)
    assert issued > 0 and f"20 contracts, {issued} invoices" in run.summary
    again = jobs.run_job(engine, {}, LINE, "billing", today=dt.date(2026, 2, 1))
    assert again.status == "ok" and invoices(engine) == issued
    with Session(engine) as session:
        ledger = session.scalars(select(models.JobRun).order_by(models.JobRun.id)).all()
    assert [(r.job_id, r.status) for r in ledger] == [("billing", "ok"), ("billing", "ok")]


def test_usage_billing_does_nothing_when_nothing_is_due(engine):
    populate(engine, 5)
    assert jobs.run_job(engine, {}, LINE, "billing", today=dt.date(2026, 1, 15)).status == "ok"
    with Session(engine) as session:
        runs_before = session.scalar(select(func.count()).select_from(models.BillingRun))
    run = jobs.run_job(engine, {}, LINE, "usage_billing", today=dt.date(2026, 1, 15))
    assert (run.status, run.summary) == ("ok", "nothing due")
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(models.BillingRun)) == runs_before
    later = jobs.run_job(engine, {}, LINE, "usage_billing", today=dt.date(2026, 2, 1))
    assert later.status == "ok" and later.summary.startswith("run ")


def test_a_job_running_elsewhere_is_skipped_not_doubled(engine):
    populate(engine, 3)
    assert leases.acquire(engine, "job:billing", "host:1:other", 60)
    run = jobs.run_job(engine, {}, LINE, "usage_billing", today=dt.date(2026, 2, 1))
    assert run.status == "skipped" and "host:1:other" in run.summary
    assert invoices(engine) == 0
    leases.release(engine, "job:billing", "host:1:other")
    assert jobs.run_job(engine, {}, LINE, "billing", today=dt.date(2026, 2, 1)).status == "ok"
    assert leases.current_holder(engine, "job:billing") is None  # released after the run


def test_a_failing_job_is_recorded_with_its_error(engine, monkeypatch):
    def broken(ctx, spec):
        raise RuntimeError("the ledger is on fire")

    monkeypatch.setitem(jobs.JOBS, "billing", broken)
    run = jobs.run_job(engine, {}, LINE, "billing", today=dt.date(2026, 2, 1))
    assert run.status == "failed" and run.summary == "RuntimeError: the ledger is on fire"
    assert leases.current_holder(engine, "job:billing") is None


def test_revrec_close_catches_up_every_finished_month_in_order(engine):
    populate(engine, 4)
    jobs.run_job(engine, {}, LINE, "billing", today=dt.date(2026, 3, 31))
    run = jobs.run_job(engine, {}, LINE, "revrec_close", today=dt.date(2026, 4, 1))
    assert run.status == "ok", run.summary
    assert [p.split()[0] for p in run.summary.split(", ")] == [
        "REVREC-2026-01",
        "REVREC-2026-02",
        "REVREC-2026-03",
    ]
    with Session(engine) as session:
        months = session.scalars(select(models.RevrecPeriod.month)).all()
    assert sorted(months) == [dt.date(2026, m, 1) for m in (1, 2, 3)]
    again = jobs.run_job(engine, {}, LINE, "revrec_close", today=dt.date(2026, 4, 20))
    assert (again.status, again.summary) == ("ok", "no month to close")


def test_a_sync_job_with_an_unreachable_erp_fails_with_the_reason(engine):
    config = {
        "connectors": {
            "odoo": {"url": "http://127.0.0.1:9", "database": "x", "login": "a", "password": "b"}
        }
    }
    line = timeline(config)
    run = jobs.run_job(engine, config, line, "sync:odoo:items", today=dt.date(2026, 2, 1))
    assert run.status == "failed" and run.summary
    assert leases.current_holder(engine, "job:sync:odoo") is None


def test_queued_sync_jobs_go_to_the_workers_once(engine):
    config = {
        "connectors": {"odoo": {"url": "http://127.0.0.1:9"}},
        "scheduler": {"queued": True},
    }
    line = timeline(config)
    first = jobs.run_job(engine, config, line, "sync:odoo:invoices")
    second = jobs.run_job(engine, config, line, "sync:odoo:invoices")
    assert (first.summary, second.summary) == ("queued for the workers", "already queued")
    with Session(engine) as session:
        items = session.scalars(select(models.WorkItem)).all()
    assert [(i.kind, i.payload) for i in items] == [
        ("sync", {"connector": "odoo", "streams": ["invoices"]})
    ]


def test_cli_lists_jobs_and_runs_one(db_url, engine):
    populate(engine, 2)

    def cli(*args):
        return subprocess.run(
            [sys.executable, "-m", "cn285", *args, "--db", db_url],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )

    ran = cli("jobs", "run", "billing", "--date", "2026-02-01")
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.startswith("billing for 2026-02-01: ok (run ")
    listed = cli("jobs")
    assert listed.returncode == 0, listed.stderr
    assert "active scheduler: none" in listed.stdout
    billing = next(line for line in listed.stdout.splitlines() if line.startswith("billing "))
    assert "cron 0 2 * * *" in billing and " ok (run " in billing
    assert "never" in next(
        line for line in listed.stdout.splitlines() if line.startswith("revrec_close")
    )
    unknown = cli("jobs", "run", "payroll")
    assert unknown.returncode == 2 and "no job 'payroll'" in unknown.stderr


def test_a_run_cut_short_by_a_dead_process_is_marked_interrupted(engine):
    from cn285.hub.store.database import session_scope

    with session_scope(engine) as session:
        session.add(models.JobRun(job_id="billing", holder="host:1:dead", day=dt.date(2026, 2, 1)))
    run = jobs.run_job(engine, {}, LINE, "billing", today=dt.date(2026, 2, 1))
    assert run.status == "ok"
    with Session(engine) as session:
        statuses = [(r.holder, r.status) for r in session.scalars(select(models.JobRun))]
    assert ("host:1:dead", "interrupted") in statuses

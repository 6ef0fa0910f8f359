"""Scheduler processes on one store: one fires the timeline, another takes over when it
dies, stored jobs keep their next run, a missed run fires once."""

from __future__ import annotations

import datetime as dt
import os
import pickle
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import select
from sqlmodel import Session

from cn285.hub.scheduler import leases
from cn285.hub.scheduler.runner import JOB_TABLE, LEADER, Scheduler, install
from cn285.hub.scheduler.timeline import timeline
from cn285.hub.store import models
from cn285.hub.store.database import open_engine
from tests.conftest import ROOT

FAST = """
[scheduler]
lease_seconds = 1.5
[scheduler.jobs.usage_billing]
every = "1s"
[scheduler.jobs.billing]
enabled = false
[scheduler.jobs.revrec_close]
enabled = false
[scheduler.jobs.termination_notices]
enabled = false
[scheduler.jobs.reconciliation]
enabled = false
"""


def runs(engine) -> list[models.JobRun]:
    with Session(engine) as session:
        return list(session.scalars(select(models.JobRun).order_by(models.JobRun.id)))


def start(db_url: str, config: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "cn285", "scheduler", "--db", db_url, "--config", str(config)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )


def set_next_run(engine, job_id: str, when: dt.datetime) -> None:
    """Move a stored job's next run, as APScheduler's SQLAlchemy job store keeps it (the
    pickled state and the column), the way a scheduler that was down leaves it."""
    table = models.ScheduledJob.__table__
    with engine.begin() as connection:
        state = pickle.loads(
            connection.scalar(select(table.c.job_state).where(table.c.id == job_id))
        )
        state["next_run_time"] = when
        connection.execute(
            table.update()
            .where(table.c.id == job_id)
            .values(
                job_state=pickle.dumps(state, pickle.HIGHEST_PROTOCOL),
                next_run_time=when.timestamp(),
            )
        )


def wait_for(predicate, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def test_one_scheduler_fires_and_another_takes_over_when_it_is_killed(postgres_url, tmp_path):
    from tests.store import _empty

    engine = open_engine(postgres_url)
    _empty(engine)
    config = tmp_path / "cn285.toml"
    config.write_text(FAST)
    first = start(postgres_url, config)
    assert wait_for(lambda: leases.current_holder(engine, LEADER) is not None, 30)
    second = start(postgres_url, config)
    processes = {first.pid: first, second.pid: second}
    try:
        assert wait_for(lambda: len(runs(engine)) >= 4, 30)
        leader = leases.current_holder(engine, LEADER)
        leader_pid = int(leader.split(":")[1])
        assert leader_pid in processes
        fired = runs(engine)
        assert {r.holder for r in fired} == {leader}  # only the active one fires
        processes[leader_pid].send_signal(signal.SIGKILL)
        processes[leader_pid].wait()
        killed_at = time.monotonic()
        (standby_pid,) = set(processes) - {leader_pid}
        assert wait_for(lambda: any(f":{standby_pid}:" in r.holder for r in runs(engine)), 15), (
            processes[standby_pid].stderr.read1().decode()
        )  # type: ignore[union-attr]
        took = time.monotonic() - killed_at
        assert took < 10, f"took over after {took:.1f} s"
        new_leader = leases.current_holder(engine, LEADER)
        assert new_leader is not None and f":{standby_pid}:" in new_leader
    finally:
        for process in processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                process.wait(timeout=30)
    # a stopped scheduler lets go of its lease at once
    assert leases.current_holder(engine, LEADER) is None
    all_runs = runs(engine)
    old = [r for r in all_runs if f":{leader_pid}:" in r.holder]
    new = [r for r in all_runs if f":{standby_pid}:" in r.holder]
    assert len(old) + len(new) == len(all_runs)
    # never two holders firing at once: the old holder's runs all precede the new one's
    assert max(r.started_at for r in old) < min(r.started_at for r in new)
    assert {r.status for r in new} == {"ok"}
    # a run the kill cut short is marked so by the next run of the job, not left running
    cut = [r for r in old if r.status != "ok"]
    assert len(cut) <= 1 and all(r.status == "interrupted" for r in cut)
    engine.dispose()


def test_stored_jobs_keep_their_next_run_and_a_missed_run_fires_once(engine):
    line = timeline({"scheduler": {"jobs": {"usage_billing": {"every": "1h"}}}})
    scheduler = BackgroundScheduler(
        jobstores={"default": SQLAlchemyJobStore(engine=engine, tablename=JOB_TABLE)},
        timezone="UTC",
    )
    scheduler.start(paused=True)
    install(scheduler, line)
    assert sorted(j.id for j in scheduler.get_jobs()) == sorted(s.id for s in line.jobs)
    scheduler.shutdown()
    # the scheduler was down when usage_billing was due two hours ago
    missed = dt.datetime.now(dt.UTC) - dt.timedelta(hours=2)
    set_next_run(engine, "usage_billing", missed)

    again = BackgroundScheduler(
        jobstores={"default": SQLAlchemyJobStore(engine=engine, tablename=JOB_TABLE)},
        timezone="UTC",
    )
    again.start(paused=True)
    install(again, line)  # same timeline: the stored next run stays
    kept = again.get_job("usage_billing").next_run_time
    assert abs((kept - missed).total_seconds()) < 1
    changed = timeline({"scheduler": {"jobs": {"usage_billing": {"every": "2h"}}}})
    install(again, changed)  # a new schedule replaces it
    assert again.get_job("usage_billing").next_run_time > dt.datetime.now(dt.UTC)
    disabled = timeline({"scheduler": {"jobs": {"reconciliation": {"enabled": False}}}})
    install(again, disabled)
    assert again.get_job("reconciliation") is None
    again.shutdown()


def test_a_run_missed_while_down_fires_once_on_takeover(engine):
    line = timeline(
        {
            "scheduler": {
                "lease_seconds": 1,
                "jobs": {
                    "usage_billing": {"cron": "0 3 * * *"},
                    "billing": {"enabled": False},
                    "revrec_close": {"enabled": False},
                    "termination_notices": {"enabled": False},
                    "reconciliation": {"enabled": False},
                },
            }
        }
    )
    setup = BackgroundScheduler(
        jobstores={"default": SQLAlchemyJobStore(engine=engine, tablename=JOB_TABLE)},
        timezone="UTC",
    )
    setup.start(paused=True)
    install(setup, line)
    setup.shutdown()
    # the 03:00 run was missed ten minutes ago: it fires once, within the misfire grace
    set_next_run(engine, "usage_billing", dt.datetime.now(dt.UTC) - dt.timedelta(minutes=10))
    scheduler = Scheduler(engine, {}, line)
    thread = threading.Thread(target=scheduler.run_forever)
    thread.start()
    try:
        assert wait_for(lambda: len(runs(engine)) >= 1, 15)
        time.sleep(1.5)
        fired = runs(engine)
        assert [(r.job_id, r.status) for r in fired] == [("usage_billing", "ok")]
    finally:
        scheduler.stop.set()
        thread.join(timeout=30)
    assert leases.current_holder(engine, LEADER) is None

"""`cn285 scheduler`, `cn285 jobs` and `cn285 worker`: running the timeline unattended."""

from __future__ import annotations

import datetime as dt
import signal
import sys
from typing import Annotated, Any

import typer

DbOption = Annotated[
    str | None,
    typer.Option("--db", help="SQLite file or database URL (default: CN285_DB or cn285.db)"),
]
ConfigOption = Annotated[
    str | None, typer.Option("--config", help="Configuration file (default: cn285.toml)")
]


def _setup(db: str | None, config: str | None):
    """The store, the configuration and the timeline; a bad setting exits with its key."""
    from sqlmodel import Session

    from cn285.hub import config as settings_file
    from cn285.hub.scheduler.timeline import timeline
    from cn285.hub.services import settings
    from cn285.hub.store.database import open_engine

    try:
        loaded = settings_file.load(config)
        engine = open_engine(db)
        with Session(engine) as session:
            zone = settings.timezone(session)
        return engine, loaded, timeline(loaded, zone)
    except settings_file.ConfigError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from None


def _stop_on_signals(stop) -> None:
    def handler(signum: int, _frame: Any) -> None:
        typer.echo(f"{signal.Signals(signum).name}: stopping", err=True)
        stop.set()

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)


def scheduler_command(db: DbOption = None, config: ConfigOption = None) -> None:
    """Fire the timeline (billing, usage, sync, REVREC close, notices, reconciliation).

    Start it on as many machines as you like: one is active, the others take over within
    `lease_seconds` when it stops."""
    from cn285.hub.scheduler.runner import Scheduler

    engine, loaded, line = _setup(db, config)
    scheduler = Scheduler(
        engine, loaded, line, on_event=lambda message: typer.echo(message, err=True)
    )
    _stop_on_signals(scheduler.stop)
    typer.echo(f"scheduler {scheduler.holder}: standing by for the lease", err=True)
    scheduler.run_forever()


jobs_app = typer.Typer(help="The jobs of the timeline: last and next runs; run one now.")


@jobs_app.callback(invoke_without_command=True)
def jobs_list(ctx: typer.Context, db: DbOption = None, config: ConfigOption = None) -> None:
    """List the jobs with their schedule, last run and next run."""
    if ctx.invoked_subcommand is not None:
        return
    from cn285.hub.scheduler.status import job_status

    engine, _, line = _setup(db, config)
    status = job_status(engine, line)
    typer.echo(f"active scheduler: {status.leader or 'none'}")
    for row in status.jobs:
        last = (
            f"{row.last.started_at:%Y-%m-%d %H:%M} {row.last.status}"
            + (f" ({row.last.summary})" if row.last.summary else "")
            if row.last
            else "never"
        )
        upcoming = f"{row.next_run:%Y-%m-%d %H:%M %Z}" if row.next_run else "-"
        typer.echo(f"{row.spec.id:<28} {row.schedule:<16} next {upcoming:<24} last {last}")


@jobs_app.command("run")
def jobs_run(
    job: Annotated[str, typer.Argument(help="Job id, as `cn285 jobs` lists it")],
    date: Annotated[
        str | None, typer.Option("--date", help="Run it for this day (default: today)")
    ] = None,
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Run one job now (it waits for nobody: if it is running elsewhere, it is skipped)."""
    from cn285.hub.scheduler.jobs import run_job

    engine, loaded, line = _setup(db, config)
    try:
        line.job(job)
    except KeyError as exc:
        typer.echo(exc.args[0], err=True)
        raise typer.Exit(2) from None
    day = None
    if date is not None:
        try:
            day = dt.date.fromisoformat(date)
        except ValueError:
            typer.echo(f"--date: {date!r} is not a date (YYYY-MM-DD)", err=True)
            raise typer.Exit(2) from None
    run = run_job(engine, loaded, line, job, trigger="manual", today=day)
    typer.echo(f"{job} for {run.day}: {run.status}" + (f" ({run.summary})" if run.summary else ""))
    if run.status != "ok":
        raise typer.Exit(1)


def worker_command(
    db: DbOption = None,
    config: ConfigOption = None,
    lease: Annotated[
        float, typer.Option(min=1, help="Seconds a claimed batch stays ours without a beat")
    ] = 30.0,
    poll: Annotated[float, typer.Option(min=0.01, help="Seconds between looks at the queue")] = 1.0,
    until_idle: Annotated[
        bool, typer.Option("--until-idle", help="Stop when the queue is empty")
    ] = False,
) -> None:
    """Claim billing and sync batches from the store's work queue and do them."""
    from cn285.hub.workers.worker import Worker

    engine, loaded, _ = _setup(db, config)
    worker = Worker(engine, loaded, lease_seconds=lease, poll_seconds=poll)
    _stop_on_signals(worker.stop)
    typer.echo(f"worker {worker.name}: waiting for work", err=True)
    done = worker.run(until_idle=until_idle)
    typer.echo(f"worker {worker.name}: {done} batches done", err=True)
    sys.stderr.flush()


def register(app: typer.Typer) -> None:
    from cn285.hub.commands.demo import demo_command

    app.command("demo")(demo_command)
    app.command("scheduler")(scheduler_command)
    app.command("worker")(worker_command)
    app.add_typer(jobs_app, name="jobs")

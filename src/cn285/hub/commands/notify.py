"""`cn285 notify`: send the termination reminders and notices due, and list them."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import typer

notify_app = typer.Typer(
    help="Termination reminders and notices (e-mail through SMTP, webhooks).",
    invoke_without_command=True,
)
DbOption = Annotated[
    str | None,
    typer.Option("--db", help="SQLite file or database URL (default: CN285_DB or cn285.db)"),
]
ConfigOption = Annotated[
    str | None, typer.Option("--config", help="Configuration file (default: cn285.toml)")
]


@notify_app.callback()
def notify_command(
    ctx: typer.Context,
    date: Annotated[
        str | None,
        typer.Option("--date", help="Send what is due on DATE, YYYY-MM-DD (default: today)"),
    ] = None,
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Send the reminders and notices due (run it daily; running it again sends nothing
    twice, and retries what failed)."""
    if ctx.invoked_subcommand is not None:
        return
    from cn285.hub import config as settings_file
    from cn285.hub.notify.settings import load_settings
    from cn285.hub.services.notifications import NotificationsBusy, send_due
    from cn285.hub.store.database import open_engine

    day = _day(date) if date else None
    try:
        settings = load_settings(settings_file.load(config))
    except settings_file.ConfigError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from None
    engine = open_engine(db)
    day = day or _today(engine)
    try:
        summary = send_due(engine, day, settings)
    except NotificationsBusy as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from None
    typer.echo(
        f"notifications for {day}: {summary.terminations} terminations near their date, "
        f"{summary.sent} sent, {summary.failed} failed, {summary.superseded} superseded"
    )
    for error in summary.errors:
        typer.echo(f"error: {error}", err=True)
    if summary.failed or summary.errors:
        raise typer.Exit(1)


@notify_app.command("list")
def notify_list(
    contract: Annotated[str | None, typer.Option("--contract", help="One contract")] = None,
    status: Annotated[str | None, typer.Option("--status", help="pending, sent or failed")] = None,
    limit: Annotated[int, typer.Option(min=1, help="How many, newest first")] = 100,
    db: DbOption = None,
) -> None:
    """The notifications recorded, newest first, with the error of those that failed."""
    from sqlmodel import Session

    from cn285.hub.services.notifications import list_notifications
    from cn285.hub.store.database import open_engine

    with Session(open_engine(db)) as session:
        rows = list_notifications(session, contract, status, limit)
    if not rows:
        typer.echo("no notification")
    for row in rows:
        when = f"{row.sent_at:%Y-%m-%d %H:%M}" if row.sent_at else "-"
        typer.echo(
            f"{row.id:>6} {row.contract_code} {row.kind}"
            f"{f' -{row.offset_days}d' if row.offset_days else ''} effective {row.effective_date} "
            f"{row.channel} {row.recipient or '(none)'}: {row.status} "
            f"(attempts {row.attempts}, sent {when})" + (f" {row.error}" if row.error else "")
        )


def _day(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        typer.echo(f"--date: {text!r} is not a date (YYYY-MM-DD)", err=True)
        raise typer.Exit(2) from None


def _today(engine) -> dt.date:
    """Today in the store's time zone: billing dates are calendar dates there."""
    from zoneinfo import ZoneInfo

    from sqlmodel import Session

    from cn285.hub.services import settings

    with Session(engine) as session:
        zone = settings.timezone(session)
    return dt.datetime.now(ZoneInfo(zone)).date()

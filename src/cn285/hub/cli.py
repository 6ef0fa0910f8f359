"""The `cn285` command line."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from cn285.billing_core.charges import BillingError
from cn285.billing_core.engine import bill
from cn285.billing_core.scenario import ScenarioError, check, load, render_invoices
from cn285.billing_core.tax import TaxError

ScenarioFile = Annotated[Path, typer.Argument(help="A scenario YAML file")]

app = typer.Typer(
    no_args_is_help=True,
    add_completion=False,
    help="Cn285: variable recurring billing and ERP integration hub.",
)
scenario_app = typer.Typer(no_args_is_help=True, help="Run and check billing scenarios (YAML).")
app.add_typer(scenario_app, name="scenario")


def _fail(file: Path, messages: list[str]) -> typer.Exit:
    for message in messages:
        typer.echo(f"{file}: {message}", err=True)
    return typer.Exit(2)


def _scenario(file: Path):
    """Read and validate a scenario file; any problem exits 2 naming its place in it."""
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise _fail(file, [f"cannot read the file: {exc}"]) from None
    try:
        return load(text)
    except ScenarioError as exc:
        raise _fail(file, [str(p) for p in exc.problems]) from None


def _billed(file: Path):
    """Load and bill a scenario file; any problem exits 2 naming its place in the file."""
    scenario = _scenario(file)
    try:
        invoices = bill(scenario.book, scenario.until)
    except (BillingError, TaxError) as exc:
        raise _fail(file, [str(scenario.problem(str(exc)))]) from None
    return scenario, invoices


@scenario_app.command("run")
def scenario_run(file: ScenarioFile) -> None:
    """Bill a scenario in memory and print its invoices as JSON."""
    _, invoices = _billed(file)
    json.dump(render_invoices(invoices), sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")


@scenario_app.command("check")
def scenario_check(file: ScenarioFile) -> None:
    """Exit 0 when every expectation of the scenario holds; else print each difference, exit 1."""
    scenario, invoices = _billed(file)
    differences = check(scenario.expect, invoices)
    if not differences:
        typer.echo(f"{file}: ok ({len(invoices)} invoices)")
        return
    for difference in differences:
        typer.echo(f"{file}: {difference}")
    raise typer.Exit(1)


DbOption = Annotated[
    str | None,
    typer.Option("--db", help="SQLite file or database URL (default: CN285_DB or cn285.db)"),
]


def _engine(db: str | None):
    from cn285.hub.store.database import open_engine

    return open_engine(db)


@scenario_app.command("load")
def scenario_load(file: ScenarioFile, db: DbOption = None) -> None:
    """Load a scenario's catalog, customers, contracts, actions and usage into the store."""
    from cn285.hub.services.errors import ServiceError
    from cn285.hub.services.scenario_load import load_scenario

    scenario = _scenario(file)
    try:
        loaded = load_scenario(_engine(db), scenario)
    except ServiceError as exc:
        raise _fail(file, [str(exc)]) from None
    created = ", ".join(f"{n} {k}" for k, n in loaded.created.items() if n) or "nothing new"
    typer.echo(f"{file}: loaded ({created})")


@app.command("bill")
def bill_command(
    until: Annotated[str, typer.Option("--until", help="Issue every invoice dated up to DATE")],
    db: DbOption = None,
    batch: Annotated[int, typer.Option(help="Contracts per transaction")] = 500,
    allow_future: Annotated[
        bool, typer.Option("--allow-future", help="Allow a date more than a year ahead")
    ] = False,
    workers: Annotated[int, typer.Option(min=1, help="Processes billing batches")] = 1,
    queued: Annotated[
        bool,
        typer.Option(
            "--queued", help="Put the batches in the work queue for `cn285 worker` processes"
        ),
    ] = False,
    lease: Annotated[
        float,
        typer.Option(min=1, help="With --queued: seconds before a dead worker's batch is retaken"),
    ] = 30.0,
) -> None:
    """Run billing up to a date: issue every invoice due, exactly once, numbered."""
    import datetime as dt

    if queued and workers > 1:
        typer.echo(
            "--queued and --workers: choose one (workers join with `cn285 worker`)", err=True
        )
        raise typer.Exit(2)

    from cn285.hub.services.billing import run_billing

    try:
        day = dt.date.fromisoformat(until)
    except ValueError:
        typer.echo(f"--until: {until!r} is not a date (YYYY-MM-DD)", err=True)
        raise typer.Exit(2) from None
    if not allow_future:
        from cn285.hub.api.schemas import check_horizon

        try:
            check_horizon(day)
        except ValueError as exc:
            typer.echo(f"--until: {exc} (--allow-future to bill further)", err=True)
            raise typer.Exit(2) from None
    engine = _engine(db)
    with typer.progressbar(length=1, label="billing", file=sys.stderr) as bar:

        def progress(done: int, total: int) -> None:
            bar.length = max(total, 1)
            bar.update(done - bar.pos)

        result = run_billing(
            engine,
            day,
            actor="cli",
            batch_size=batch,
            progress=progress,
            workers=workers,
            queued=queued,
            lease_seconds=lease,
        )
    issued = result.issued
    typer.echo(
        f"billing run {result.run_id} until {day}: {result.contracts} contracts, "
        f"{issued.get('invoice', 0)} invoices and {issued.get('credit_note', 0)} credit notes "
        f"issued"
    )
    for error in result.errors:
        typer.echo(f"error: {error}", err=True)
    if result.errors:
        raise typer.Exit(1)


from cn285.hub.commands import timeline as _timeline  # noqa: E402

_timeline.register(app)
from cn285.hub.commands.notify import notify_app  # noqa: E402  (termination notifications)

app.add_typer(notify_app, name="notify")

from cn285.hub.commands.reconcile import reconcile_command  # noqa: E402  (store vs ERPs)

app.command("reconcile")(reconcile_command)

from cn285.hub.commands.imports import import_command  # noqa: E402  (CSV imports)

app.command("import")(import_command)

from cn285.hub.commands.quotes import quote_app  # noqa: E402  (quotes and e-signature)

app.add_typer(quote_app, name="quote")

from cn285.sandboxes.cli import sandbox_app  # noqa: E402  (the ERP sandboxes' commands)

app.add_typer(sandbox_app, name="sandbox")

apikey_app = typer.Typer(no_args_is_help=True, help="API keys for the REST API.")
app.add_typer(apikey_app, name="apikey")


@apikey_app.command("create")
def apikey_create(
    name: Annotated[str, typer.Argument(help="Who or what uses the key")],
    read_only: Annotated[bool, typer.Option("--read-only", help="GET requests only")] = False,
    db: DbOption = None,
) -> None:
    """Create an API key and print it: it is shown this once, and stored only hashed."""
    from cn285.hub.services.apikeys import create_key
    from cn285.hub.services.errors import ServiceError
    from cn285.hub.store.database import session_scope

    try:
        with session_scope(_engine(db)) as session:
            key = create_key(session, name, read_only=read_only)
    except ServiceError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from None
    typer.echo(key)


@app.command("serve")
def serve(
    db: DbOption = None,
    host: Annotated[str, typer.Option(help="Interface to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port")] = 8285,
    config: ConfigOption = None,
) -> None:
    """Serve the REST API (OpenAPI at /openapi.json, docs at /docs)."""
    import uvicorn

    from cn285.hub.api.app import create_app

    plan, start = _revrec_settings(config)
    app = create_app(_engine(db), plan, revrec_start=start)
    uvicorn.run(app, host=host, port=port, log_level="info")


sync_app = typer.Typer(
    help="Synchronise with the ERPs (items, customers, invoices, payments).",
    invoke_without_command=True,
)
app.add_typer(sync_app, name="sync")
ConfigOption = Annotated[
    str | None, typer.Option("--config", help="Configuration file (default: cn285.toml)")
]


@sync_app.callback()
def sync_command(
    ctx: typer.Context,
    connector: Annotated[
        str | None, typer.Option(help="One connector (default: all configured)")
    ] = None,
    stream: Annotated[
        str, typer.Option(help="Comma-separated streams")
    ] = "items,customers,invoices,payments",
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Run the sync streams of each configured connector."""
    if ctx.invoked_subcommand is not None:
        return
    from cn285.connectors.base import connector_for
    from cn285.connectors.errors import ConnectorError
    from cn285.hub import config as settings_file
    from cn285.hub.sync.service import sync

    try:
        loaded = settings_file.load(config)
    except settings_file.ConfigError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from None
    names = [connector] if connector else settings_file.configured_connectors(loaded)
    if not names:
        typer.echo(
            "no connector configured: add [connectors.NAME] to cn285.toml or set CN285_<NAME>_URL",
            err=True,
        )
        raise typer.Exit(2)
    engine = _engine(db)
    failed = False
    for name in names:
        try:
            erp = connector_for(name, settings_file.connector_config(loaded, name))
        except ConnectorError as exc:
            typer.echo(f"{name}: {exc}", err=True)
            failed = True
            continue
        try:

            def progress(stream_name: str, done: int, total: int, erp_name: str = name) -> None:
                filled = int(30 * done / total) if total else 30
                sys.stderr.write(f"\r{erp_name} {stream_name} [{'#' * filled:<30}] {done}/{total}")
                sys.stderr.flush()

            runs = sync(
                engine, erp, [s.strip() for s in stream.split(",") if s.strip()], progress=progress
            )
            sys.stderr.write("\n")
        finally:
            erp.close()
        for run in runs:
            typer.echo(
                f"{name} {run.stream}: {run.status}, {run.created} created, "
                f"{run.updated} updated, {run.unchanged} unchanged, {run.failed} failed"
                + (f" ({run.error})" if run.error else "")
            )
            failed = failed or run.status != "completed"
    if failed:
        raise typer.Exit(1)


@sync_app.command("status")
def sync_status(
    connector: Annotated[str | None, typer.Option(help="One connector")] = None,
    db: DbOption = None,
) -> None:
    """The last sync runs and the records waiting in the dead letters."""
    from sqlmodel import Session

    from cn285.hub.sync.status import open_dead_letters, recent_runs

    with Session(_engine(db)) as session:
        runs = recent_runs(session, connector)
        dead = open_dead_letters(session, connector)
    typer.echo("last runs:" if runs else "no sync run yet")
    for run in runs:
        typer.echo(
            f"  {run.started_at:%Y-%m-%d %H:%M:%S} {run.connector} {run.stream}: "
            f"{run.status}, {run.created}/{run.updated}/{run.unchanged}/{run.failed} "
            f"created/updated/unchanged/failed, {run.duration_ms} ms"
            + (f" ({run.error})" if run.error else "")
        )
    typer.echo(f"dead letters: {len(dead)}")
    for letter in dead:
        typer.echo(
            f"  {letter.connector} {letter.stream} {letter.key} "
            f"(attempts {letter.attempts}): {letter.error}"
        )


revrec_app = typer.Typer(
    no_args_is_help=True, help="Revenue recognition: schedules and month closes."
)
app.add_typer(revrec_app, name="revrec")


def _revrec_settings(config: str | None):
    """The `[revrec]` account plan and start, or exit 2 naming the key at fault."""
    from cn285.hub import config as settings_file
    from cn285.hub.services.errors import Invalid
    from cn285.hub.services.revrec import account_plan, start_setting

    try:
        loaded = settings_file.load(config)
        return account_plan(loaded), start_setting(loaded)
    except (settings_file.ConfigError, Invalid) as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from None


@revrec_app.command("close")
def revrec_close(
    period: Annotated[str, typer.Option("--period", help="The month to close, YYYY-MM")],
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Post a month's recognition entry and lock the month (run again: nothing new)."""
    import datetime as dt

    from cn285.hub.services.errors import ServiceError
    from cn285.hub.services.revrec import close_month

    try:
        month = dt.date.fromisoformat(f"{period}-01")
    except ValueError:
        typer.echo(f"--period: {period!r} is not a month (YYYY-MM)", err=True)
        raise typer.Exit(2) from None
    plan, start = _revrec_settings(config)
    try:
        close = close_month(_engine(db), month, plan, start)
    except ServiceError as exc:
        typer.echo(f"--period {period}: {exc}", err=True)
        raise typer.Exit(1) from None
    state = "closed" if close.created else "was already closed"
    typer.echo(f"{close.reference}: {month:%Y-%m} {state}, {close.recognised} recognised")
    for line in close.entry.lines if close.entry else ():
        typer.echo(f"  {line.account:<10} {line.debit:>14} {line.credit:>14}  {line.label}")


@revrec_app.command("schedule")
def revrec_schedule(
    invoice: Annotated[str, typer.Option("--invoice", help="An issued invoice's number")],
    db: DbOption = None,
) -> None:
    """The recognition schedule of each line of an invoice or credit note."""
    from cn285.hub.services.errors import NotFound
    from cn285.hub.services.revrec import invoice_schedule

    try:
        lines = invoice_schedule(_engine(db), invoice)
    except NotFound as exc:
        typer.echo(f"--invoice: {exc}", err=True)
        raise typer.Exit(1) from None
    for line, months in lines:
        typer.echo(f"line {line.position} {line.item_code} {line.amount} ({line.line_kind})")
        for recognition in months:
            typer.echo(f"  {recognition.month:%Y-%m} {recognition.amount:>14}")


@revrec_app.command("waterfall")
def revrec_waterfall(
    start: Annotated[str, typer.Option("--from", help="The first month, YYYY-MM")],
    end: Annotated[str, typer.Option("--to", help="The last month, YYYY-MM")],
    png: Annotated[
        Path | None, typer.Option("--png", help="Also draw the waterfall to this PNG file")
    ] = None,
    currency: Annotated[
        str | None, typer.Option(help="One currency (needed when the store bills in several)")
    ] = None,
    db: DbOption = None,
) -> None:
    """The deferred revenue waterfall: opening, invoiced, recognised and closing by month."""
    import datetime as dt

    from cn285.hub.services.errors import Invalid
    from cn285.hub.services.waterfall import render_png, render_table, store_waterfall

    months = []
    for option, value in (("--from", start), ("--to", end)):
        try:
            months.append(dt.date.fromisoformat(f"{value}-01"))
        except ValueError:
            typer.echo(f"{option}: {value!r} is not a month (YYYY-MM)", err=True)
            raise typer.Exit(2) from None
    try:
        rows = store_waterfall(_engine(db), months[0], months[1], currency=currency)
    except Invalid as exc:
        options = {"last_month": "--to", "currency": "--currency"}
        for path, message in exc.problems:
            typer.echo(f"{options.get(path, path)}: {message}", err=True)
        raise typer.Exit(2) from None
    typer.echo(render_table(rows))
    if png is not None:
        try:
            typer.echo(f"chart: {render_png(rows, png)}")
        except OSError as exc:
            typer.echo(f"--png: {exc}", err=True)
            raise typer.Exit(1) from None


export_app = typer.Typer(no_args_is_help=True, help="Accounting exports (CSV, French FEC).")
app.add_typer(export_app, name="export")
JOURNALS = ("sales-journal", "revrec")


@export_app.command("run", hidden=True)
def _unused() -> None:  # keeps `export` a group even with one command (typer collapses it)
    raise typer.Exit(2)


def _export(journal: str, start: str, end: str, fmt: str, output: Path | None, db, config):
    import datetime as dt

    from cn285.hub.exports import ExportError, write_csv, write_fec
    from cn285.hub.services.exports import revrec_journal, sales_journal

    try:
        first, last = dt.date.fromisoformat(start), dt.date.fromisoformat(end)
    except ValueError:
        typer.echo(f"--from/--to: {start!r}, {end!r}: dates are YYYY-MM-DD", err=True)
        raise typer.Exit(2) from None
    if fmt not in ("csv", "fec"):
        typer.echo(f"--format: {fmt!r} is not csv or fec", err=True)
        raise typer.Exit(2)
    entries = (sales_journal if journal == "sales-journal" else revrec_journal)(
        _engine(db), first, last, _revrec_settings(config)[0]
    )
    target = output.with_suffix(output.suffix + ".part") if output else None
    stream = target.open("w", encoding="utf-8", newline="") if target else sys.stdout
    try:
        counts = (write_fec if fmt == "fec" else write_csv)(entries, stream)
    except ExportError as exc:
        typer.echo(f"export stopped: {exc}", err=True)
        raise typer.Exit(1) from None
    finally:
        if target:
            stream.close()
    if output and target:
        target.replace(output)  # a file is complete or absent, never half written
    typer.echo(
        f"{journal}: {counts.entries} entries, {counts.lines} lines, "
        f"debit {counts.debit}, credit {counts.credit}",
        err=True,
    )


def _export_command(journal: str):
    def command(
        start: Annotated[str, typer.Option("--from", help="First day, YYYY-MM-DD")],
        end: Annotated[str, typer.Option("--to", help="Last day, YYYY-MM-DD")],
        fmt: Annotated[str, typer.Option("--format", help="csv or fec")] = "csv",
        output: Annotated[
            Path | None, typer.Option("--output", help="File (default: stdout)")
        ] = None,
        db: DbOption = None,
        config: ConfigOption = None,
    ) -> None:
        _export(journal, start, end, fmt, output, db, config)

    command.__doc__ = {
        "sales-journal": "The sales journal: one entry per invoice and credit note.",
        "revrec": "The revenue recognition entries of the closed months.",
    }[journal]
    return command


for _journal in JOURNALS:
    export_app.command(_journal)(_export_command(_journal))


def main() -> None:
    app()

"""`cn285 sandbox ...`: run a local ERP sandbox until Ctrl-C.

`sandbox_app` is a Typer app the main command mounts (`app.add_typer(sandbox_app,
name="sandbox")`); it imports nothing of the rest of Cn285.
"""

from __future__ import annotations

import signal
import threading
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from .odoo import FaultConfig, OdooSandbox
from .odoo.sandbox import DEFAULT_DATABASE

sandbox_app = typer.Typer(
    no_args_is_help=True,
    add_completion=False,
    help="Local ERP sandboxes that speak the ERPs' public APIs (for demos and tests).",
)


class OdooVersion(StrEnum):
    v16 = "16"
    v17 = "17"
    v18 = "18"


@sandbox_app.callback()
def sandbox() -> None:
    """Local ERP sandboxes that speak the ERPs' public APIs (for demos and tests)."""


@sandbox_app.command("odoo")
def odoo(
    port: Annotated[int, typer.Option(help="Port to listen on (0: any free port).")] = 8069,
    version: Annotated[OdooVersion, typer.Option(help="Odoo major version to emulate.")] = (
        OdooVersion.v17
    ),
    data: Annotated[
        Path | None,
        typer.Option(help="JSON file holding the database: loaded if it exists, saved on exit."),
    ] = None,
    database: Annotated[str, typer.Option(help="Database name.")] = DEFAULT_DATABASE,
    host: Annotated[str, typer.Option(help="Address to bind.")] = "127.0.0.1",
    autosave: Annotated[
        bool, typer.Option(help="With --data, save after every change (not only on exit).")
    ] = True,
    latency_ms: Annotated[float, typer.Option(help="Delay added to every request.")] = 0.0,
    jitter_ms: Annotated[float, typer.Option(help="Random extra delay, up to this.")] = 0.0,
    error_rate: Annotated[
        float, typer.Option(help="Share of requests answered with --error-status.")
    ] = 0.0,
    error_status: Annotated[int, typer.Option(help="HTTP status of injected errors.")] = 503,
    retry_after: Annotated[
        int | None, typer.Option(help="Retry-After seconds sent with injected errors.")
    ] = None,
    drop_rate: Annotated[
        float, typer.Option(help="Share of connections closed without an answer.")
    ] = 0.0,
    slow_rate: Annotated[float, typer.Option(help="Share of requests answered slowly.")] = 0.0,
    slow_ms: Annotated[float, typer.Option(help="Delay of a slow answer.")] = 2000.0,
    seed: Annotated[int, typer.Option(help="Seed of the fault schedule.")] = 0,
) -> None:
    """Serve an Odoo 16/17/18 sandbox (JSON-RPC and XML-RPC) until Ctrl-C."""
    try:
        faults = FaultConfig(
            latency_ms=latency_ms,
            jitter_ms=jitter_ms,
            error_rate=error_rate,
            error_status=error_status,
            retry_after=retry_after,
            drop_rate=drop_rate,
            slow_rate=slow_rate,
            slow_ms=slow_ms,
            seed=seed,
        )
        server = OdooSandbox(
            version=int(version.value),
            data_file=data,
            port=port,
            host=host,
            faults=faults,
            database=database,
            autosave=autosave and data is not None,
        )
        url = server.start()
    except (ValueError, OSError) as exc:
        typer.echo(f"cannot start the Odoo sandbox: {exc}", err=True)
        raise typer.Exit(2) from None
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _interrupt)
    typer.echo(f"Odoo {version.value} sandbox serving at {url}")
    typer.echo(f"database: {server.database}  login: {server.login}  password: {server.password}")
    if data is not None:
        typer.echo(f"data file: {data}")
    typer.echo("Press Ctrl-C to stop.", err=True)
    try:
        server.serve_forever()  # stops (and saves) on the way out
    except KeyboardInterrupt:
        typer.echo("stopped", err=True)


def _interrupt(signum: int, frame: object) -> None:
    """Let SIGTERM stop the sandbox as Ctrl-C does (so --data is saved)."""
    raise KeyboardInterrupt


from cn285.sandboxes.netsuite.cli import serve_command as _netsuite  # noqa: E402

sandbox_app.command("netsuite", help="Serve a NetSuite sandbox (REST records, SuiteQL, TBA).")(
    _netsuite
)

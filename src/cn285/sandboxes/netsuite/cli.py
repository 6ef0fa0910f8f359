"""`cn285 sandbox netsuite`: run the NetSuite sandbox in the foreground.

The credentials are printed once at start: they are what a connector is configured with
(account, consumer key/secret, token id/secret) to talk to this sandbox.
"""

from __future__ import annotations

import contextlib
import gc
import threading
from pathlib import Path
from typing import Annotated

import typer

from cn285.sandboxes.netsuite.auth import Credentials
from cn285.sandboxes.netsuite.sandbox import NetSuiteSandbox

sandbox_netsuite = typer.Typer(
    no_args_is_help=False,
    add_completion=False,
    help="A local NetSuite (SuiteTalk REST, SuiteQL, token-based auth) for tests and demos.",
)


def wait_until_interrupted() -> None:
    """Block the command until Ctrl+C (tests replace this to return at once)."""
    threading.Event().wait()


@sandbox_netsuite.command("serve")
def serve_command(
    port: Annotated[int, typer.Option(help="Port to listen on (0: any free port)")] = 8070,
    account: Annotated[str, typer.Option(help="Account id, also the OAuth realm")] = (
        "1234567_SB1"
    ),
    host: Annotated[str, typer.Option(help="Interface to listen on")] = "127.0.0.1",
    consumer_key: Annotated[str | None, typer.Option(help="Default: generated")] = None,
    consumer_secret: Annotated[str | None, typer.Option(help="Default: generated")] = None,
    token_id: Annotated[str | None, typer.Option(help="Default: generated")] = None,
    token_secret: Annotated[str | None, typer.Option(help="Default: generated")] = None,
    concurrency: Annotated[int, typer.Option(help="Concurrent requests allowed")] = 5,
    latency: Annotated[float, typer.Option(help="Seconds added to every request")] = 0.0,
    error_rate: Annotated[float, typer.Option(help="Share of requests failing with 5xx")] = 0.0,
    drop_rate: Annotated[float, typer.Option(help="Share of connections dropped")] = 0.0,
    seed: Annotated[int | None, typer.Option(help="Seed making faults repeatable")] = None,
    data_file: Annotated[
        Path | None, typer.Option(help="JSON file the records are loaded from and saved to")
    ] = None,
    empty: Annotated[bool, typer.Option(help="Start without the demo data")] = False,
    date_format: Annotated[str, typer.Option(help="User date format preference")] = "M/d/yyyy",
    timezone: Annotated[str, typer.Option(help="User time zone preference")] = "UTC",
) -> None:
    """Serve the SuiteTalk REST web services of one account until interrupted."""
    if consumer_key and consumer_secret and token_id and token_secret:
        credentials = Credentials(consumer_key, consumer_secret, token_id, token_secret)
    elif any((consumer_key, consumer_secret, token_id, token_secret)):
        typer.echo("Give all four credentials or none (they are then generated).", err=True)
        raise typer.Exit(2)
    else:
        credentials = Credentials.generate()
    try:
        sandbox = NetSuiteSandbox(
            account,
            port,
            host=host,
            concurrency=concurrency,
            latency=latency,
            error_rate=error_rate,
            drop_rate=drop_rate,
            seed=seed,
            credentials=credentials,
            data_file=data_file,
            seed_data=not empty,
            date_format=date_format,
            timezone=timezone,
        )
        base_url = sandbox.start()
        # A server holding tens of thousands of records: the seed is never collected, and
        # full collections of a growing heap would stall every request in flight.
        gc.freeze()
        gc.set_threshold(50_000, 20, 100)
    except (ValueError, OSError) as exc:
        typer.echo(f"Cannot start the NetSuite sandbox: {exc}", err=True)
        raise typer.Exit(2) from None
    typer.echo(f"NetSuite sandbox for account {sandbox.account} at {sandbox.rest_url}")
    typer.echo(f"  base URL        {base_url}")
    typer.echo(f"  realm           {sandbox.realm}")
    typer.echo(f"  consumer key    {credentials.consumer_key}")
    typer.echo(f"  consumer secret {credentials.consumer_secret}")
    typer.echo(f"  token id        {credentials.token_id}")
    typer.echo(f"  token secret    {credentials.token_secret}")
    typer.echo("Press Ctrl+C to stop.")
    try:
        with contextlib.suppress(KeyboardInterrupt):
            wait_until_interrupted()
    finally:
        sandbox.stop()
        typer.echo("NetSuite sandbox stopped.")

"""`cn285 demo`: the whole product on embedded defaults, in under a minute."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer

PLURALS = {
    "customer": "customers",
    "invoice": "invoices and credit notes",
    "item": "items",
    "journal_entry": "journal entries",
}


def demo_command(
    folder: Annotated[
        Path, typer.Option("--folder", help="Where the demo writes its store, mail and reports")
    ] = Path("cn285-demo"),
    months: Annotated[int, typer.Option(min=1, max=24, help="Months to simulate")] = 12,
    start: Annotated[str, typer.Option(help="First simulated day")] = "2026-01-01",
    seed: Annotated[int, typer.Option(help="The sample company's seed")] = 285,
) -> None:
    """A sample company billed for a year against local Odoo and NetSuite sandboxes:
    billing, usage, ERP sync, payments, revenue closes, notices and reconciliation."""
    from cn285.hub.demo.runner import run_demo

    try:
        first = dt.date.fromisoformat(start)
    except ValueError:
        typer.echo(f"--start: {start!r} is not a date (YYYY-MM-DD)", err=True)
        raise typer.Exit(2) from None
    typer.echo(f"cn285 demo: {months} months from {first} in {folder}/ (nothing configured)")
    result = run_demo(folder, start=first, months=months, seed=seed, progress=typer.echo)
    typer.echo("")
    typer.echo(f"invoices issued      {result.invoices} (+ {result.credit_notes} credit notes)")
    typer.echo(f"invoiced excl. tax   {result.invoiced} EUR")
    typer.echo(
        f"revenue recognised   {result.recognised} EUR over {result.months_closed} closed months"
    )
    typer.echo(
        f"payments             {result.payments} entered in the ERPs, "
        f"{result.paid_invoices} invoices paid in Cn285"
    )
    for connector, entities in sorted(result.erp_records.items()):
        made = ", ".join(
            f"{count} {PLURALS.get(entity, entity)}" for entity, count in sorted(entities.items())
        )
        typer.echo(f"records in {connector:<9} {made}")
    typer.echo(f"emails sent          {result.emails} termination reminders and notices")
    typer.echo(
        "jobs run             "
        + ", ".join(f"{count} {status}" for status, count in sorted(result.jobs.items()))
    )
    found = ", ".join(f"{c}: {n}" for c, n in sorted(result.discrepancies.items())) or "none run"
    typer.echo(f"discrepancies        {found}")
    for report in result.reports:
        typer.echo(f"report               {report}")
    typer.echo(f"store                {folder / 'demo.db'} (try: cn285 jobs --db {folder}/demo.db)")
    typer.echo(f"finished in {result.seconds:.1f} s")
    for failure in result.failures[:20]:
        typer.echo(f"failed: {failure}", err=True)
    if result.failures or any(result.discrepancies.values()):
        raise typer.Exit(1)

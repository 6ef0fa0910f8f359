"""`cn285 reconcile`: compare the store with each ERP and write the reports.

Exit codes, for a cron job: 0 nothing differs, 1 differences found, 2 a comparison could not
be made (the ERP unreachable or refusing the login, a bad configuration or option).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

EXIT_DIFFERENCES = 1
EXIT_FAILED = 2


def reconcile_command(
    connector: Annotated[
        str | None,
        typer.Option("--connector", help="One connector (default: every configured one)"),
    ] = None,
    db: Annotated[
        str | None,
        typer.Option("--db", help="SQLite file or database URL (default: CN285_DB or cn285.db)"),
    ] = None,
    config: Annotated[
        str | None, typer.Option("--config", help="Configuration file (default: cn285.toml)")
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            help="Report folder (default: reconciliation.report_dir in cn285.toml, or reports/)",
        ),
    ] = None,
) -> None:
    """Compare Cn285 with each ERP: invoices missing on either side, amounts, payment
    status, customers; write JSON, CSV and HTML reports; exit 1 on any difference."""
    from cn285.hub import config as settings_file
    from cn285.hub.services.errors import Invalid
    from cn285.hub.services.reconciliation import reconcile_configured, report_folder
    from cn285.hub.store.database import open_engine

    try:
        loaded = settings_file.load(config)
    except settings_file.ConfigError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(EXIT_FAILED) from None
    folder = report_folder(loaded, output)
    try:
        results = reconcile_configured(open_engine(db), loaded, connector, report_dir=folder)
    except Invalid as exc:
        for _, message in exc.problems:
            typer.echo(f"--connector: {message}", err=True)
        raise typer.Exit(EXIT_FAILED) from None
    for result in results:
        checked = ", ".join(f"{n} {name.replace('_', ' ')}" for name, n in result.checked.items())
        if result.status == "failed":
            typer.echo(f"{result.connector}: failed (run {result.run_id}): {result.error}")
        else:
            typer.echo(
                f"{result.connector}: {result.status} (run {result.run_id}), {checked} "
                f"compared, {result.differences} differences"
            )
        for kind, count in sorted(result.counts.items()):
            typer.echo(f"  {kind}: {count}")
        if "html" in result.reports:
            typer.echo(f"  report: {result.reports['html']}")
    if any(r.status == "failed" for r in results):
        raise typer.Exit(EXIT_FAILED)
    if any(r.status == "differences" for r in results):
        raise typer.Exit(EXIT_DIFFERENCES)

"""`cn285 import KIND FILE` and `cn285 import template KIND`.

Exit codes, for scripts: 0 every row imported (or, for a dry run, valid); 1 rows refused (the
strict import refused, or rows rejected in recovery); 2 the file cannot be imported at all
(unreadable, ambiguous, unknown or missing columns) or a bad option.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from cn285.hub.imports.engine import ImportResult

EXIT_REFUSED = 1
EXIT_FAILED = 2
SHOWN_ERRORS = 20  # errors printed; the rejects file has them all
_SUCCESS = {"imported", "checked"}


def import_command(
    kind: Annotated[
        str,
        typer.Argument(
            help="customers, items, price-lists, contracts, contract-lines, usage, actions, "
            "invoices, payments; or `template` to write a template of the kind that follows",
            show_default=False,
        ),
    ],
    file: Annotated[
        str, typer.Argument(help="The CSV file (after `template`: the kind)", show_default=False)
    ],
    mode: Annotated[
        str,
        typer.Option(help="strict: any error, nothing imported; recovery: good rows imported"),
    ] = "strict",
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Validate only: nothing is written")
    ] = False,
    rejects: Annotated[
        Path | None,
        typer.Option(help="Rejects file (recovery default: FILE.rejects.csv beside the file)"),
    ] = None,
    delimiter: Annotated[
        str | None, typer.Option(help="',', ';' or tab (default: detected)")
    ] = None,
    encoding: Annotated[
        str | None, typer.Option(help="utf-8, utf-8-sig or cp1252 (default: detected)")
    ] = None,
    decimal: Annotated[str | None, typer.Option(help="'.' or ',' (default: detected)")] = None,
    date_format: Annotated[
        str | None,
        typer.Option("--date-format", help="iso (YYYY-MM-DD) or dmy (DD/MM/YYYY)"),
    ] = None,
    db: Annotated[
        str | None,
        typer.Option("--db", help="SQLite file or database URL (default: CN285_DB or cn285.db)"),
    ] = None,
    batch: Annotated[
        int | None,
        typer.Option(min=1, help="Rows per batch (default: 5,000; usage: 40,000)"),
    ] = None,
    output: Annotated[
        Path | None, typer.Option(help="template: the file to write (default KIND.template.csv)")
    ] = None,
) -> None:
    """Import a CSV file of customers, items, price lists, contracts, usage, history…

    The dialect (delimiter, encoding, decimal mark, date format) is detected unless declared;
    every refused row is reported with its line and column. Importing a file again changes
    nothing; a changed row updates its record and leaves an audit record.
    """
    if kind == "template":
        _template(file, output)
        return
    from cn285.hub.imports.dialect import ImportFileError
    from cn285.hub.imports.engine import run_import
    from cn285.hub.services.errors import ServiceError
    from cn285.hub.store.database import open_engine

    path = Path(file)
    declared = {
        "delimiter": delimiter,
        "encoding": encoding,
        "decimal": decimal,
        "date_format": date_format,
    }
    try:
        with typer.progressbar(length=1, label=f"importing {path.name}", file=sys.stderr) as bar:

            def progress(done: int, total: int) -> None:
                bar.length = max(total, 1)
                bar.update(done - bar.pos)

            result = run_import(
                open_engine(db),
                kind,
                path,
                mode=mode,
                dry_run=dry_run,
                declared=declared,
                rejects=rejects,
                actor="cli",
                progress=progress,
                batch_size=batch,
            )
    except (ImportFileError, ValueError) as exc:
        typer.echo(f"{path}: {exc}", err=True)
        raise typer.Exit(EXIT_FAILED) from None
    except ServiceError as exc:  # the store moved between a batch's checks and its write
        kept = (
            "The batches before it are stored; run the import again (what is stored is "
            "recognised and skipped)."
            if mode == "recovery" and not dry_run
            else "Nothing was imported; run the import again."
        )
        typer.echo(f"{path}: stopped: {exc}. {kept}", err=True)
        raise typer.Exit(EXIT_REFUSED) from None
    _summary(path, result)
    if result.status not in _SUCCESS:
        raise typer.Exit(EXIT_REFUSED)


def _summary(path: Path, result: ImportResult) -> None:
    verdicts = {
        "imported": "imported",
        "partial": "imported, some rows rejected",
        "refused": "nothing imported (strict): fix the rows below or use --mode recovery",
        "checked": "valid (dry run: nothing written)",
        "invalid": "invalid (dry run: nothing written)",
    }
    would = "would be " if result.dry_run else ""
    typer.echo(f"{path}: {result.kind}: {verdicts.get(result.status, result.status)}")
    rows = f"{result.rows} row{'' if result.rows == 1 else 's'}"
    typer.echo(
        f"  {rows}: {result.created} {would}created, {result.updated} {would}updated, "
        f"{result.unchanged} unchanged, {result.rejected} rejected"
    )
    for line, column, message in result.errors[:SHOWN_ERRORS]:
        typer.echo(f"  line {line}" + (f", {column}" if column else "") + f": {message}")
    if result.error_count > SHOWN_ERRORS:
        typer.echo(f"  … and {result.error_count - SHOWN_ERRORS} more errors")
    if result.rejects:
        typer.echo(f"  rejects: {result.rejects} (correct the rows and import that file again)")


def _template(name: str, output: Path | None) -> None:
    """Write the header and one example row of a kind; describe its columns on stdout."""
    from cn285.hub.imports.kinds import kind as find_kind

    try:
        kind = find_kind(name)
    except ValueError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(EXIT_FAILED) from None
    target = output or Path(f"{kind.name}.template.csv")  # never a data file of that name
    try:
        with target.open("w", encoding="utf-8", newline="") as stream:
            writer = csv.writer(stream, lineterminator="\r\n")
            writer.writerow([c.name for c in kind.columns])
            writer.writerow([c.example for c in kind.columns])
    except OSError as exc:
        typer.echo(f"--output: {exc}", err=True)
        raise typer.Exit(EXIT_FAILED) from None
    typer.echo(f"{target}: template for {kind.name} (comma-separated, UTF-8, ISO dates)")
    width = max(len(c.name) for c in kind.columns)
    for column in kind.columns:
        need = "required" if column.required else "optional"
        example = f" (e.g. {column.example})" if column.example else ""
        typer.echo(f"  {column.name:<{width}}  {need}  {column.description}{example}")

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


def _billed(file: Path):
    """Load and bill a scenario file; any problem exits 2 naming its place in the file."""
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise _fail(file, [f"cannot read the file: {exc}"]) from None
    try:
        scenario = load(text)
    except ScenarioError as exc:
        raise _fail(file, [str(p) for p in exc.problems]) from None
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


def main() -> None:
    app()

"""`cn285 quote ...`: quotes, their versions, previews and PDFs, and signing.

Exit codes: 0 done; 1 refused by the quote's state (a transition, an unknown quote);
2 bad input (a file, a field, an option).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
import yaml
from pydantic import ValidationError

quote_app = typer.Typer(no_args_is_help=True, help="Quotes: versions, previews, signature.")

Db = Annotated[
    str | None, typer.Option("--db", help="SQLite file or database URL (default: CN285_DB)")
]
Number = Annotated[str, typer.Argument(help="The quote number (Q-000001)")]
Version = Annotated[int | None, typer.Option("--version", help="A version (default: latest)")]
Months = Annotated[
    int | None, typer.Option("--months", min=1, help="Months from the first start (default 12)")
]
ContentFile = Annotated[
    Path, typer.Option("--file", help="YAML or JSON: price_list, lines, adjustments")
]


@contextmanager
def _session(db: str | None) -> Iterator[Any]:
    """A committed session; a service's refusal becomes a message and an exit code."""
    from cn285.hub.services.errors import Invalid, ServiceError
    from cn285.hub.store.database import open_engine, session_scope

    try:
        with session_scope(open_engine(db)) as session:
            yield session
    except Invalid as exc:
        for path, message in exc.problems:
            typer.echo(f"{path}: {message}" if path else message, err=True)
        raise typer.Exit(2) from None
    except ServiceError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from None


def _content(file: Path):
    from cn285.hub.quotes.versions import QuoteContent

    try:
        data = yaml.safe_load(file.read_text(encoding="utf-8"))
        return QuoteContent.model_validate(data)
    except (OSError, yaml.YAMLError) as exc:
        typer.echo(f"{file}: {exc}", err=True)
        raise typer.Exit(2) from None
    except ValidationError as exc:
        for error in exc.errors():
            where = ".".join(str(p) for p in error["loc"])
            typer.echo(f"{file}: {where}: {error['msg']}", err=True)
        raise typer.Exit(2) from None


def _versions_table(session: Any, quote: Any) -> None:
    from cn285.hub.quotes import service

    typer.echo(
        f"{quote.number} {quote.customer_code} {quote.title!r}"
        + (f" -> contract {quote.contract_code}" if quote.contract_code else "")
    )
    for v in service.versions(session, quote):
        link = f" {v.provider}: {v.signing_link}" if v.signing_link else ""
        typer.echo(f"  v{v.number} {v.status} {v.created_at:%Y-%m-%d}{link}")


@quote_app.command("create")
def create(
    customer: Annotated[str, typer.Option("--customer", help="The customer's code")],
    file: ContentFile,
    title: Annotated[str, typer.Option(help="A title shown on the quote")] = "",
    number: Annotated[str | None, typer.Option(help="Default: the next Q-NNNNNN")] = None,
    db: Db = None,
) -> None:
    """Create a quote with its version 1 (draft)."""
    from cn285.hub.quotes import service

    content = _content(file)
    with _session(db) as session:
        quote, version = service.create_quote(session, customer, content, "cli", title, number)
        typer.echo(f"{quote.number} v{version.number} {version.status}")


@quote_app.command("revise")
def revise(number: Number, file: ContentFile, db: Db = None) -> None:
    """Add a new version (draft); the earlier ones stay unchanged."""
    from cn285.hub.quotes import service

    content = _content(file)
    with _session(db) as session:
        version = service.revise(session, number, content, "cli")
        typer.echo(f"{number} v{version.number} {version.status}")


@quote_app.command("list")
def list_quotes(
    customer: Annotated[str | None, typer.Option(help="One customer's quotes")] = None,
    db: Db = None,
) -> None:
    """Every quote with its versions and their status."""
    from sqlalchemy import select

    from cn285.hub.store import models

    with _session(db) as session:
        statement = select(models.Quote).order_by(models.Quote.id)
        if customer:
            statement = statement.where(models.Quote.customer_code == customer)
        for quote in session.scalars(statement):
            _versions_table(session, quote)


@quote_app.command("show")
def show(number: Number, version: Version = None, db: Db = None) -> None:
    """A quote's versions, and the content of one (default: the latest) as JSON."""
    from cn285.hub.quotes import service

    with _session(db) as session:
        quote, row = service.get_version(session, number, version)
        _versions_table(session, quote)
        typer.echo(json.dumps(row.content, indent=2, ensure_ascii=False))


@quote_app.command("diff")
def diff(
    number: Number,
    before: Annotated[int, typer.Argument(help="The older version")],
    after: Annotated[int, typer.Argument(help="The newer version")],
    months: Months = None,
    db: Db = None,
) -> None:
    """What changed between two versions, line by line, and the effect on the amounts."""
    from cn285.hub.quotes import service

    with _session(db) as session:
        result = service.compare(session, number, before, after, months)
    for change in result.lines:
        typer.echo(f"{change.change:<8} {change.line}")
        for f in change.fields:
            typer.echo(f"           {f.field}: {f.before} -> {f.after}")
    for term in result.terms:
        typer.echo(f"terms    {term.field}: {term.before} -> {term.after}")
    typer.echo(f"amounts excl. tax until {result.until} ({result.currency}):")
    for d in result.amounts:
        typer.echo(f"  {d.line or 'total':<10} {d.before:>12} -> {d.after:>12}  ({d.delta:+})")


@quote_app.command("preview")
def preview(
    number: Number,
    version: Version = None,
    months: Months = None,
    term: Annotated[bool, typer.Option("--term", help="Up to the end of every line")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="The invoices as JSON")] = False,
    db: Db = None,
) -> None:
    """The invoices a version will issue (the engine of `cn285 scenario run`)."""
    from cn285.hub.api.routes.quotes import preview_json
    from cn285.hub.quotes import service

    with _session(db) as session:
        _, row, shown = service.preview_version(session, number, version, months, term)
    if as_json:
        typer.echo(json.dumps(preview_json(shown), indent=2, ensure_ascii=False))
        return
    typer.echo(f"{number} v{row.number}: {shown.start} to {shown.until} ({shown.currency})")
    for invoice in shown.invoices:
        typer.echo(
            f"  {invoice.date} {invoice.total_excl_tax:>12} + {invoice.tax:>10} tax"
            f" = {invoice.total:>12}"
        )
    typer.echo(f"  total {shown.total_excl_tax:>17} + {shown.tax:>10} tax = {shown.total:>12}")


@quote_app.command("pdf")
def pdf(
    number: Number,
    output: Annotated[Path, typer.Option("--output", "-o", help="The PDF file to write")],
    version: Version = None,
    months: Months = None,
    db: Db = None,
) -> None:
    """Write the quote document of a version (lines, preview invoices and totals)."""
    from cn285.hub.quotes import service

    with _session(db) as session:
        data = service.document(session, number, version, months)
    output.write_bytes(data)
    typer.echo(f"{output}: {len(data)} bytes")


@quote_app.command("send")
def send(
    number: Number,
    provider: Annotated[str, typer.Option(help="builtin (a link) or yousign")] = "builtin",
    email: Annotated[str | None, typer.Option(help="Signer (default: the customer)")] = None,
    first_name: Annotated[str | None, typer.Option()] = None,
    last_name: Annotated[str | None, typer.Option()] = None,
    version: Version = None,
    months: Months = None,
    db: Db = None,
) -> None:
    """Send the latest version for signature and print the signing link."""
    from cn285.hub.quotes import service
    from cn285.hub.quotes.signature import Signer

    signer = None
    if email:
        signer = Signer(first_name or email, last_name or email, email)
    with _session(db) as session:
        chosen = service.provider_for(session, provider)
        row = service.send(session, number, chosen, "cli", version, signer, months)
        typer.echo(f"{number} v{row.number} {row.status}: {row.signing_link}")


def _decision(event_name: str) -> Callable[..., None]:
    def command(number: Number, version: Version = None, db: Db = None) -> None:
        from cn285.hub.quotes import service
        from cn285.hub.quotes.status import Event

        with _session(db) as session:
            outcome = service.decide(session, number, version, Event(event_name), "cli")
        state = outcome.status if outcome.changed else f"already {outcome.status}"
        contract = f" -> contract {outcome.contract}" if outcome.contract else ""
        typer.echo(f"{outcome.quote} v{outcome.version} {state}{contract}")

    command.__doc__ = {
        "sign": "Record the signature of a sent version: it becomes an active contract, once.",
        "decline": "Record that the customer declined a sent version.",
    }[event_name]
    return command


for _name in ("sign", "decline"):
    quote_app.command(_name)(_decision(_name))

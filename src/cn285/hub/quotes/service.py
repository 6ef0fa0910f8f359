"""Quotes in the store: create, revise, compare, preview, send, and the outcome of signing.

Signing turns the version into a contract exactly once: the version row is locked
(`FOR UPDATE` on PostgreSQL; SQLite's write lock) and the contract code is the quote's
number under unique constraints, so a replayed or concurrent signature event finds the
version signed and changes nothing. Sending locks it the same way before asking the
provider, so that a double click sends one request.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlmodel import Session

from cn285.hub.quotes import pdf
from cn285.hub.quotes.preview import Preview, build_book, preview
from cn285.hub.quotes.signature import (
    PROVIDERS,
    SignatureError,
    SignatureProvider,
    SignatureRequest,
    Signer,
)
from cn285.hub.quotes.status import Event, Status, advance
from cn285.hub.quotes.versions import (
    AmountDelta,
    FieldChange,
    LineChange,
    QuoteContent,
    amount_deltas,
    compare_lines,
    compare_terms,
)
from cn285.hub.services import audit, settings
from cn285.hub.services.book import Catalog, load_customers
from cn285.hub.services.contracts import add_action, create_contract
from cn285.hub.services.errors import Conflict, Invalid, NotFound
from cn285.hub.store import models

SECRET_SETTING = "quote_signing_secret"


def label(quote: models.Quote, version: models.QuoteVersion) -> str:
    return f"quote {quote.number} v{version.number}"


def _now() -> datetime:
    return datetime.now(UTC)


def content_of(version: models.QuoteVersion) -> QuoteContent:
    return QuoteContent.model_validate(version.content)


def _customer(session: Session, code: str):
    found = load_customers(session, [code])
    if code not in found:
        raise Invalid([("customer", f"unknown customer {code!r}")])
    return found[code]


def _check(session: Session, customer: str, content: QuoteContent) -> None:
    """Refuse content the engine could not bill, naming the field (before it is stored)."""
    build_book(content, _customer(session, customer), Catalog.load(session))


def _next_number(session: Session) -> str:
    count = session.scalar(select(func.count()).select_from(models.Quote)) or 0
    return f"Q-{count + 1:06d}"


def create_quote(
    session: Session,
    customer: str,
    content: QuoteContent,
    actor: str,
    title: str = "",
    number: str | None = None,
) -> tuple[models.Quote, models.QuoteVersion]:
    """A new quote with its version 1 (draft)."""
    _check(session, customer, content)
    number = number or _next_number(session)
    if session.scalars(select(models.Quote.id).where(models.Quote.number == number)).first():
        raise Conflict(f"quote {number!r} already exists")
    quote = models.Quote(number=number, customer_code=customer, title=title, actor=actor)
    session.add(quote)
    session.flush()
    version = _add_version(session, quote, 1, content, actor)
    return quote, version


def _add_version(
    session: Session, quote: models.Quote, number: int, content: QuoteContent, actor: str
) -> models.QuoteVersion:
    version = models.QuoteVersion(
        quote_id=quote.id,
        number=number,
        content=content.stored(),
        actor=actor,  # type: ignore[arg-type]
    )
    session.add(version)
    session.flush()
    audit.record(
        session,
        actor,
        "create_version",
        "quote",
        f"{quote.number}/v{number}",
        None,
        version.content,
    )
    return version


def revise(session: Session, number: str, content: QuoteContent, actor: str) -> models.QuoteVersion:
    """A new draft version; the previous ones stay as they were (immutable)."""
    quote = get_quote(session, number)
    latest = versions(session, quote)[-1]
    if quote.contract_code is not None:
        raise Conflict(f"quote {number} is signed (contract {quote.contract_code}): no revision")
    if latest.status == Status.SENT:
        raise Conflict(
            f"{label(quote, latest)} is out for signature: decline or expire it before revising"
        )
    _check(session, quote.customer_code, content)
    return _add_version(session, quote, latest.number + 1, content, actor)


def get_quote(session: Session, number: str) -> models.Quote:
    quote = session.scalars(select(models.Quote).where(models.Quote.number == number)).first()
    if quote is None:
        raise NotFound("quote", number)
    return quote


def versions(session: Session, quote: models.Quote) -> list[models.QuoteVersion]:
    return list(
        session.scalars(
            select(models.QuoteVersion)
            .where(models.QuoteVersion.quote_id == quote.id)
            .order_by(models.QuoteVersion.number)
        )
    )


def get_version(
    session: Session, number: str, version: int | None = None
) -> tuple[models.Quote, models.QuoteVersion]:
    """A quote's version `version` (default: the latest)."""
    quote = get_quote(session, number)
    found = versions(session, quote)
    if version is None:
        return quote, found[-1]
    for row in found:
        if row.number == version:
            return quote, row
    raise NotFound("quote version", f"{number}/v{version}")


def preview_version(
    session: Session,
    number: str,
    version: int | None = None,
    months: int | None = None,
    term: bool = False,
) -> tuple[models.Quote, models.QuoteVersion, Preview]:
    quote, row = get_version(session, number, version)
    shown = preview(
        content_of(row),
        _customer(session, quote.customer_code),
        Catalog.load(session),
        months,
        term,
    )
    return quote, row, shown


def document(
    session: Session,
    number: str,
    version: int | None = None,
    months: int | None = None,
    term: bool = False,
) -> bytes:
    """The quote PDF of a version, with its preview."""
    quote, row, shown = preview_version(session, number, version, months, term)
    return pdf.render(
        pdf.QuoteDocument(
            quote.number,
            row.number,
            quote.title,
            row.created_at.date(),
            _customer(session, quote.customer_code),
            content_of(row),
            shown,
        )
    )


@dataclass(frozen=True)
class Comparison:
    """What changed from version `before` to `after`, and the effect on the amounts."""

    before: int
    after: int
    lines: list[LineChange]
    terms: list[FieldChange]
    amounts: list[AmountDelta]
    until: Any
    currency: str


def compare(
    session: Session, number: str, before: int, after: int, months: int | None = None
) -> Comparison:
    """Line by line, plus the amounts each version invoices over the same months."""
    _, old, old_preview = preview_version(session, number, before, months)
    _, new, new_preview = preview_version(session, number, after, months)
    a, b = content_of(old), content_of(new)
    return Comparison(
        before,
        after,
        compare_lines(a, b),
        compare_terms(a, b),
        amount_deltas(
            old_preview.by_line(),
            new_preview.by_line(),
            old_preview.total_excl_tax,
            new_preview.total_excl_tax,
        ),
        new_preview.until,
        new_preview.currency,
    )


# -- signature --------------------------------------------------------------------------


def signing_values(session: Session, env: Mapping[str, str] | None = None) -> dict[str, str]:
    """Provider settings: `CN285_*` variables, and a signing secret kept in the store (made
    once) so the built-in provider works with no set-up and its links survive restarts."""
    values = dict(os.environ if env is None else env)
    if not values.get("CN285_SIGNING_SECRET"):
        secret = settings.get(session, SECRET_SETTING)
        if not secret:
            secret = secrets.token_urlsafe(32)
            settings.put(session, SECRET_SETTING, secret)
        values["CN285_SIGNING_SECRET"] = secret
    return values


def provider_for(
    session: Session, name: str, env: Mapping[str, str] | None = None
) -> SignatureProvider:
    if name not in PROVIDERS:
        raise Invalid([("provider", f"unknown provider {name!r} ({', '.join(sorted(PROVIDERS))})")])
    try:
        return PROVIDERS[name](signing_values(session, env))
    except SignatureError as exc:
        raise Invalid([("provider", str(exc))]) from None


def _signer(session: Session, customer: str, given: Signer | None) -> Signer:
    if given is not None:
        return given
    row = session.scalars(select(models.Customer).where(models.Customer.code == customer)).one()
    if not row.email:
        raise Invalid([("signer", f"customer {customer} has no email: give the signer")])
    first, _, last = row.name.partition(" ")
    return Signer(first or row.name, last or row.name, row.email)


def send(
    session: Session,
    number: str,
    provider: SignatureProvider,
    actor: str,
    version: int | None = None,
    signer: Signer | None = None,
    months: int | None = None,
) -> models.QuoteVersion:
    """Send a draft (the latest version) for signature with its PDF; returns it, sent.

    The version is locked first (PostgreSQL): a second send of the same draft waits, then
    finds it sent and is refused, without asking the provider for a second request."""
    quote, found = get_version(session, number, version)
    row = _locked(session, found.id)  # type: ignore[arg-type]
    latest = versions(session, quote)[-1]
    new_status = advance(label(quote, row), row.status, Event.SEND)
    if row.id != latest.id:
        raise Conflict(f"{label(quote, row)} is not the latest version (v{latest.number})")
    who = _signer(session, quote.customer_code, signer)
    data = document(session, number, row.number, months)
    try:
        sent = provider.send(
            SignatureRequest(
                name=f"Quote {quote.number} v{row.number}",
                external_id=f"{quote.number}/v{row.number}",
                pdf=data,
                filename=f"{quote.number}-v{row.number}.pdf",
                signer=who,
            )
        )
    except SignatureError as exc:
        raise Conflict(f"{label(quote, row)} was not sent: {exc}") from None
    row.status = new_status.value
    row.provider = provider.name
    row.provider_ref = sent.reference
    row.signing_link = sent.link
    row.signer = {"first_name": who.first_name, "last_name": who.last_name, "email": who.email}
    row.sent_at = _now()
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor,
        "send",
        "quote",
        f"{quote.number}/v{row.number}",
        {"status": "draft"},
        {"status": row.status, "provider": row.provider, "reference": row.provider_ref},
    )
    return row


@dataclass(frozen=True)
class Outcome:
    """What a signature event did: `changed` is False for a replay."""

    quote: str
    version: int
    status: str
    changed: bool
    contract: str | None = None


def _locked(session: Session, version_id: int) -> models.QuoteVersion:
    """The version, read again once locked for this transaction: `FOR UPDATE` on
    PostgreSQL; on SQLite, which has no row locks, a write that takes the store's write
    lock now (held until commit), so that a concurrent send or decision waits here."""
    if session.get_bind().dialect.name == "sqlite":
        table = models.QuoteVersion
        session.execute(
            update(table).where(table.id == version_id).values(status=table.status),  # type: ignore[arg-type]
            execution_options={"synchronize_session": False},
        )
    statement = (
        select(models.QuoteVersion)
        .where(models.QuoteVersion.id == version_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return session.scalars(statement).one()


def decide(session: Session, number: str, version: int | None, event: Event, actor: str) -> Outcome:
    """Sign, decline or expire a version; the same outcome twice changes nothing."""
    quote, found = get_version(session, number, version)
    row = _locked(session, found.id)  # type: ignore[arg-type]
    target = {Event.SIGN: Status.SIGNED, Event.DECLINE: Status.DECLINED}.get(event, Status.EXPIRED)
    if row.status == target:
        session.refresh(quote)
        return Outcome(quote.number, row.number, row.status, False, quote.contract_code)
    before = row.status
    row.status = advance(label(quote, row), row.status, event).value
    row.decided_at = _now()
    session.add(row)
    contract = _activate(session, quote, row, actor) if event is Event.SIGN else None
    session.flush()
    audit.record(
        session,
        actor,
        event.value,
        "quote",
        f"{quote.number}/v{row.number}",
        {"status": before},
        {"status": row.status, **({"contract": contract} if contract else {})},
    )
    return Outcome(quote.number, row.number, row.status, True, contract)


def _activate(session: Session, quote: models.Quote, row: models.QuoteVersion, actor: str) -> str:
    """The signed version as an active contract (code: the quote number), with its
    adjustments, linked both ways in the audit trail."""
    content = content_of(row)
    code = quote.number
    create_contract(session, content.contract_in(code, quote.customer_code), actor)
    for action in content.actions_in(code):
        add_action(session, code, action, actor)
    quote.contract_code = code
    session.add(quote)
    audit.record(
        session,
        actor,
        "activate_from_quote",
        "contract",
        code,
        None,
        {"quote": quote.number, "version": row.number, "version_id": row.id},
    )
    return code


def version_by_reference(
    session: Session, provider: str, reference: str
) -> tuple[models.Quote, models.QuoteVersion]:
    row = session.scalars(
        select(models.QuoteVersion)
        .where(models.QuoteVersion.provider == provider)
        .where(models.QuoteVersion.provider_ref == reference)
    ).first()
    if row is None:
        raise NotFound("signature request", reference)
    quote = session.get(models.Quote, row.quote_id)
    assert quote is not None  # a foreign key
    return quote, row


_EVENTS = {"signed": Event.SIGN, "declined": Event.DECLINE, "expired": Event.EXPIRE}


def apply_outcome(
    session: Session, provider: str, reference: str, outcome: str, actor: str
) -> Outcome:
    """A provider's verified event (`signed`, `declined`, `expired`) applied to its version."""
    quote, row = version_by_reference(session, provider, reference)
    return decide(session, quote.number, row.number, _EVENTS[outcome], actor)

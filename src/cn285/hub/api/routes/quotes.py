"""Quotes: versions, comparison, preview and PDF, sending for signature, and the signature
outcomes (the built-in signing page and Yousign's webhook, both verified before anything)."""

from __future__ import annotations

import html
import os
from datetime import datetime
from typing import Any

from fastapi import APIRouter, HTTPException, Query, Request, status
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from cn285.billing_core.scenario.render import render_invoices
from cn285.billing_core.scenario.schema import Code
from cn285.hub.api.deps import DB, CallerDep
from cn285.hub.api.pagination import Cursor, Limit, Page, page
from cn285.hub.quotes import service
from cn285.hub.quotes.preview import MAX_MONTHS, Preview
from cn285.hub.quotes.signature import Signer, WebhookRefused
from cn285.hub.quotes.signature.builtin import BuiltinProvider
from cn285.hub.quotes.signature.yousign import SIGNATURE_HEADER, verify_webhook
from cn285.hub.quotes.status import Event
from cn285.hub.quotes.versions import QuoteContent
from cn285.hub.services.errors import Conflict
from cn285.hub.store import models

router = APIRouter(prefix="/v1/quotes", tags=["quotes"])
Months = Query(None, ge=1, le=MAX_MONTHS, description="months from the first start (default 12)")


class VersionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    number: int
    status: str
    content: dict[str, Any]
    provider: str | None
    signing_link: str | None
    created_at: datetime
    sent_at: datetime | None
    decided_at: datetime | None


class QuoteOut(BaseModel):
    number: str
    customer: str
    title: str
    contract: str | None
    created_at: datetime
    versions: list[VersionOut]


class QuoteCreate(QuoteContent):
    """A quote's first version, for `customer` (`number` default: the next Q-NNNNNN)."""

    customer: Code
    title: str = Field("", max_length=255)
    number: Code | None = Field(None, max_length=64)


class SignerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    first_name: str = Field(min_length=1)
    last_name: str = Field(min_length=1)
    email: str = Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    locale: str = "en"


class SendIn(BaseModel):
    """Send the latest version: `builtin` (a link served here) or `yousign`."""

    model_config = ConfigDict(extra="forbid")
    provider: str = "builtin"
    version: int | None = None
    signer: SignerIn | None = None  # default: the customer's name and email
    months: int | None = Field(None, ge=1, le=MAX_MONTHS)


class OutcomeOut(BaseModel):
    quote: str
    version: int
    status: str
    changed: bool
    contract: str | None


def _content(body: QuoteContent) -> QuoteContent:
    return QuoteContent.model_validate(
        {name: getattr(body, name) for name in QuoteContent.model_fields}
    )


def _out(db: DB, quote: models.Quote) -> QuoteOut:
    return QuoteOut(
        number=quote.number,
        customer=quote.customer_code,
        title=quote.title,
        contract=quote.contract_code,
        created_at=quote.created_at,
        versions=[VersionOut.model_validate(v) for v in service.versions(db, quote)],
    )


def preview_json(shown: Preview) -> dict[str, Any]:
    return {
        "from": shown.start.isoformat(),
        "until": shown.until.isoformat(),
        "currency": shown.currency,
        "total_excl_tax": str(shown.total_excl_tax),
        "tax": str(shown.tax),
        "total": str(shown.total),
        "by_line": {k: str(v) for k, v in shown.by_line().items()},
        **render_invoices(shown.invoices),
    }


@router.post("", response_model=QuoteOut, status_code=status.HTTP_201_CREATED)
def create_quote(body: QuoteCreate, db: DB, who: CallerDep) -> QuoteOut:
    quote, _ = service.create_quote(
        db, body.customer, _content(body), who.name, body.title, body.number
    )
    return _out(db, quote)


@router.get("", response_model=Page[QuoteOut])
def list_quotes(
    db: DB,
    _: CallerDep,
    limit: int = Limit,
    cursor: str | None = Cursor,
    customer: str | None = None,
) -> dict:
    statement = select(models.Quote)
    if customer:
        statement = statement.where(models.Quote.customer_code == customer)
    return page(db, statement, models.Quote, limit, cursor, lambda row: _out(db, row))


# The public routes come before `/{number}` ones so that their literal segments win.
@router.get("/sign/{token}", response_class=HTMLResponse, include_in_schema=False)
def signing_page(token: str, db: DB) -> HTMLResponse:
    """The built-in provider's page: the quote's totals and a button to sign."""
    quote, row = _by_token(db, token)
    _, _, shown = service.preview_version(db, quote.number, row.number)
    state = (
        f"<p>This version is {html.escape(row.status)}.</p>"
        if row.status != "sent"
        else '<form method="post"><button type="submit">Sign this quote</button></form>'
    )
    body = (
        f"<html><head><title>Quote {html.escape(quote.number)}</title></head><body>"
        f"<h1>Quote {html.escape(quote.number)} v{row.number}</h1>"
        f"<p>{html.escape(quote.title)}</p><p>{len(shown.invoices)} invoices from "
        f"{shown.start} to {shown.until}: {shown.total} {shown.currency} incl. tax.</p>"
        f'<p><a href="{html.escape(token)}/pdf">The quote (PDF)</a></p>{state}</body></html>'
    )
    return HTMLResponse(body)


@router.get("/sign/{token}/pdf", include_in_schema=False)
def signing_pdf(token: str, db: DB) -> Response:
    quote, row = _by_token(db, token)
    data = service.document(db, quote.number, row.number)
    return Response(data, media_type="application/pdf")


@router.post("/sign/{token}", response_model=OutcomeOut)
def sign_by_link(token: str, db: DB) -> OutcomeOut:
    """The signer signs through the built-in link (a replay changes nothing)."""
    quote, row = _by_token(db, token)
    outcome = service.decide(db, quote.number, row.number, Event.SIGN, "signer:builtin")
    return OutcomeOut(**outcome.__dict__)


def _by_token(db: DB, token: str) -> tuple[models.Quote, models.QuoteVersion]:
    provider = service.provider_for(db, "builtin")
    assert isinstance(provider, BuiltinProvider)
    try:
        reference = provider.verify(token)
    except WebhookRefused:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "this signing link is not valid") from None
    return service.version_by_reference(db, "builtin", reference)


@router.post("/webhooks/yousign")
async def yousign_webhook(request: Request, db: DB) -> dict[str, Any]:
    """Yousign's events: the HMAC signature is verified on the raw body before anything
    (401 otherwise, nothing changes); an event for a finished version is acknowledged."""
    body = await request.body()
    secret = os.environ.get("CN285_YOUSIGN_WEBHOOK_SECRET", "")
    try:
        event = verify_webhook(body, request.headers.get(SIGNATURE_HEADER), secret)
    except WebhookRefused as exc:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, str(exc)) from None
    if event.outcome is None:
        return {"event": event.name, "result": "ignored"}
    try:
        outcome = service.apply_outcome(db, "yousign", event.reference, event.outcome, "yousign")
    except Conflict as exc:  # e.g. declined after signed: acknowledge, change nothing
        return {"event": event.name, "result": "refused", "detail": str(exc)}
    return {"event": event.name, "result": "applied" if outcome.changed else "replay"}


@router.get("/{number}", response_model=QuoteOut)
def get_quote(number: str, db: DB, _: CallerDep) -> QuoteOut:
    return _out(db, service.get_quote(db, number))


@router.post("/{number}/versions", response_model=VersionOut, status_code=status.HTTP_201_CREATED)
def revise(number: str, body: QuoteContent, db: DB, who: CallerDep) -> models.QuoteVersion:
    """A new version (a draft); earlier versions never change."""
    return service.revise(db, number, body, who.name)


@router.get("/{number}/versions", response_model=list[VersionOut])
def list_versions(number: str, db: DB, _: CallerDep) -> list[models.QuoteVersion]:
    return service.versions(db, service.get_quote(db, number))


@router.get("/{number}/versions/{version}", response_model=VersionOut)
def get_version(number: str, version: int, db: DB, _: CallerDep) -> models.QuoteVersion:
    return service.get_version(db, number, version)[1]


@router.get("/{number}/compare")
def compare(
    number: str,
    db: DB,
    _: CallerDep,
    before: int = Query(alias="from"),
    after: int = Query(alias="to"),
    months: int | None = Months,
) -> dict[str, Any]:
    """What changed between two versions, line by line, and the effect on the amounts."""
    diff = service.compare(db, number, before, after, months)
    return {
        "from": diff.before,
        "to": diff.after,
        "until": diff.until.isoformat(),
        "currency": diff.currency,
        "lines": [
            {"line": c.line, "change": c.change, "fields": [f.__dict__ for f in c.fields]}
            for c in diff.lines
        ],
        "terms": [f.__dict__ for f in diff.terms],
        "amounts": [
            {"line": d.line, "before": str(d.before), "after": str(d.after), "delta": str(d.delta)}
            for d in diff.amounts
        ],
    }


@router.get("/{number}/versions/{version}/preview")
def preview(
    number: str,
    version: int,
    db: DB,
    _: CallerDep,
    months: int | None = Months,
    term: bool = False,
) -> dict[str, Any]:
    """The invoices the version will issue over `months` (or its whole term)."""
    return preview_json(service.preview_version(db, number, version, months, term)[2])


@router.get("/{number}/versions/{version}/pdf")
def pdf(number: str, version: int, db: DB, _: CallerDep, months: int | None = Months) -> Response:
    data = service.document(db, number, version, months)
    headers = {"Content-Disposition": f'attachment; filename="{number}-v{version}.pdf"'}
    return Response(data, media_type="application/pdf", headers=headers)


@router.post("/{number}/send", response_model=VersionOut)
def send(number: str, body: SendIn, db: DB, who: CallerDep) -> models.QuoteVersion:
    """Send the latest version for signature; the answer carries the signing link."""
    provider = service.provider_for(db, body.provider)
    signer = Signer(**body.signer.model_dump()) if body.signer else None
    return service.send(db, number, provider, who.name, body.version, signer, body.months)


_PAST = {Event.SIGN: "signed", Event.DECLINE: "declined", Event.EXPIRE: "expired"}


def _decide(event: Event):
    def route(number: str, version: int, db: DB, who: CallerDep) -> OutcomeOut:
        return OutcomeOut(**service.decide(db, number, version, event, who.name).__dict__)

    route.__name__ = f"{event.value}_version"
    route.__doc__ = f"Record that the version is {_PAST[event]} (409 when its state refuses)."
    return route


for _event in (Event.SIGN, Event.DECLINE, Event.EXPIRE):
    router.post(f"/{{number}}/versions/{{version}}/{_event.value}", response_model=OutcomeOut)(
        _decide(_event)
    )

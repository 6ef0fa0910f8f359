"""`/v1/quotes`: versions, comparison, preview, PDF, signing by link and by Yousign webhook."""

from __future__ import annotations

import io
import json

import pytest
import responses
from fastapi.testclient import TestClient
from pypdf import PdfReader
from sqlalchemy import func, select
from sqlmodel import Session

from cn285.hub.api.app import create_app
from cn285.hub.quotes.signature.yousign import BASE_URLS, SIGNATURE_HEADER, sign_body
from cn285.hub.services.apikeys import create_key
from cn285.hub.store import models
from tests.quotes.builders import ADJUSTMENTS, LINES
from tests.quotes.store_seed import seed

QUOTE = {"customer": "ACME", "title": "Platform offer", "price_list": "STD", "lines": LINES}
SECRET = "whsec-test"


@pytest.fixture
def api(engine, monkeypatch) -> TestClient:
    monkeypatch.setenv("CN285_YOUSIGN_WEBHOOK_SECRET", SECRET)
    monkeypatch.setenv("CN285_YOUSIGN_API_KEY", "key-1")
    monkeypatch.setenv("CN285_SIGNING_SECRET", "link-secret")
    seed(engine)
    with Session(engine) as session:
        key = create_key(session, "sales")
        session.commit()
    client = TestClient(create_app(engine))
    client.headers["Authorization"] = f"Bearer {key}"
    return client


def _contracts(engine) -> int:
    with Session(engine) as session:
        return session.scalar(select(func.count()).select_from(models.Contract)) or 0


def test_versions_are_listed_and_compared_with_amount_effects(api):
    created = api.post("/v1/quotes", json=QUOTE)
    assert created.status_code == 201, created.text
    number = created.json()["number"]
    revised = api.post(
        f"/v1/quotes/{number}/versions",
        json={"price_list": "STD", "lines": LINES[:1], "adjustments": ADJUSTMENTS},
    )
    assert revised.status_code == 201 and revised.json()["number"] == 2
    assert [v["number"] for v in api.get(f"/v1/quotes/{number}/versions").json()] == [1, 2]
    assert api.get("/v1/quotes", params={"customer": "ACME"}).json()["items"][0]["number"] == number
    diff = api.get(f"/v1/quotes/{number}/compare", params={"from": 1, "to": 2, "months": 1}).json()
    assert diff["lines"] == [{"line": "L2", "change": "removed", "fields": []}]
    assert [t["field"] for t in diff["terms"]] == ["adjustments"]
    assert diff["amounts"][-1] == {
        "line": None,
        "before": "803.23",
        "after": "283.23",
        "delta": "-520.00",
    }


def test_preview_and_pdf_of_a_version(api):
    number = api.post("/v1/quotes", json=QUOTE).json()["number"]
    shown = api.get(f"/v1/quotes/{number}/versions/1/preview", params={"months": 1}).json()
    assert shown["total"] == "963.88" and shown["currency"] == "EUR"
    assert [i["date"] for i in shown["invoices"]] == ["2026-01-16", "2026-02-01"]
    document = api.get(f"/v1/quotes/{number}/versions/1/pdf", params={"months": 1})
    assert document.headers["content-type"] == "application/pdf"
    text = PdfReader(io.BytesIO(document.content)).pages[0].extract_text()
    assert f"Quote {number} - version 1" in text and "963.88 EUR" in text


def test_bad_content_names_the_field(api):
    bad = {**QUOTE, "lines": [{**LINES[0], "item": "NOPE"}]}
    answer = api.post("/v1/quotes", json=bad)
    assert answer.status_code == 422
    assert answer.json()["detail"][0]["loc"] == ["body", "lines", 0, "item"]


def test_signing_a_draft_is_refused_with_a_clear_error(api, engine):
    number = api.post("/v1/quotes", json=QUOTE).json()["number"]
    answer = api.post(f"/v1/quotes/{number}/versions/1/sign")
    assert answer.status_code == 409
    assert (
        answer.json()["detail"] == f"quote {number} v1 is draft: only a sent version can be signed"
    )
    assert _contracts(engine) == 0


def test_builtin_link_signs_once_and_a_forged_link_is_refused(api, engine):
    number = api.post("/v1/quotes", json=QUOTE).json()["number"]
    sent = api.post(f"/v1/quotes/{number}/send", json={"provider": "builtin"})
    assert sent.status_code == 200, sent.text
    link = sent.json()["signing_link"]
    path = link.removeprefix("http://127.0.0.1:8285")
    public = TestClient(api.app)  # the signer has no API key
    page = public.get(path)
    assert page.status_code == 200 and "Sign this quote" in page.text
    assert public.post(path + "x").status_code == 404
    assert _contracts(engine) == 0
    first = public.post(path).json()
    again = public.post(path).json()
    assert (first["changed"], first["contract"]) == (True, number)
    assert (again["changed"], again["status"]) == (False, "signed")
    assert _contracts(engine) == 1
    assert api.get(f"/v1/quotes/{number}").json()["contract"] == number


def _webhook(client: TestClient, body: bytes, header: str | None):
    headers = {"Content-Type": "application/json"}
    if header is not None:
        headers[SIGNATURE_HEADER] = header
    return client.post("/v1/quotes/webhooks/yousign", content=body, headers=headers)


@responses.activate
def test_yousign_webhook_activates_once_and_refuses_bad_signatures(api, engine):
    responses.add_passthru("http://testserver")
    base = BASE_URLS["sandbox"]
    responses.post(f"{base}/signature_requests", json={"id": "sr-9", "status": "draft"})
    responses.post(f"{base}/signature_requests/sr-9/documents", json={"id": "d-1"})
    responses.post(f"{base}/signature_requests/sr-9/signers", json={"id": "s-1"})
    responses.post(
        f"{base}/signature_requests/sr-9/activate",
        json={"status": "ongoing", "signers": [{"id": "s-1", "signature_link": "https://y/s"}]},
    )
    number = api.post("/v1/quotes", json=QUOTE).json()["number"]
    sent = api.post(f"/v1/quotes/{number}/send", json={"provider": "yousign"}).json()
    assert (sent["status"], sent["signing_link"]) == ("sent", "https://y/s")

    body = json.dumps(
        {
            "event_id": "e-1",
            "event_name": "signature_request.done",
            "data": {"signature_request": {"id": "sr-9", "status": "done", "external_id": "x"}},
        }
    ).encode()
    public = TestClient(api.app)
    for header in (None, "sha256=deadbeef", sign_body(body, "wrong")):
        assert _webhook(public, body, header).status_code == 401
    assert _contracts(engine) == 0
    assert api.get(f"/v1/quotes/{number}/versions/1").json()["status"] == "sent"

    assert _webhook(public, body, sign_body(body, SECRET)).json()["result"] == "applied"
    assert _webhook(public, body, sign_body(body, SECRET)).json()["result"] == "replay"
    assert _contracts(engine) == 1
    declined = body.replace(b"signature_request.done", b"signature_request.declined")
    late = _webhook(public, declined, sign_body(declined, SECRET)).json()
    assert late["result"] == "refused"
    assert api.get(f"/v1/quotes/{number}/versions/1").json()["status"] == "signed"

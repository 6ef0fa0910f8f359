"""Yousign API v3 calls on its documented shapes, webhook signatures, built-in links."""

from __future__ import annotations

import json

import pytest
import responses
from responses import matchers

from cn285.hub.quotes.signature import SignatureError, SignatureRequest, Signer, WebhookRefused
from cn285.hub.quotes.signature.builtin import BuiltinProvider
from cn285.hub.quotes.signature.yousign import (
    BASE_URLS,
    YousignClient,
    sign_body,
    verify_webhook,
)

SANDBOX = BASE_URLS["sandbox"]
REQUEST = SignatureRequest(
    name="Quote Q-000001 v1",
    external_id="Q-000001/1",
    pdf=b"%PDF-1.4 test",
    filename="Q-000001-v1.pdf",
    signer=Signer("Ada", "Lovelace", "ada@example.com", "fr"),
)
AUTH = matchers.header_matcher({"Authorization": "Bearer key-123"})


@responses.activate(assert_all_requests_are_fired=True)
def test_sending_creates_uploads_adds_the_signer_and_activates():
    responses.post(
        f"{SANDBOX}/signature_requests",
        json={"id": "sr-1", "status": "draft"},
        status=201,
        match=[
            AUTH,
            matchers.json_params_matcher(
                {
                    "name": "Quote Q-000001 v1",
                    "delivery_mode": "email",
                    "timezone": "Europe/Paris",
                    "external_id": "Q-000001/1",
                }
            ),
        ],
    )
    responses.post(
        f"{SANDBOX}/signature_requests/sr-1/documents",
        json={"id": "doc-1", "nature": "signable_document"},
        status=201,
        match=[AUTH],
    )
    responses.post(
        f"{SANDBOX}/signature_requests/sr-1/signers",
        json={"id": "signer-1"},
        status=201,
        match=[
            AUTH,
            matchers.json_params_matcher(
                {
                    "info": {
                        "first_name": "Ada",
                        "last_name": "Lovelace",
                        "email": "ada@example.com",
                        "locale": "fr",
                    },
                    "signature_level": "electronic_signature",
                    "signature_authentication_mode": "no_otp",
                    "fields": [
                        {"document_id": "doc-1", "type": "signature", "page": 1, "x": 77, "y": 581}
                    ],
                }
            ),
        ],
    )
    responses.post(
        f"{SANDBOX}/signature_requests/sr-1/activate",
        json={
            "id": "sr-1",
            "status": "ongoing",
            "signers": [{"id": "signer-1", "signature_link": "https://yousign.app/sign/abc"}],
        },
        status=201,
        match=[AUTH],
    )
    sent = YousignClient("key-123", "sandbox").send(REQUEST)
    assert (sent.reference, sent.link) == ("sr-1", "https://yousign.app/sign/abc")
    upload = responses.calls[1].request
    assert b'name="nature"' in upload.body and b"signable_document" in upload.body
    assert b'filename="Q-000001-v1.pdf"' in upload.body and b"%PDF-1.4 test" in upload.body


@responses.activate(assert_all_requests_are_fired=True)
def test_a_refused_request_is_a_signature_error_without_the_key():
    responses.post(
        f"{BASE_URLS['production']}/signature_requests",
        json={"type": "about:blank", "title": "Unauthorized", "detail": "Invalid API key"},
        status=401,
    )
    with pytest.raises(SignatureError, match="401 Invalid API key") as caught:
        YousignClient("secret-key", "production").send(REQUEST)
    assert "secret-key" not in str(caught.value)


def _event(name: str = "signature_request.done") -> bytes:
    return json.dumps(
        {
            "event_id": "ev-1",
            "event_name": name,
            "data": {"signature_request": {"id": "sr-1", "status": "done", "external_id": "x"}},
        }
    ).encode()


def test_a_correctly_signed_webhook_gives_its_event():
    body = _event()
    event = verify_webhook(body, sign_body(body, "whsec"), "whsec")
    assert (event.outcome, event.reference, event.event_id) == ("signed", "sr-1", "ev-1")


@pytest.mark.parametrize(
    "header", [None, "", "sha256=00", sign_body(b"{}", "whsec"), sign_body(_event(), "other")]
)
def test_a_webhook_with_a_wrong_signature_is_refused(header):
    with pytest.raises(WebhookRefused):
        verify_webhook(_event(), header, "whsec")


def test_events_other_than_outcomes_are_recognised_but_carry_none():
    body = _event("signature_request.activated")
    assert verify_webhook(body, sign_body(body, "s"), "s").outcome is None


def test_a_builtin_link_verifies_and_a_tampered_one_does_not():
    provider = BuiltinProvider("secret", "https://billing.example.com/")
    sent = provider.send(REQUEST)
    assert sent.link.startswith("https://billing.example.com/v1/quotes/sign/bi-")
    token = sent.link.rpartition("/")[2]
    assert provider.verify(token) == sent.reference
    with pytest.raises(WebhookRefused):
        provider.verify(token[:-1] + ("A" if token[-1] != "A" else "B"))
    with pytest.raises(WebhookRefused):
        BuiltinProvider("another").verify(token)

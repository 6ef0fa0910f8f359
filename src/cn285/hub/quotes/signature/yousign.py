"""Yousign public API v3: signature request, document, signer, activation, webhooks.

Shapes follow https://developers.yousign.com (API v3): `POST /signature_requests`, then
`/documents` (multipart, nature signable_document), `/signers`, `/activate`; webhooks carry
`X-Yousign-Signature-256: sha256=<hex HMAC-SHA256 of the raw body>`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from typing import Any

import requests

from cn285.hub.quotes.signature.base import (
    SentForSignature,
    SignatureError,
    SignatureRequest,
    WebhookEvent,
    WebhookRefused,
    register,
)

BASE_URLS = {
    "production": "https://api.yousign.app/v3",
    "sandbox": "https://api-sandbox.yousign.app/v3",
}
SIGNATURE_HEADER = "X-Yousign-Signature-256"
_OUTCOMES = {
    "signature_request.done": "signed",
    "signature_request.declined": "declined",
    "signature_request.expired": "expired",
}
# where the signature field goes on the quote PDF's last page (points, from the top left)
FIELD = {"page": 1, "x": 77, "y": 581}


class YousignClient:
    """Typed calls over `requests`; an error answer is a `SignatureError` with Yousign's detail."""

    name = "yousign"

    def __init__(
        self,
        api_key: str,
        environment: str = "sandbox",
        timeout: float = 30.0,
        session: requests.Session | None = None,
    ) -> None:
        if environment not in BASE_URLS:
            raise SignatureError(f"Yousign environment {environment!r}: sandbox or production")
        self.base_url = BASE_URLS[environment]
        self.timeout = timeout
        self.http = session or requests.Session()
        self.http.headers["Authorization"] = f"Bearer {api_key}"

    def _call(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        try:
            response = self.http.request(
                method, f"{self.base_url}{path}", timeout=self.timeout, **kwargs
            )
        except requests.RequestException as exc:
            raise SignatureError(f"Yousign unreachable: {type(exc).__name__}") from None
        if response.status_code >= 400:
            detail = _detail(response)
            raise SignatureError(f"Yousign {method} {path}: {response.status_code} {detail}")
        return response.json() if response.content else {}

    def create_request(self, name: str, external_id: str) -> str:
        body = {
            "name": name,
            "delivery_mode": "email",
            "timezone": "Europe/Paris",
            "external_id": external_id,
        }
        return str(self._call("POST", "/signature_requests", json=body)["id"])

    def upload_document(self, request_id: str, pdf: bytes, filename: str) -> str:
        files = {"file": (filename, pdf, "application/pdf")}
        data = {"nature": "signable_document"}
        answer = self._call(
            "POST", f"/signature_requests/{request_id}/documents", files=files, data=data
        )
        return str(answer["id"])

    def add_signer(self, request_id: str, document_id: str, request: SignatureRequest) -> str:
        s = request.signer
        body = {
            "info": {
                "first_name": s.first_name,
                "last_name": s.last_name,
                "email": s.email,
                "locale": s.locale,
            },
            "signature_level": "electronic_signature",
            "signature_authentication_mode": "no_otp",
            "fields": [{"document_id": document_id, "type": "signature", **FIELD}],
        }
        return str(self._call("POST", f"/signature_requests/{request_id}/signers", json=body)["id"])

    def activate(self, request_id: str) -> dict[str, Any]:
        return self._call("POST", f"/signature_requests/{request_id}/activate")

    def send(self, request: SignatureRequest) -> SentForSignature:
        request_id = self.create_request(request.name, request.external_id)
        document_id = self.upload_document(request_id, request.pdf, request.filename)
        self.add_signer(request_id, document_id, request)
        activated = self.activate(request_id)
        signers = activated.get("signers") or [{}]
        return SentForSignature(request_id, str(signers[0].get("signature_link") or ""))


def _detail(response: requests.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.reason or ""
    return str(body.get("detail") or body.get("title") or body)[:300]


def sign_body(body: bytes, secret: str) -> str:
    """The header value Yousign sends for `body` (used to verify, and by tests to forge)."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify_webhook(body: bytes, header: str | None, secret: str) -> WebhookEvent:
    """The event of a webhook whose signature matches; `WebhookRefused` before reading it."""
    if not secret:
        raise WebhookRefused("no Yousign webhook secret is configured")
    expected = sign_body(body, secret).encode()
    if not header or not hmac.compare_digest(expected, header.strip().encode()):
        raise WebhookRefused(f"{SIGNATURE_HEADER} does not match the body")
    try:
        payload = json.loads(body)
        name = str(payload["event_name"])
        reference = str(payload["data"]["signature_request"]["id"])
        event_id = str(payload.get("event_id", ""))
    except (ValueError, KeyError, TypeError):
        raise WebhookRefused("not a Yousign signature_request event") from None
    return WebhookEvent(event_id, _OUTCOMES.get(name), reference, name)  # type: ignore[arg-type]


@register("yousign")
def from_settings(values: Mapping[str, str]) -> YousignClient:
    key = values.get("CN285_YOUSIGN_API_KEY", "")
    if not key:
        raise SignatureError("set CN285_YOUSIGN_API_KEY to send quotes through Yousign")
    return YousignClient(key, values.get("CN285_YOUSIGN_ENVIRONMENT", "sandbox"))

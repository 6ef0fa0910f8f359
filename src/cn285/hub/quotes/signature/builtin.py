"""A signature provider with no account: an HMAC-signed link served by `cn285 serve`.

The link's token names the request and is signed with the store's secret, so only who
received the link can open the signing page or sign; the page records the signature.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import uuid
from collections.abc import Mapping

from cn285.hub.quotes.signature.base import (
    SentForSignature,
    SignatureRequest,
    WebhookRefused,
    register,
)

DEFAULT_URL = "http://127.0.0.1:8285"


class BuiltinProvider:
    name = "builtin"

    def __init__(self, secret: str, public_url: str = DEFAULT_URL) -> None:
        if not secret:
            raise ValueError("the built-in provider needs a secret")
        self.secret = secret.encode()
        self.public_url = public_url.rstrip("/")

    def token(self, reference: str) -> str:
        mac = hmac.new(self.secret, reference.encode(), hashlib.sha256).digest()
        signature = base64.urlsafe_b64encode(mac).decode().rstrip("=")
        return f"{reference}.{signature}"

    def verify(self, token: str) -> str:
        """The request reference of a genuine token; `WebhookRefused` for anything else."""
        reference, _, _ = token.partition(".")
        expected = self.token(reference).encode()
        if not reference or not hmac.compare_digest(expected, token.encode()):
            raise WebhookRefused("this signing link is not valid")
        return reference

    def send(self, request: SignatureRequest) -> SentForSignature:
        reference = f"bi-{uuid.uuid4().hex}"
        link = f"{self.public_url}/v1/quotes/sign/{self.token(reference)}"
        return SentForSignature(reference, link)


@register("builtin")
def from_settings(values: Mapping[str, str]) -> BuiltinProvider:
    return BuiltinProvider(
        values.get("CN285_SIGNING_SECRET", ""), values.get("CN285_PUBLIC_URL", DEFAULT_URL)
    )

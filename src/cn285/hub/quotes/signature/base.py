"""What a signature provider does for a quote: take the PDF and a signer, give a link back.

A provider reports the outcome later (a webhook, or the built-in signing page) as a
`WebhookEvent` naming its own request id; the quote service maps it to a status event.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Literal, Protocol


class SignatureError(Exception):
    """The provider refused or failed a request; the message is safe to show (no secrets)."""


class WebhookRefused(Exception):
    """A webhook whose signature does not verify: nothing it says is acted upon."""


@dataclass(frozen=True)
class Signer:
    first_name: str
    last_name: str
    email: str
    locale: str = "en"


@dataclass(frozen=True)
class SignatureRequest:
    """One quote version to sign: `external_id` comes back in the provider's events."""

    name: str
    external_id: str
    pdf: bytes
    filename: str
    signer: Signer


@dataclass(frozen=True)
class SentForSignature:
    reference: str  # the provider's id of the request
    link: str  # where the signer signs


@dataclass(frozen=True)
class WebhookEvent:
    event_id: str
    outcome: Literal["signed", "declined", "expired"] | None  # None: an event we ignore
    reference: str
    name: str


class SignatureProvider(Protocol):
    name: str

    def send(self, request: SignatureRequest) -> SentForSignature: ...


#: provider name -> factory from settings (`CN285_*` environment or configuration values)
PROVIDERS: dict[str, Callable[[Mapping[str, str]], SignatureProvider]] = {}


Factory = Callable[..., SignatureProvider]


def register(name: str) -> Callable[[Factory], Factory]:
    def decorate(factory: Factory) -> Factory:
        PROVIDERS[name] = factory
        return factory

    return decorate

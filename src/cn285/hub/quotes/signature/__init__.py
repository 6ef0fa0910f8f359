"""Electronic signature providers behind one interface, chosen by name from a registry."""

from cn285.hub.quotes.signature import builtin, yousign  # registers the providers
from cn285.hub.quotes.signature.base import (
    PROVIDERS,
    SentForSignature,
    SignatureError,
    SignatureProvider,
    SignatureRequest,
    Signer,
    WebhookEvent,
    WebhookRefused,
)

__all__ = [
    "PROVIDERS",
    "SentForSignature",
    "SignatureError",
    "SignatureProvider",
    "SignatureRequest",
    "Signer",
    "WebhookEvent",
    "WebhookRefused",
    "builtin",
    "yousign",
]

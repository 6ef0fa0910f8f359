"""Token-based authentication: who may call the sandbox, checked as NetSuite checks it.

The verifier holds the integration record (consumer key/secret) and the access token
(token id/secret) of the one account the sandbox plays, and refuses anything that NetSuite
refuses: a wrong or missing signature, another signature method, a realm that is not the
account id in upper case (`1234567_SB1`, never `1234567_sb1`), a timestamp outside the
tolerated window, a nonce already used. Every refusal is the same 401 INVALID_LOGIN body;
the reason goes to `audit_trail` only, as NetSuite's Login Audit Trail does
(subsect_156935170194, section_1509544929).
"""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from cn285.sandboxes.netsuite import signature
from cn285.sandboxes.netsuite.errors import invalid_login

REQUIRED = (
    "oauth_consumer_key",
    "oauth_token",
    "oauth_signature_method",
    "oauth_timestamp",
    "oauth_nonce",
    "oauth_signature",
)
AUDIT_TRAIL_SIZE = 200


@dataclass(frozen=True)
class Credentials:
    """The four TBA secrets a client needs; 64 hex characters each, like NetSuite's."""

    consumer_key: str
    consumer_secret: str
    token_id: str
    token_secret: str

    @classmethod
    def generate(cls) -> Credentials:
        return cls(*(secrets.token_hex(32) for _ in range(4)))


def host_label(account: str) -> str:
    """`1234567_SB1` -> `1234567-sb1`, the form used in hostnames (jacobsvante/netsuite)."""
    return account.lower().replace("_", "-")


def realm_of(account: str) -> str:
    """The OAuth realm is the account id in upper case with `_` (netsuite-php#121)."""
    return account.upper().replace("-", "_")


@dataclass(frozen=True)
class SignedRequest:
    """What the verifier needs from an HTTP request."""

    method: str
    url: str  # as the client addressed it: scheme://host[:port]/path?query
    authorization: str | None
    body: bytes = b""
    content_type: str = ""


class TokenVerifier:
    """Checks OAuth 1.0a HMAC-SHA256 requests for one account; safe across threads."""

    def __init__(
        self,
        account: str,
        credentials: Credentials,
        *,
        window_seconds: int = 300,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.realm = realm_of(account)
        self.credentials = credentials
        self.window_seconds = window_seconds
        self.clock = clock
        self._nonces: dict[tuple[str, str, str], float] = {}
        self._lock = threading.Lock()
        self.audit_trail: deque[str] = deque(maxlen=AUDIT_TRAIL_SIZE)

    def verify(self, request: SignedRequest) -> None:
        """Return if the request is authentic, else raise the 401 INVALID_LOGIN error."""
        reason = self._refusal(request)
        if reason is not None:
            self.audit_trail.append(reason)
            raise invalid_login()

    def _refusal(self, request: SignedRequest) -> str | None:
        if not request.authorization:
            return "MissingTokenPassportRequiredFields: no Authorization header"
        params = signature.parse_authorization(request.authorization)
        if params is None:
            return "InvalidSignature: not an OAuth Authorization header"
        missing = [name for name in REQUIRED if not params.get(name)]
        if missing:
            return f"MissingTokenPassportRequiredFields: {', '.join(missing)}"
        if params.get("realm") != self.realm:
            return f"InvalidAccount: realm {params.get('realm')!r} is not {self.realm!r}"
        if params["oauth_signature_method"] != "HMAC-SHA256":
            return f"UnsupportedSignatureMethod: {params['oauth_signature_method']}"
        if params.get("oauth_version", "1.0") != "1.0":
            return f"InvalidVersion: {params['oauth_version']}"
        if not hmac.compare_digest(params["oauth_consumer_key"], self.credentials.consumer_key):
            return "consumer_key_unknown"
        if not hmac.compare_digest(params["oauth_token"], self.credentials.token_id):
            return "InvalidToken: unknown token id"
        nonce = params["oauth_nonce"]
        if not 6 <= len(nonce) <= 64:
            return "InvalidNonce: a nonce has 6 to 64 characters"
        try:
            timestamp = int(params["oauth_timestamp"])
        except ValueError:
            return "InvalidTimestamp: not an integer"
        now = self.clock()
        if timestamp <= 0 or abs(now - timestamp) > self.window_seconds:
            return f"InvalidTimestamp: {timestamp} is outside ±{self.window_seconds} s of {now:.0f}"
        body_hash = params.get("oauth_body_hash")
        if body_hash is not None and body_hash not in signature.body_hashes(request.body):
            return "InvalidSignature: oauth_body_hash does not match the body"
        form = (
            request.body.decode("utf-8", "replace")
            if request.content_type.startswith("application/x-www-form-urlencoded")
            else None
        )
        pairs = signature.request_parameters(request.url, params, form)
        base = signature.signature_base_string(request.method, request.url, pairs)
        expected = signature.hmac_sha256(
            base, self.credentials.consumer_secret, self.credentials.token_secret
        )
        if not hmac.compare_digest(expected, params["oauth_signature"]):
            return f"InvalidSignature: base string {base}"
        return self._remember_nonce(params, timestamp, now)

    def _remember_nonce(self, params: dict[str, str], timestamp: int, now: float) -> str | None:
        """Record the nonce once the signature is good, so forgeries cannot burn nonces.

        Entries older than the window are dropped: a replay that old fails the timestamp
        check anyway, so the memory stays bounded by the request rate times the window.
        They are dropped from the front of the (insertion-ordered) table, oldest first, so
        each request costs O(1) however many nonces the window holds; an entry arriving out
        of order merely stays a little longer.
        """
        key = (params["oauth_consumer_key"], params["oauth_token"], params["oauth_nonce"])
        with self._lock:
            horizon = now - 2 * self.window_seconds
            while self._nonces:
                oldest = next(iter(self._nonces))
                if self._nonces[oldest] >= horizon:
                    break
                del self._nonces[oldest]
            if key in self._nonces:
                return "InvalidNonce: nonce already used"
            self._nonces[key] = float(timestamp)
        return None

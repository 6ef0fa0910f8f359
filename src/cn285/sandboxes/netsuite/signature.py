"""OAuth 1.0a signatures as NetSuite's token-based authentication computes them.

Pure functions, no server state: parse the `Authorization` header, rebuild the signature base
string (RFC 5849 §3.4.1) and sign it with HMAC-SHA256, the only method NetSuite accepts since
2023.1 (Oracle help section_1534941088, section_157652390285; ERP_APIS.md §1.7).

What goes into the base string: the method, the URL without its query, every query parameter,
every form-encoded body parameter and every `oauth_*` header parameter except
`oauth_signature` (including `oauth_body_hash` when a client adds it). `realm` never does.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from urllib.parse import parse_qsl, quote, unquote, urlsplit

_HEADER_PARAM = re.compile(r'\s*([A-Za-z0-9_\-]+)\s*=\s*"([^"]*)"\s*(?:,|$)')


def percent_encode(value: str) -> str:
    """RFC 5849 §3.6: everything but the unreserved characters, hex in upper case."""
    return quote(value, safe="~")


def parse_authorization(header: str) -> dict[str, str] | None:
    """The parameters of an `OAuth ...` header, decoded; None if it is not one."""
    scheme, _, rest = header.strip().partition(" ")
    if scheme.lower() != "oauth":
        return None
    params: dict[str, str] = {}
    position = 0
    rest = rest.strip()
    while position < len(rest):
        match = _HEADER_PARAM.match(rest, position)
        if match is None:
            return None
        name, value = match.group(1), unquote(match.group(2))
        if name in params:  # a repeated protocol parameter is malformed (RFC 5849 §3.1)
            return None
        params[name] = value
        position = match.end()
    return params


def base_string_uri(url: str) -> str:
    """RFC 5849 §3.4.1.2: lower-case scheme and host, default port dropped, no query."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    port = parts.port
    default = {"http": 80, "https": 443}.get(scheme)
    netloc = host if port is None or port == default else f"{host}:{port}"
    return f"{scheme}://{netloc}{parts.path or '/'}"


def normalized_parameters(pairs: list[tuple[str, str]]) -> str:
    """RFC 5849 §3.4.1.3.2: encode, sort by name then value, join with `&`."""
    encoded = sorted((percent_encode(k), percent_encode(v)) for k, v in pairs)
    return "&".join(f"{k}={v}" for k, v in encoded)


def signature_base_string(method: str, url: str, pairs: list[tuple[str, str]]) -> str:
    """`METHOD&pct(uri)&pct(params)`; `pairs` must already exclude realm and oauth_signature."""
    return "&".join(
        [
            method.upper(),
            percent_encode(base_string_uri(url)),
            percent_encode(normalized_parameters(pairs)),
        ]
    )


def request_parameters(
    url: str, oauth_params: dict[str, str], form_body: str | None = None
) -> list[tuple[str, str]]:
    """Every parameter that is signed: query, form body and oauth_* (minus the signature)."""
    pairs = parse_qsl(urlsplit(url).query, keep_blank_values=True)
    if form_body:
        pairs += parse_qsl(form_body, keep_blank_values=True)
    pairs += [(k, v) for k, v in oauth_params.items() if k not in ("realm", "oauth_signature")]
    return pairs


def hmac_sha256(base_string: str, consumer_secret: str, token_secret: str) -> str:
    """The base64 signature; the key is `pct(consumer_secret)&pct(token_secret)`."""
    key = f"{percent_encode(consumer_secret)}&{percent_encode(token_secret)}"
    digest = hmac.new(key.encode(), base_string.encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def body_hashes(body: bytes) -> set[str]:
    """Accepted `oauth_body_hash` values: authlib sends SHA-1, the extension allows SHA-256."""
    return {
        base64.b64encode(hashlib.sha1(body).digest()).decode(),
        base64.b64encode(hashlib.sha256(body).digest()).decode(),
    }

"""OAuth 1.0a signatures against published vectors, and the verifier's refusals."""

from __future__ import annotations

import base64
import hashlib
import hmac
from urllib.parse import quote

import pytest

from cn285.sandboxes.netsuite import signature
from cn285.sandboxes.netsuite.auth import Credentials, SignedRequest, TokenVerifier
from cn285.sandboxes.netsuite.errors import INVALID_LOGIN_DETAIL, NetSuiteError

# Oracle help section_1534941088, as LedgerSync's token_spec.rb uses it (ERP_APIS.md §1.7).
TOKEN_KEY = "2b0ce516420110bcbd36b69e99196d1b7f6de3c6234c5afb799b73d87569f5cc"
TOKEN_SECRET = "c29a677df7d5439a458c063654187e3d678d73aca8e3c9d8bea1478a3eb0d295"
CONSUMER_KEY = "ef40afdd8abaac111b13825dd5e5e2ddddb44f86d5a0dd6dcf38c20aae6b67e4"
CONSUMER_SECRET = "d26ad321a4b2f23b0741c8d38392ce01c3e23e109df6c96eac6d099e9ab9e8b5"
NONCE = "fjaLirsIcCGVZWzBX0pg"
TIMESTAMP = "1508242306"
QUERY = "script=6&deploy=1&customParam=someValue&testParam=someOtherValue"
URL = f"https://1234567.restlets.api.netsuite.com/app/site/hosting/restlet.nl?{QUERY}"
OAUTH = {
    "oauth_consumer_key": CONSUMER_KEY,
    "oauth_nonce": NONCE,
    "oauth_signature_method": "HMAC-SHA256",
    "oauth_timestamp": TIMESTAMP,
    "oauth_token": TOKEN_KEY,
    "oauth_version": "1.0",
}
PUBLISHED_BASE = (
    "POST&https%3A%2F%2F1234567.restlets.api.netsuite.com%2Fapp%2Fsite%2Fhosting%2Frestlet.nl"
    "&customParam%3DsomeValue%26deploy%3D1%26oauth_consumer_key%3D"
    + CONSUMER_KEY
    + "%26oauth_nonce%3D"
    + NONCE
    + "%26oauth_signature_method%3DHMAC-SHA256"
    "%26oauth_timestamp%3D"
    + TIMESTAMP
    + "%26oauth_token%3D"
    + TOKEN_KEY
    + "%26oauth_version%3D1.0%26script%3D6%26testParam%3DsomeOtherValue"
)
PUBLISHED_SIGNATURE = "i7MEtGwhCTIZbTsTrNGw9LdcERn4wsjt5C7TxmKWIfU="


def test_published_vector_base_string():
    pairs = signature.request_parameters(URL, OAUTH)
    assert signature.signature_base_string("POST", URL, pairs) == PUBLISHED_BASE


def test_published_vector_signature():
    assert (
        signature.hmac_sha256(PUBLISHED_BASE, CONSUMER_SECRET, TOKEN_SECRET) == PUBLISHED_SIGNATURE
    )


def test_oracle_host_variant_signature():
    """Same inputs on Oracle's literal host 123456 (computed in ERP_APIS.md §1.7)."""
    url = URL.replace("1234567.", "123456.")
    base = signature.signature_base_string("POST", url, signature.request_parameters(url, OAUTH))
    expected = "+KK4SKNgz4ZiILGLwOMtfYlgcXSy1eis8ldE9X90azQ="
    assert signature.hmac_sha256(base, CONSUMER_SECRET, TOKEN_SECRET) == expected


def test_rfc5849_base_string_normalises_query_body_and_repeats():
    """RFC 5849 §3.4.1.1: repeated names, encoded values, form body parameters."""
    url = "http://example.com/request?b5=%3D%253D&a3=a&c%40=&a2=r%20b"
    oauth = {
        "realm": "Example",
        "oauth_consumer_key": "9djdj82h48djs9d2",
        "oauth_token": "kkk9d7dh3k39sjv7",
        "oauth_signature_method": "HMAC-SHA1",
        "oauth_timestamp": "137131201",
        "oauth_nonce": "7d8f3e4a",
        "oauth_signature": "ignored",
    }
    pairs = signature.request_parameters(url, oauth, form_body="c2&a3=2+q")
    assert signature.signature_base_string("POST", url, pairs) == (
        "POST&http%3A%2F%2Fexample.com%2Frequest&a2%3Dr%2520b%26a3%3D2%2520q%26a3%3Da%26b5%3D"
        "%253D%25253D%26c%2540%3D%26c2%3D%26oauth_consumer_key%3D9djdj82h48djs9d2%26oauth_nonce"
        "%3D7d8f3e4a%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D137131201"
        "%26oauth_token%3Dkkk9d7dh3k39sjv7"
    )


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("HTTP://Example.COM:80/a?x=1", "http://example.com/a"),
        ("https://example.com:443/", "https://example.com/"),
        ("http://127.0.0.1:8070/services/rest", "http://127.0.0.1:8070/services/rest"),
    ],
)
def test_base_string_uri(url, expected):
    assert signature.base_string_uri(url) == expected


def test_parse_authorization_decodes_values():
    header = 'OAuth realm="1234567_SB1", oauth_nonce="a%2Bb", oauth_signature="x%3D"'
    assert signature.parse_authorization(header) == {
        "realm": "1234567_SB1",
        "oauth_nonce": "a+b",
        "oauth_signature": "x=",
    }
    assert signature.parse_authorization("Bearer abc") is None
    assert signature.parse_authorization('OAuth a="1", a="2"') is None


def _header(params: dict[str, str]) -> str:
    return "OAuth " + ", ".join(f'{k}="{quote(v, safe="")}"' for k, v in params.items())


def _vector_verifier() -> TokenVerifier:
    creds = Credentials(CONSUMER_KEY, CONSUMER_SECRET, TOKEN_KEY, TOKEN_SECRET)
    return TokenVerifier("1234567", creds, clock=lambda: float(TIMESTAMP))


def _vector_request(**changes: str) -> SignedRequest:
    params = {"realm": "1234567", **OAUTH, "oauth_signature": PUBLISHED_SIGNATURE, **changes}
    return SignedRequest("POST", URL, _header(params))


def test_verifier_accepts_the_published_request_once():
    verifier = _vector_verifier()
    verifier.verify(_vector_request())
    with pytest.raises(NetSuiteError) as replay:
        verifier.verify(_vector_request())
    assert replay.value.status == 401
    assert replay.value.body()["o:errorDetails"][0]["detail"] == INVALID_LOGIN_DETAIL
    assert "nonce already used" in verifier.audit_trail[-1]


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"oauth_signature": "AAAA" + PUBLISHED_SIGNATURE[4:]}, "InvalidSignature"),
        ({"realm": "7654321"}, "InvalidAccount"),
        ({"oauth_signature_method": "HMAC-SHA1"}, "UnsupportedSignatureMethod"),
        ({"oauth_consumer_key": "x" * 64}, "consumer_key_unknown"),
        ({"oauth_token": "y" * 64}, "InvalidToken"),
        ({"oauth_nonce": "abc"}, "InvalidNonce"),
        ({"oauth_timestamp": str(int(TIMESTAMP) - 301)}, "InvalidTimestamp"),
        ({"oauth_version": "2.0"}, "InvalidVersion"),
    ],
)
def test_verifier_refuses(changes, reason):
    verifier = _vector_verifier()
    with pytest.raises(NetSuiteError) as refused:
        verifier.verify(_vector_request(**changes))
    assert refused.value.body()["o:errorDetails"] == [
        {"detail": INVALID_LOGIN_DETAIL, "o:errorCode": "INVALID_LOGIN"}
    ]
    assert verifier.audit_trail[-1].startswith(reason)


def test_query_parameters_are_signed():
    verifier = _vector_verifier()
    tampered = SignedRequest(
        "POST", URL.replace("deploy=1", "deploy=2"), _vector_request().authorization
    )
    with pytest.raises(NetSuiteError):
        verifier.verify(tampered)


def test_body_hash_is_signed_and_checked():
    """authlib's force_include_body adds oauth_body_hash (SHA-1 of the body, base64)."""
    body = b'{"q": "SELECT id FROM customer"}'
    creds = Credentials("ck", "cs", "tk", "ts")
    verifier = TokenVerifier("1234567_SB1", creds, clock=lambda: 1_700_000_000.0)
    url = "http://127.0.0.1:8070/services/rest/query/v1/suiteql?limit=10&offset=0"
    params = {
        "oauth_body_hash": base64.b64encode(hashlib.sha1(body).digest()).decode(),
        "oauth_consumer_key": "ck",
        "oauth_nonce": "n0nce123",
        "oauth_signature_method": "HMAC-SHA256",
        "oauth_timestamp": "1700000000",
        "oauth_token": "tk",
        "oauth_version": "1.0",
    }
    # an independent signer: the base string written out by hand, HMAC from the stdlib
    encoded = "&".join(
        f"{k}={quote(v, safe='~')}"
        for k, v in sorted({**params, "limit": "10", "offset": "0"}.items())
    )
    base = "POST&" + quote("http://127.0.0.1:8070/services/rest/query/v1/suiteql", safe="~")
    base += "&" + quote(encoded, safe="~")
    sig = base64.b64encode(hmac.new(b"cs&ts", base.encode(), hashlib.sha256).digest()).decode()
    header = _header({"realm": "1234567_SB1", **params, "oauth_signature": sig})
    verifier.verify(SignedRequest("POST", url, header, body, "application/json"))
    with pytest.raises(NetSuiteError):
        params_again = {**params, "oauth_nonce": "n0nce124"}
        header = _header({"realm": "1234567_SB1", **params_again, "oauth_signature": sig})
        verifier.verify(SignedRequest("POST", url, header, b'{"q": "other"}', "application/json"))
    assert "oauth_body_hash" in verifier.audit_trail[-1]

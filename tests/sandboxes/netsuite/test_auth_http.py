"""Token-based authentication over HTTP, signed by requests-oauthlib."""

from __future__ import annotations

import time

import pytest
import requests

INVALID_LOGIN = {
    "type": "https://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html",
    "title": "Unauthorized",
    "status": 401,
    "o:errorDetails": [
        {
            "detail": "Invalid login attempt. For more details, see the Login Audit Trail in "
            "the NetSuite UI at Setup > Users/Roles > User Management > View Login Audit "
            "Trail.",
            "o:errorCode": "INVALID_LOGIN",
        }
    ],
}


def test_signed_request_is_accepted(client):
    response = client.get("/record/v1/customer", params={"limit": 2, "q": 'email CONTAIN "@"'})
    assert response.status_code == 200
    assert response.json()["count"] == 2


def test_signed_post_with_json_body_is_accepted(client):
    response = client.suiteql("SELECT id FROM customer")
    assert response.status_code == 200, response.text


def _assert_invalid_login(response: requests.Response) -> None:
    assert response.status_code == 401
    assert response.json() == INVALID_LOGIN


def test_wrong_signature_is_refused(client, sandbox):
    auth = client.auth()
    auth.client.client_secret = "not-the-secret"
    _assert_invalid_login(client.get("/record/v1/customer", auth=auth))
    assert sandbox.verifier.audit_trail[-1].startswith("InvalidSignature")


def test_stale_timestamp_is_refused(client, sandbox):
    stale = str(int(time.time()) - 3600)
    _assert_invalid_login(client.get("/record/v1/customer", auth=client.auth(timestamp=stale)))
    assert sandbox.verifier.audit_trail[-1].startswith("InvalidTimestamp")


def test_future_timestamp_is_refused(client):
    future = str(int(time.time()) + 3600)
    _assert_invalid_login(client.get("/record/v1/customer", auth=client.auth(timestamp=future)))


def test_reused_nonce_is_refused(client, sandbox):
    auth = client.auth(nonce="fixed-nonce-0001")
    assert client.get("/record/v1/customer", auth=auth).status_code == 200
    _assert_invalid_login(client.get("/record/v1/customer", auth=auth))
    assert "nonce already used" in sandbox.verifier.audit_trail[-1]


@pytest.mark.parametrize("realm", ["1234567_sb1", "1234567", "7654321_SB1", None])
def test_wrong_realm_is_refused(client, realm):
    """A lower-case `sb` in the realm fails as on NetSuite (netsuite-php#121)."""
    _assert_invalid_login(client.get("/record/v1/customer", auth=client.auth(realm=realm)))


def test_sha1_signature_is_refused(client):
    _assert_invalid_login(
        client.get("/record/v1/customer", auth=client.auth(signature_method="HMAC-SHA1"))
    )


def test_missing_authorization_is_refused(sandbox):
    response = requests.get(f"{sandbox.rest_url}/record/v1/customer", timeout=5)
    _assert_invalid_login(response)


def test_unknown_token_is_refused(client):
    auth = client.auth()
    auth.client.resource_owner_key = "0" * 64
    _assert_invalid_login(client.get("/record/v1/customer/1", auth=auth))


def test_query_string_altered_after_signing_is_refused(client, sandbox):
    prepared = requests.Request(
        "GET", f"{sandbox.rest_url}/record/v1/customer?limit=2", auth=client.auth()
    ).prepare()
    prepared.url = prepared.url.replace("limit=2", "limit=3")
    _assert_invalid_login(client.session.send(prepared, timeout=5))


def test_failed_login_changes_nothing(client, sandbox):
    auth = client.auth()
    auth.client.client_secret = "wrong"
    before = len(sandbox.records("customer"))
    response = client.post("/record/v1/customer", json={"companyName": "Intruder"}, auth=auth)
    _assert_invalid_login(response)
    assert len(sandbox.records("customer")) == before


def test_nonces_are_remembered_for_the_window_then_forgotten_oldest_first():
    from cn285.sandboxes.netsuite.auth import Credentials, TokenVerifier

    verifier = TokenVerifier("1234567_SB1", Credentials.generate(), window_seconds=300)
    params = {"oauth_consumer_key": "ck", "oauth_token": "tk"}
    for n in range(5000):  # far more than any pruning threshold, all within the window
        assert verifier._remember_nonce({**params, "oauth_nonce": f"n{n}"}, 1000, 1000.0) is None
    again = verifier._remember_nonce({**params, "oauth_nonce": "n0"}, 1000, 1100.0)
    assert again == "InvalidNonce: nonce already used"
    later = 1000.0 + 2 * 300 + 1  # every earlier nonce is now beyond the window
    assert verifier._remember_nonce({**params, "oauth_nonce": "n0"}, int(later), later) is None
    assert len(verifier._nonces) == 1

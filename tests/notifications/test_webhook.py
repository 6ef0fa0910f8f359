"""Notifications by webhook: signed JSON to a real local HTTP server; error handling of the
HTTP statuses with `responses`."""

from __future__ import annotations

import json
import time

import pytest
import requests
import responses

from cn285.hub.notify.settings import NotifySettings
from cn285.hub.notify.webhook import DELIVERY, SIGNATURE, TIMESTAMP, verify
from cn285.hub.services.notifications import send_due
from tests.notifications.conftest import SECRET, d, email_settings, monthly, webhook_settings

URL = "https://hooks.example.com/cn285"


def hook_only(url: str, **extra) -> NotifySettings:
    return NotifySettings(channels=("webhook",), webhook=webhook_settings(url, **extra))


def test_a_webhook_is_signed_over_its_raw_body(store, hook):
    store.contract("K", monthly())
    action = store.terminate("K", "2026-03-10", "30 days", line="L1")
    assert send_due(store.engine, d("2026-03-10"), hook_only(hook.url)).sent == 1
    ((headers, body),) = hook.received
    assert verify(SECRET, body, headers[SIGNATURE])
    assert not verify("another-secret-of-some-length", body, headers[SIGNATURE])
    assert not verify(SECRET, body.replace(b"2026", b"2027"), headers[SIGNATURE])
    payload = json.loads(body)
    assert payload["timestamp"] == int(headers[TIMESTAMP])
    assert abs(payload["timestamp"] - time.time()) < 60
    (row,) = store.notifications()
    assert payload["id"] == headers[DELIVERY] == f"notification-{row.id}"
    assert headers["Content-Type"] == "application/json"
    assert {k: payload[k] for k in ("event", "days_before", "contract", "line")} == {
        "event": "termination.reminder",
        "days_before": 30,
        "contract": "K",
        "line": "K/L1",
    }
    assert payload["effective_date"] == "2026-04-09" and payload["last_day"] == "2026-04-08"
    assert (
        payload["customer_code"] == "ACME" and payload["customer_email"] == "billing@acme.example"
    )
    assert payload["lines"] == [{"ref": "K/L1", "item": "Platform", "last_day": "2026-04-08"}]
    assert payload["requested_on"] == "2026-03-10" and payload["notice"] == "30 days"
    assert (row.channel, row.recipient, row.status, row.action_id) == (
        "webhook",
        hook.url,
        "sent",
        action,
    )


def test_both_channels_are_recorded_and_sent_each_once(store, smtp, hook):
    store.contract("K", monthly())
    store.terminate("K", "2026-03-10")
    settings = NotifySettings(
        channels=("email", "webhook"),
        smtp=email_settings(smtp.mailbox).smtp,
        webhook=webhook_settings(hook.url),
    )
    assert send_due(store.engine, d("2026-03-10"), settings).sent == 2
    assert send_due(store.engine, d("2026-03-10"), settings).sent == 0
    assert [r.channel for r in store.notifications()] == ["email", "webhook"]
    assert len(smtp.mailbox.received) == len(hook.received) == 1


def test_a_customer_without_email_is_still_notified_by_webhook_alone(store, hook):
    store.customer("NOMAIL", email=None)
    store.contract("K", monthly(), customer="NOMAIL")
    store.terminate("K", "2026-03-10")
    summary = send_due(store.engine, d("2026-03-10"), hook_only(hook.url))
    assert (summary.sent, summary.failed) == (1, 0)
    assert [(r.channel, r.status) for r in store.notifications()] == [("webhook", "sent")]
    assert hook.payloads()[0]["customer_email"] is None


@pytest.fixture
def terminated(store):
    store.contract("K", monthly())
    store.terminate("K", "2026-03-10")
    return store


def test_a_4xx_is_recorded_failed_without_retrying(terminated):
    with responses.RequestsMock(assert_all_requests_are_fired=True) as http:
        http.post(URL, status=410, body="gone")
        summary = send_due(terminated.engine, d("2026-03-10"), hook_only(URL))
        assert len(http.calls) == 1
    assert (summary.sent, summary.failed) == (0, 1)
    (row,) = terminated.notifications()
    assert (row.status, row.attempts) == ("failed", 1)
    assert row.error == f"webhook {URL} answered 410: gone"


def test_a_5xx_is_retried_within_the_run_then_recorded_failed(terminated):
    with responses.RequestsMock(assert_all_requests_are_fired=True) as http:
        http.post(URL, status=503, body="busy")
        summary = send_due(terminated.engine, d("2026-03-10"), hook_only(URL, attempts=3))
        assert len(http.calls) == 3
    assert summary.failed == 1
    (row,) = terminated.notifications()
    assert row.error == f"webhook {URL} answered 503: busy (after 3 attempts)"
    with responses.RequestsMock(assert_all_requests_are_fired=True) as http:
        http.post(URL, status=200)
        assert send_due(terminated.engine, d("2026-03-11"), hook_only(URL)).sent == 1
    (row,) = terminated.notifications()
    assert (row.status, row.attempts) == ("sent", 2)


def test_a_5xx_then_success_sends_once(terminated):
    with responses.RequestsMock(assert_all_requests_are_fired=True) as http:
        http.post(URL, status=502)
        http.post(URL, status=429, headers={"Retry-After": "0"})
        http.post(URL, status=202)
        assert send_due(terminated.engine, d("2026-03-10"), hook_only(URL)).sent == 1
        assert len(http.calls) == 3
        deliveries = {call.request.headers[DELIVERY] for call in http.calls}
    assert len(deliveries) == 1  # every attempt is the same delivery, for the receiver
    (row,) = terminated.notifications()
    assert (row.status, row.attempts) == ("sent", 1)


def test_a_connection_error_is_retried_and_recorded_without_the_query_string(terminated):
    url = f"{URL}?token=secret-token"
    with responses.RequestsMock(assert_all_requests_are_fired=True) as http:
        http.post(url, body=requests.ConnectionError("refused"))
        http.post(url, body=requests.ConnectionError("refused"))
        summary = send_due(terminated.engine, d("2026-03-10"), hook_only(url, attempts=2))
    assert summary.failed == 1
    (row,) = terminated.notifications()
    assert row.recipient == URL
    assert row.error == f"webhook {URL}: ConnectionError (after 2 attempts)"
    assert "secret-token" not in row.error

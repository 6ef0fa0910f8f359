"""Reminders and notices by e-mail, through a real SMTP server, recorded exactly once."""

from __future__ import annotations

import pytest

from cn285.hub.notify import email
from cn285.hub.services.notifications import send_due
from tests.notifications.conftest import EMAIL, d, email_settings, monthly


@pytest.fixture
def one_month(store):
    """K/L1 terminated on 10 Mar 2026 with 1 month's notice: effective 10 Apr 2026."""
    store.contract("K", monthly())
    return store.terminate("K", "2026-03-10", "1 month", line="L1")


def test_reminders_and_notice_go_out_on_their_days(store, smtp, one_month):
    settings = email_settings(smtp.mailbox)
    sent_by_day = {}
    for day in ("2026-03-10", "2026-03-11", "2026-03-12", "2026-04-03", "2026-04-10"):
        sent_by_day[day] = send_due(store.engine, d(day), settings).sent
    assert sent_by_day == {
        "2026-03-10": 0,
        "2026-03-11": 1,  # 30 days before 10 Apr
        "2026-03-12": 0,
        "2026-04-03": 1,  # 7 days before
        "2026-04-10": 1,  # the notice
    }
    received = smtp.mailbox.received
    assert [recipients for recipients, _ in received] == [[EMAIL]] * 3
    # a subject longer than a line is folded before its first word: unfolding keeps a space
    subjects = [message["Subject"].strip() for _, message in received]
    assert subjects == [
        "Contract K: service ends on 2026-04-09 (termination effective 2026-04-10)",
        "Contract K: service ends on 2026-04-09 (termination effective 2026-04-10)",
        "Contract K: termination effective 2026-04-10",
    ]
    body = " ".join(received[0][1].get_content().split())
    assert "Dear Acme SA," in body
    assert "line K/L1 of contract K takes effect on 2026-04-10, in 30 days" in body
    assert "Effective date (first day without service): 2026-04-10" in body
    assert "K/L1 (Platform): last day of service 2026-04-09" in body
    assert received[0][1]["From"] == "Cn285 Billing <billing@cn285.example>"
    rows = store.notifications()
    assert [(r.kind, r.offset_days, r.status, r.attempts) for r in rows] == [
        ("reminder", 30, "sent", 1),
        ("reminder", 7, "sent", 1),
        ("notice", 0, "sent", 1),
    ]
    assert {r.effective_date for r in rows} == {d("2026-04-10")}
    assert all(r.recipient == EMAIL and r.sent_at is not None for r in rows)
    assert received[2][1]["Message-ID"] == f"<cn285-notification-{rows[2].id}@cn285.example>"


def test_a_second_run_the_same_day_sends_nothing(store, smtp, one_month):
    settings = email_settings(smtp.mailbox)
    assert send_due(store.engine, d("2026-04-10"), settings).sent == 1
    again = send_due(store.engine, d("2026-04-10"), settings)
    assert (again.sent, again.failed) == (0, 0)
    assert len(smtp.mailbox.received) == 1
    assert len(store.notifications()) == 1


def test_missed_runs_send_only_the_latest_due_message(store, smtp, one_month):
    settings = email_settings(smtp.mailbox)
    assert send_due(store.engine, d("2026-04-05"), settings).sent == 1  # 30-day one is stale
    assert [(r.kind, r.offset_days) for r in store.notifications()] == [("reminder", 7)]
    body = " ".join(smtp.mailbox.received[0][1].get_content().split())
    assert "takes effect on 2026-04-10, in 5 days." in body  # counted from the day it is sent


def test_a_notice_found_after_the_grace_days_is_not_sent(store, smtp, one_month):
    settings = email_settings(smtp.mailbox, grace_days=7)
    assert send_due(store.engine, d("2026-04-18"), settings).sent == 0
    assert send_due(store.engine, d("2026-04-17"), settings).sent == 1


def test_a_short_notice_gets_no_reminder_dated_before_the_request(store, smtp):
    store.contract("K", monthly())
    store.terminate("K", "2026-03-10", "10 days")  # effective 20 Mar
    settings = email_settings(smtp.mailbox)
    assert send_due(store.engine, d("2026-03-10"), settings).sent == 0
    assert send_due(store.engine, d("2026-03-13"), settings).sent == 1
    assert send_due(store.engine, d("2026-03-20"), settings).sent == 1
    assert [(r.kind, r.offset_days) for r in store.notifications()] == [
        ("reminder", 7),
        ("notice", 0),
    ]


def test_an_immediate_termination_gets_its_notice_the_same_day(store, smtp):
    store.contract("K", monthly())
    store.terminate("K", "2026-03-10")
    assert send_due(store.engine, d("2026-03-10"), email_settings(smtp.mailbox)).sent == 1
    (row,) = store.notifications()
    assert (row.kind, row.effective_date, row.contract_code) == ("notice", d("2026-03-10"), "K")
    assert row.subject == "Contract K: termination effective 2026-03-10"


class Crash(BaseException):
    """The process dies (not an error the service could catch)."""


def test_a_crash_between_recording_and_sending_is_retried_once(store, smtp, monkeypatch):
    store.contract("K", monthly())
    store.terminate("K", "2026-03-10")
    settings = email_settings(smtp.mailbox)

    def crash(*args, **kwargs):
        raise Crash

    with monkeypatch.context() as patch:
        patch.setattr(email, "send", crash)
        with pytest.raises(Crash):
            send_due(store.engine, d("2026-03-10"), settings)
    (row,) = store.notifications()
    assert (row.status, row.attempts) == ("pending", 1)  # recorded before sending
    assert smtp.mailbox.received == []
    assert send_due(store.engine, d("2026-03-10"), settings).sent == 1
    assert send_due(store.engine, d("2026-03-10"), settings).sent == 0
    (row,) = store.notifications()
    assert (row.status, row.attempts) == ("sent", 2)
    assert len(smtp.mailbox.received) == 1


def test_smtp_down_is_recorded_failed_then_sent_by_a_later_run(store, smtp_down):
    store.contract("K", monthly())
    store.terminate("K", "2026-03-10")
    settings = email_settings(smtp_down.mailbox)
    summary = send_due(store.engine, d("2026-03-10"), settings)
    assert (summary.sent, summary.failed) == (0, 1)
    (row,) = store.notifications()
    assert row.status == "failed" and row.attempts == 1
    assert f"SMTP 127.0.0.1:{smtp_down.mailbox.port}" in row.error
    assert "ConnectionRefusedError" in row.error
    smtp_down.start()
    assert send_due(store.engine, d("2026-03-11"), settings).sent == 1
    (row,) = store.notifications()
    assert (row.status, row.attempts, row.error) == ("sent", 2, None)
    assert [to for to, _ in smtp_down.mailbox.received] == [[EMAIL]]


def test_a_notification_failing_max_attempts_times_is_given_up(store, smtp_down):
    store.contract("K", monthly())
    store.terminate("K", "2026-03-10")
    settings = email_settings(smtp_down.mailbox, max_attempts=2)
    assert send_due(store.engine, d("2026-03-10"), settings).failed == 1
    assert send_due(store.engine, d("2026-03-10"), settings).failed == 1
    assert send_due(store.engine, d("2026-03-11"), settings).failed == 0
    (row,) = store.notifications()
    assert (row.status, row.attempts) == ("failed", 2)


def test_a_customer_without_email_gets_a_failed_record_saying_so(store, smtp):
    store.customer("NOMAIL", email=None, name="No Mail Ltd")
    store.contract("K", monthly(), customer="NOMAIL")
    store.terminate("K", "2026-03-10")
    summary = send_due(store.engine, d("2026-03-10"), email_settings(smtp.mailbox))
    assert (summary.sent, summary.failed) == (0, 1)
    (row,) = store.notifications()
    assert row.status == "failed" and row.recipient == ""
    assert row.error == "customer NOMAIL has no e-mail address: set `email` on the customer"
    assert smtp.mailbox.received == []


def test_the_recipient_is_the_holder_on_the_last_day_of_service(store, smtp):
    store.customer("NEW", email="accounts@new.example", name="New Owner")
    store.contract("K", monthly())
    store.action("K", on="2026-02-01", do="change_holder", customer="NEW")
    store.terminate("K", "2026-03-10")
    assert send_due(store.engine, d("2026-03-10"), email_settings(smtp.mailbox)).sent == 1
    ((to, message),) = smtp.mailbox.received
    assert to == ["accounts@new.example"] and "Dear New Owner," in message.get_content()


def test_a_run_only_looks_at_terminations_near_their_date(store, smtp):
    store.contract("OLD", monthly(start="2019-01-01"))
    store.contract("FAR", monthly())
    store.contract("K", monthly())
    store.terminate("OLD", "2020-01-10")
    store.terminate("FAR", "2027-06-01")
    store.terminate("K", "2026-03-10")
    settings = email_settings(smtp.mailbox)
    summary = send_due(store.engine, d("2026-03-10"), settings)
    assert (summary.terminations, summary.sent) == (1, 1)
    # once every channel's notice is sent, the termination is not even computed again
    assert send_due(store.engine, d("2026-03-11"), settings).terminations == 0


def test_a_superseded_termination_is_not_notified(store, smtp):
    store.contract("K", monthly())
    store.terminate("K", "2026-03-01", "3 months")
    store.terminate("K", "2026-03-10")
    summary = send_due(store.engine, d("2026-03-10"), email_settings(smtp.mailbox))
    assert (summary.terminations, summary.superseded, summary.sent) == (2, 1, 1)
    (row,) = store.notifications()
    assert row.effective_date == d("2026-03-10")

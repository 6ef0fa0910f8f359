"""The timeline read from cn285.toml: defaults, overrides, and errors that name the key."""

from __future__ import annotations

import datetime as dt

import pytest
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from cn285.hub.config import ConfigError
from cn285.hub.scheduler.timeline import timeline


def test_defaults_cover_every_job_of_the_issue(monkeypatch):
    monkeypatch.delenv("NETSUITE_ACCOUNT", raising=False)
    line = timeline(
        {"connectors": {"odoo": {"url": "http://x"}}, "notifications": {"channels": ["email"]}}
    )
    assert [s.id for s in line.jobs if not s.sync] == [
        "billing",
        "usage_billing",
        "revrec_close",
        "termination_notices",
        "reconciliation",
    ]
    assert line.timezone == "UTC" and line.misfire_grace_seconds == 3600 and not line.queued
    billing = line.job("billing").trigger("Europe/Paris")
    assert isinstance(billing, CronTrigger)
    fire = billing.get_next_fire_time(None, dt.datetime(2026, 3, 1, 12, tzinfo=dt.UTC))
    assert fire.isoformat() == "2026-03-02T02:00:00+01:00"


def test_jobs_that_need_settings_wait_for_them(monkeypatch):
    for name in ("NETSUITE_ACCOUNT", "CN285_SMTP_HOST", "CN285_WEBHOOK_URL"):
        monkeypatch.delenv(name, raising=False)
    bare = timeline({"scheduler": {"jobs": {"reconciliation": {"cron": "0 5 * * *"}}}})
    assert [s.id for s in bare.jobs] == ["billing", "usage_billing", "revrec_close"]
    monkeypatch.setenv("CN285_SMTP_HOST", "mail.example.com")
    assert "termination_notices" in [s.id for s in timeline({}).jobs]
    configured = timeline(
        {
            "connectors": {"odoo": {"url": "http://x"}},
            "scheduler": {"jobs": {"reconciliation": {"cron": "0 5 * * *"}}},
        }
    )
    assert configured.job("reconciliation").schedule == {"cron": "0 5 * * *"}


def test_sync_jobs_exist_per_configured_connector_and_stream(monkeypatch):
    monkeypatch.delenv("NETSUITE_ACCOUNT", raising=False)
    line = timeline({"connectors": {"odoo": {"url": "http://x"}}})
    sync = [s.id for s in line.jobs if s.sync]
    assert sync == [
        "sync:odoo:items",
        "sync:odoo:customers",
        "sync:odoo:invoices",
        "sync:odoo:payments",
        "sync:odoo:journal_entries",
    ]
    assert line.job("sync:odoo:invoices").sync == ("odoo", "invoices")
    trigger = line.job("sync:odoo:invoices").trigger("UTC")
    assert isinstance(trigger, IntervalTrigger) and trigger.interval == dt.timedelta(minutes=5)


def test_overrides_change_disable_and_validate():
    line = timeline(
        {
            "scheduler": {
                "timezone": "Europe/Paris",
                "queued": True,
                "lease_seconds": 5,
                "jobs": {
                    "billing": {"cron": "30 6 * * 1-5"},
                    "usage_billing": {"every": "90s"},
                    "reconciliation": {"enabled": False},
                },
            }
        }
    )
    assert line.queued and line.lease_seconds == 5 and line.timezone == "Europe/Paris"
    assert "reconciliation" not in [s.id for s in line.jobs]
    assert line.job("billing").schedule == {"cron": "30 6 * * 1-5"}
    usage = line.job("usage_billing").trigger(line.timezone)
    assert usage.interval == dt.timedelta(seconds=90)
    with pytest.raises(KeyError, match="no job 'reconciliation'"):
        line.job("reconciliation")


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ({"jobs": {"billing": {"cron": "61 * * * *"}}}, "scheduler.jobs.billing.cron"),
        ({"jobs": {"billing": {"every": "5 minutes"}}}, "scheduler.jobs.billing.every"),
        ({"jobs": {"billing": {"every": "0m"}}}, "scheduler.jobs.billing.every"),
        ({"jobs": {"billing": {"cron": "* * * * *", "every": "1m"}}}, "not both"),
        ({"jobs": {"billing": {"when": "daily"}}}, "scheduler.jobs.billing.when: unknown key"),
        ({"jobs": {"invoicing": {"every": "1m"}}}, "scheduler.jobs.invoicing: no such job"),
        ({"timezone": "Mars/Olympus"}, "scheduler.timezone"),
        ({"lease_seconds": 0}, "scheduler.lease_seconds"),
        ({"misfire_grace_seconds": "soon"}, "scheduler.misfire_grace_seconds"),
    ],
)
def test_bad_settings_name_their_key(section, message):
    with pytest.raises(ConfigError, match=message.replace(".", r"\.")):
        timeline({"scheduler": section})

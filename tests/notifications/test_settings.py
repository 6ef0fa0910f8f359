"""`[notifications]` in cn285.toml: defaults, environment overrides, and bad settings each
refused with the key at fault."""

from __future__ import annotations

import pytest

from cn285.hub.config import ConfigError
from cn285.hub.notify.settings import NotificationConfigError, load_settings

SMTP = {"host": "smtp.example.com", "from": "billing@example.com"}
HOOK = {"url": "https://example.com/hook", "secret": "s" * 32}


def config(smtp=None, webhook=None, **top):
    section = dict(top)
    if smtp is not None:
        section["smtp"] = smtp
    if webhook is not None:
        section["webhook"] = webhook
    return {"notifications": section}


def test_defaults_are_reminders_30_and_7_days_by_email():
    settings = load_settings(config(SMTP), environ={})
    assert settings.reminder_days == (30, 7) and settings.channels == ("email",)
    assert settings.smtp is not None
    assert (settings.smtp.port, settings.smtp.starttls, settings.smtp.ssl) == (587, True, False)
    assert settings.webhook is None and settings.max_offset == 30


def test_ssl_defaults_to_port_465_without_starttls():
    settings = load_settings(config({**SMTP, "ssl": True}), environ={})
    assert settings.smtp is not None
    assert (settings.smtp.port, settings.smtp.starttls) == (465, False)


def test_secrets_and_keys_come_from_the_environment():
    environ = {
        "CN285_SMTP_USERNAME": "billing",
        "CN285_SMTP_PASSWORD": "from-env",
        "CN285_SMTP_PORT": "2525",
        "CN285_SMTP_STARTTLS": "false",
        "CN285_WEBHOOK_SECRET": "w" * 20,
    }
    settings = load_settings(
        config(
            {**SMTP, "password": "in-file", "username": "x"},
            {"url": HOOK["url"]},
            channels=["email", "webhook"],
            reminder_days=[7, 60, 30],
        ),
        environ=environ,
    )
    assert settings.smtp is not None and settings.webhook is not None
    assert (settings.smtp.username, settings.smtp.password) == ("billing", "from-env")
    assert (settings.smtp.port, settings.smtp.starttls) == (2525, False)
    assert settings.webhook.secret == "w" * 20
    assert settings.reminder_days == (60, 30, 7)
    assert "from-env" not in repr(settings) and "w" * 20 not in repr(settings)


def test_webhooks_alone_need_no_smtp():
    settings = load_settings(config(webhook=HOOK, channels=["webhook"]), environ={})
    assert settings.smtp is None and settings.webhook is not None


BAD = [
    (config(SMTP, colour="red"), "notifications.colour: unknown key"),
    (config({**SMTP, "hots": "x"}), "notifications.smtp.hots: unknown key"),
    (config(), 'notifications.smtp.host: required when channels include "email"'),
    (config({"host": "smtp.example.com"}), "notifications.smtp.from: required"),
    (config({**SMTP, "from": "billing"}), "notifications.smtp.from: 'billing' is not an e-mail"),
    (config({**SMTP, "port": "smtp"}), "notifications.smtp.port: expected a whole number"),
    (config({**SMTP, "port": 70000}), "notifications.smtp.port: expected a whole number"),
    (config({**SMTP, "starttls": "maybe"}), "notifications.smtp.starttls: expected true or"),
    (
        config({**SMTP, "ssl": True, "starttls": True}),
        "notifications.smtp.starttls: cannot be true with ssl = true",
    ),
    (config({**SMTP, "username": "u"}), "notifications.smtp.password: required with username"),
    (config({**SMTP, "timeout": -1}), "notifications.smtp.timeout: expected a number of seconds"),
    (config(SMTP, reminder_days=30), "notifications.reminder_days: expected a list of days"),
    (config(SMTP, reminder_days=[30, 0]), "notifications.reminder_days: expected a whole number"),
    (config(SMTP, reminder_days=[7, 7]), "notifications.reminder_days: a day appears twice"),
    (config(SMTP, channels=["sms"]), "notifications.channels: unknown channel 'sms'"),
    (config(SMTP, channels=[]), "notifications.channels: expected a list of channels"),
    (config(SMTP, max_attempts=0), "notifications.max_attempts: expected a whole number"),
    (config(SMTP, grace_days="a week"), "notifications.grace_days: expected a whole number"),
    (
        config(webhook={"secret": HOOK["secret"]}, channels=["webhook"]),
        'notifications.webhook.url: required when channels include "webhook"',
    ),
    (
        config(webhook={"url": HOOK["url"]}, channels=["webhook"]),
        "notifications.webhook.secret: required when channels include",
    ),
    (
        config(webhook={**HOOK, "url": "ftp://x"}, channels=["webhook"]),
        "notifications.webhook.url: 'ftp://x' is not an http(s) URL",
    ),
    (
        config(webhook={**HOOK, "secret": "short"}, channels=["webhook"]),
        "notifications.webhook.secret: expected a secret of at least 16 characters",
    ),
    ({"notifications": {"smtp": "smtp.example.com"}}, "notifications.smtp: must be a table"),
]


@pytest.mark.parametrize(("loaded", "message"), BAD, ids=[m for _, m in BAD])
def test_a_bad_setting_is_refused_naming_its_key(loaded, message):
    with pytest.raises(NotificationConfigError) as caught:
        load_settings(loaded, environ={})
    assert str(caught.value).startswith(message)
    assert isinstance(caught.value, ConfigError)


def test_a_bad_environment_value_names_the_variable_and_the_key():
    with pytest.raises(NotificationConfigError) as caught:
        load_settings(config(SMTP), environ={"CN285_SMTP_PORT": "twenty-five"})
    assert str(caught.value).startswith(
        "CN285_SMTP_PORT (notifications.smtp.port): expected a whole number"
    )
    assert caught.value.key == "notifications.smtp.port"


def test_a_secret_is_never_in_an_error_message():
    with pytest.raises(NotificationConfigError) as caught:
        load_settings(
            config(webhook={**HOOK, "secret": "tiny-secret"}, channels=["webhook"]), environ={}
        )
    assert "tiny-secret" not in str(caught.value)

"""The `[notifications]` section of cn285.toml, validated, secrets from the environment.

    [notifications]
    reminder_days = [30, 7]       # reminders this many days before the effective date
    channels = ["email"]          # "email", "webhook" or both
    max_attempts = 5              # a failed notification is tried on this many runs
    grace_days = 7                # a notification whose day passed this long ago is dropped
    lookback_days = 400           # the longest notice in use (end_of_period of a year: 366)

    [notifications.smtp]
    host = "smtp.example.com"
    port = 587                    # default: 465 with ssl, 587 with starttls, else 25
    starttls = true               # default: true unless ssl
    ssl = false
    username = "billing"
    password = "…"                # or CN285_SMTP_PASSWORD
    from = "Billing <billing@example.com>"
    timeout = 30                  # seconds

    [notifications.webhook]
    url = "https://example.com/hooks/cn285"
    secret = "…"                  # or CN285_WEBHOOK_SECRET; signs each body (HMAC-SHA256)
    timeout = 10
    attempts = 3                  # within one run, on 5xx, 429 and connection errors
    backoff = 0.5                 # first wait between those attempts, in seconds

Every key of `smtp` and `webhook` can come from `CN285_SMTP_<KEY>` / `CN285_WEBHOOK_<KEY>`,
which wins over the file. Errors name the key (and the variable when it came from one).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from email.utils import parseaddr
from typing import Any, TypeVar
from urllib.parse import urlsplit

from cn285.hub.config import ConfigError

T = TypeVar("T")
CHANNELS = ("email", "webhook")
_TOP = {"reminder_days", "channels", "max_attempts", "grace_days", "lookback_days"}
_SMTP = {"host", "port", "starttls", "ssl", "username", "password", "from", "timeout"}
_WEBHOOK = {"url", "secret", "timeout", "attempts", "backoff"}
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


class NotificationConfigError(ConfigError):
    """A bad `[notifications]` setting; `key` is its dotted path in cn285.toml."""

    def __init__(self, key: str, message: str, variable: str | None = None) -> None:
        where = f"{variable} ({key})" if variable else key
        super().__init__(f"{where}: {message}")
        self.key = key


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    sender: str  # the `from` key
    starttls: bool = True
    ssl: bool = False
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    timeout: float = 30.0


@dataclass(frozen=True)
class WebhookSettings:
    url: str
    secret: str = field(repr=False)
    timeout: float = 10.0
    attempts: int = 3
    backoff: float = 0.5


@dataclass(frozen=True)
class NotifySettings:
    reminder_days: tuple[int, ...] = (30, 7)  # largest first
    channels: tuple[str, ...] = ("email",)
    max_attempts: int = 5
    grace_days: int = 7
    lookback_days: int = 400
    smtp: SmtpSettings | None = None
    webhook: WebhookSettings | None = None

    @property
    def max_offset(self) -> int:
        """How far ahead of an effective date the first reminder goes out."""
        return max(self.reminder_days, default=0)


class _Section:
    """One table of the file merged with its environment variables, read key by key."""

    def __init__(
        self, path: str, values: Any, known: set[str], prefix: str | None, env: Mapping[str, str]
    ) -> None:
        if values is None:
            values = {}
        if not isinstance(values, Mapping):
            raise NotificationConfigError(path, "must be a table")
        self.path = path
        self.values = dict(values)
        self.sources: dict[str, str] = {}
        if prefix:
            for key in known:
                variable = f"{prefix}{key.upper()}"
                if env.get(variable):
                    self.values[key] = env[variable]
                    self.sources[key] = variable
        for key in sorted(self.values):
            if key not in known and not (path == "notifications" and key in ("smtp", "webhook")):
                raise NotificationConfigError(
                    f"{path}.{key}", f"unknown key (known: {', '.join(sorted(known))})"
                )

    def error(self, key: str, message: str) -> NotificationConfigError:
        return NotificationConfigError(f"{self.path}.{key}", message, self.sources.get(key))

    def get(self, key: str, parse: Callable[[Any], T], default: T) -> T:
        if key not in self.values:
            return default
        try:
            return parse(self.values[key])
        except ValueError as exc:
            raise self.error(key, str(exc)) from None

    def has(self, key: str) -> bool:
        return key in self.values


def _whole(low: int, high: int) -> Callable[[Any], int]:
    def parse(value: Any) -> int:
        if isinstance(value, bool):
            raise ValueError(f"expected a whole number from {low} to {high}, got {value!r}")
        try:
            number = int(value)
        except (TypeError, ValueError):
            raise ValueError(
                f"expected a whole number from {low} to {high}, got {value!r}"
            ) from None
        if not low <= number <= high or (isinstance(value, float) and value != number):
            raise ValueError(f"expected a whole number from {low} to {high}, got {value!r}")
        return number

    return parse


def _seconds(value: Any) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"expected a number of seconds, got {value!r}") from None
    if isinstance(value, bool) or not 0 <= number <= 3600:
        raise ValueError(f"expected a number of seconds from 0 to 3600, got {value!r}")
    return number


def _flag(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE | _FALSE:
        return text in _TRUE
    raise ValueError(f"expected true or false, got {value!r}")


def _text(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"expected a non-empty string, got {value!r}")
    return value.strip()


def _address(value: Any) -> str:
    text = _text(value)
    _, address = parseaddr(text)
    local, _, domain = address.partition("@")
    if not local or "." not in domain:
        raise ValueError(f"{text!r} is not an e-mail address (e.g. 'Billing <billing@acme.com>')")
    return text


def _url(value: Any) -> str:
    text = _text(value)
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{text!r} is not an http(s) URL")
    return text


def _secret(value: Any) -> str:
    if not isinstance(value, str) or len(value) < 16:
        raise ValueError("expected a secret of at least 16 characters")
    return value


def _reminder_days(value: Any) -> tuple[int, ...]:
    if not isinstance(value, list | tuple):
        raise ValueError(f"expected a list of days, e.g. [30, 7], got {value!r}")
    days = [_whole(1, 3650)(v) for v in value]
    if len(set(days)) != len(days):
        raise ValueError(f"a day appears twice in {value!r}")
    return tuple(sorted(days, reverse=True))


def _channels(value: Any) -> tuple[str, ...]:
    names = [v.strip() for v in value.split(",")] if isinstance(value, str) else value
    if not isinstance(names, list | tuple) or not names:
        raise ValueError(f"expected a list of channels among {list(CHANNELS)}, got {value!r}")
    for name in names:
        if name not in CHANNELS:
            raise ValueError(f"unknown channel {name!r} (known: {', '.join(CHANNELS)})")
    if len(set(names)) != len(names):
        raise ValueError(f"a channel appears twice in {value!r}")
    return tuple(names)


def load_settings(
    config: Mapping[str, Any], environ: Mapping[str, str] | None = None
) -> NotifySettings:
    """The notification settings of a loaded cn285.toml (`cn285.hub.config.load`).

    Raises `NotificationConfigError` naming the first bad key; a channel in use must have
    its section complete, so that a mistake shows at start-up and not at the first send.
    """
    env = os.environ if environ is None else environ
    top = _Section("notifications", config.get("notifications"), _TOP, None, env)
    defaults = NotifySettings()
    channels = top.get("channels", _channels, defaults.channels)
    smtp_section = _Section("notifications.smtp", top.values.get("smtp"), _SMTP, "CN285_SMTP_", env)
    webhook_section = _Section(
        "notifications.webhook", top.values.get("webhook"), _WEBHOOK, "CN285_WEBHOOK_", env
    )
    smtp = _smtp(smtp_section, "email" in channels)
    webhook = _webhook(webhook_section, "webhook" in channels)
    return NotifySettings(
        reminder_days=top.get("reminder_days", _reminder_days, defaults.reminder_days),
        channels=channels,
        max_attempts=top.get("max_attempts", _whole(1, 100), defaults.max_attempts),
        grace_days=top.get("grace_days", _whole(0, 365), defaults.grace_days),
        lookback_days=top.get("lookback_days", _whole(1, 36500), defaults.lookback_days),
        smtp=smtp,
        webhook=webhook,
    )


def _smtp(section: _Section, required: bool) -> SmtpSettings | None:
    if not section.values and not required:
        return None
    for key in ("host", "from"):
        if not section.has(key):
            raise section.error(key, 'required when channels include "email"')
    ssl = section.get("ssl", _flag, False)
    starttls = section.get("starttls", _flag, not ssl)
    if ssl and starttls:
        raise section.error("starttls", "cannot be true with ssl = true (choose one)")
    username = section.get("username", _text, None)
    password = section.get("password", _text, None)
    if username and not password:
        raise section.error("password", "required with username (or set CN285_SMTP_PASSWORD)")
    if password and not username:
        raise section.error("username", "required with password")
    return SmtpSettings(
        host=section.get("host", _text, ""),
        port=section.get("port", _whole(1, 65535), 465 if ssl else 587 if starttls else 25),
        sender=section.get("from", _address, ""),
        starttls=starttls,
        ssl=ssl,
        username=username,
        password=password,
        timeout=section.get("timeout", _seconds, 30.0),
    )


def _webhook(section: _Section, required: bool) -> WebhookSettings | None:
    if not section.values and not required:
        return None
    for key in ("url", "secret"):
        if not section.has(key):
            hint = " (or set CN285_WEBHOOK_SECRET)" if key == "secret" else ""
            raise section.error(key, f'required when channels include "webhook"{hint}')
    return WebhookSettings(
        url=section.get("url", _url, ""),
        secret=section.get("secret", _secret, ""),
        timeout=section.get("timeout", _seconds, 10.0),
        attempts=section.get("attempts", _whole(1, 10), 3),
        backoff=section.get("backoff", _seconds, 0.5),
    )

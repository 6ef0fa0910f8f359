"""Sending one plain-text e-mail through the configured SMTP server (stdlib `smtplib`).

One connection per message keeps a failure confined to its notification; the volume is a
handful of messages a day. The Message-ID is derived from the notification, so a message
sent again after a crash is recognised as the same one by mail clients.
"""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, parseaddr

from cn285.hub.notify import DeliveryError
from cn285.hub.notify.settings import SmtpSettings


def build(settings: SmtpSettings, to: str, subject: str, body: str, key: str) -> EmailMessage:
    """The message for notification `key` (a stable id, e.g. `notification-12`)."""
    message = EmailMessage()
    message["From"] = settings.sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False, usegmt=True)
    domain = parseaddr(settings.sender)[1].partition("@")[2] or "cn285.invalid"
    message["Message-ID"] = f"<cn285-{key}@{domain}>"
    message.set_content(body)
    return message


def send(settings: SmtpSettings, message: EmailMessage) -> None:
    """Deliver `message`; any refusal or network error becomes a `DeliveryError`."""
    where = f"SMTP {settings.host}:{settings.port}"
    try:
        context = ssl.create_default_context()
        if settings.ssl:
            client: smtplib.SMTP = smtplib.SMTP_SSL(
                settings.host, settings.port, timeout=settings.timeout, context=context
            )
        else:
            client = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
        with client:
            if settings.starttls:
                client.starttls(context=context)
            if settings.username:
                client.login(settings.username, settings.password or "")
            client.send_message(message)
    except smtplib.SMTPRecipientsRefused as exc:
        refused = ", ".join(
            f"{to}: {code} {_text(why)}" for to, (code, why) in exc.recipients.items()
        )
        raise DeliveryError(f"{where}: recipient refused ({refused})") from None
    except smtplib.SMTPResponseException as exc:
        raise DeliveryError(f"{where}: {exc.smtp_code} {_text(exc.smtp_error)}") from None
    except (smtplib.SMTPException, OSError) as exc:
        raise DeliveryError(f"{where}: {type(exc).__name__}: {exc}") from None


def _text(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value

"""Fixtures of the notification tests: a store with terminations, a real SMTP server
(aiosmtpd) and a real HTTP server receiving webhooks, each on a free local port."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from cn285.billing_core.scenario.schema import (
    ActionIn,
    ContractIn,
    CustomerIn,
    ItemIn,
    PriceListIn,
)
from cn285.hub.notify.settings import NotifySettings, SmtpSettings, WebhookSettings
from cn285.hub.services.catalog import create_customer, create_item, create_price_list
from cn285.hub.services.contracts import add_action, create_contract
from cn285.hub.store import models
from cn285.hub.store.database import session_scope

SECRET = "a-webhook-secret-of-some-length"
EMAIL = "billing@acme.example"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# -- the store ---------------------------------------------------------------------------------


def monthly(code: str = "L1", start: str = "2026-01-01", **extra: Any) -> dict[str, Any]:
    return {"code": code, "item": "PLATFORM", "kind": "recurring", "start": start, **extra}


def yearly_anniversary(code: str = "L2", start: str = "2025-07-15") -> dict[str, Any]:
    return monthly(code, start, period="year", alignment="anniversary")


@dataclass
class Store:
    engine: Engine

    def customer(self, code: str = "ACME", email: str | None = EMAIL, name: str = "Acme SA"):
        with session_scope(self.engine) as s:
            create_customer(s, CustomerIn(code=code, name=name, country="FR", email=email), "test")

    def contract(self, code: str, *lines: dict[str, Any], customer: str = "ACME") -> None:
        body = {"code": code, "customer": customer, "price_list": "STD"}
        with session_scope(self.engine) as s:
            create_contract(
                s, ContractIn.model_validate({**body, "lines": list(lines) or [monthly()]}), "t"
            )

    def action(self, contract: str, **fields: Any) -> int:
        with session_scope(self.engine) as s:
            row = add_action(s, contract, ActionIn.model_validate(fields), "test")
            return row.id  # type: ignore[return-value]

    def terminate(
        self, contract: str, on: str, notice: str | None = None, line: str | None = None
    ) -> int:
        fields: dict[str, Any] = {"on": on, "do": "terminate"}
        if notice:
            fields["notice"] = notice
        if line:
            fields["line"] = f"{contract}/{line}"
        return self.action(contract, **fields)

    def notifications(self, **where: Any) -> list[models.Notification]:
        with Session(self.engine) as s:
            statement = select(models.Notification).order_by(models.Notification.id)
            for key, value in where.items():
                statement = statement.where(getattr(models.Notification, key) == value)
            return list(s.exec(statement))


@pytest.fixture
def store(engine: Engine) -> Store:
    """Customer ACME (with an e-mail address), item PLATFORM, price list STD."""
    built = Store(engine)
    built.customer()
    with session_scope(engine) as s:
        create_item(s, ItemIn(code="PLATFORM", name="Platform"), "test")
        prices = {"PLATFORM": {"model": "flat", "price": "100.00"}}
        create_price_list(s, PriceListIn(code="STD", currency="EUR", prices=prices), "test")
    return built


# -- SMTP --------------------------------------------------------------------------------------


@dataclass
class Mailbox:
    port: int
    received: list[tuple[list[str], EmailMessage]] = field(default_factory=list)

    async def handle_DATA(self, server, session, envelope) -> str:  # aiosmtpd's hook
        message = message_from_bytes(envelope.content, policy=policy.default)
        self.received.append((list(envelope.rcpt_tos), message))  # type: ignore[arg-type]
        return "250 OK"

    def settings(self) -> SmtpSettings:
        return SmtpSettings(
            host="127.0.0.1",
            port=self.port,
            sender="Cn285 Billing <billing@cn285.example>",
            starttls=False,
            timeout=5,
        )


class SmtpServer:
    """aiosmtpd's controller on a given port, which a test can stop and start again."""

    def __init__(self, mailbox: Mailbox) -> None:
        self.mailbox = mailbox
        self.controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self.mailbox, hostname="127.0.0.1", port=self.mailbox.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    """A running SMTP server; `smtp.mailbox.received` holds (recipients, message)."""
    server = SmtpServer(Mailbox(free_port()))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def smtp_down() -> Iterator[SmtpServer]:
    """An SMTP server not started yet: its port refuses connections until `start()`."""
    server = SmtpServer(Mailbox(free_port()))
    yield server
    server.stop()


def email_settings(mailbox: Mailbox, **extra: Any) -> NotifySettings:
    return NotifySettings(channels=("email",), smtp=mailbox.settings(), **extra)


# -- HTTP (webhooks) ---------------------------------------------------------------------------


@dataclass
class Hook:
    url: str
    received: list[tuple[dict[str, str], bytes]] = field(default_factory=list)

    def payloads(self) -> list[dict[str, Any]]:
        return [json.loads(body) for _, body in self.received]


@pytest.fixture
def hook() -> Iterator[Hook]:
    """A local HTTP server answering 204 to each POST and keeping (headers, raw body)."""
    received: list[tuple[dict[str, str], bytes]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append((dict(self.headers.items()), body))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield Hook(f"http://127.0.0.1:{server.server_address[1]}/hooks/cn285", received)
    server.shutdown()
    server.server_close()


def webhook_settings(url: str, **extra: Any) -> WebhookSettings:
    return WebhookSettings(url=url, secret=SECRET, timeout=5, backoff=0, **extra)


def d(text: str) -> date:
    return date.fromisoformat(text)

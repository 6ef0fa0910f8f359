"""The demo's ERPs and mail server: both sandboxes and an SMTP server in this process, on
free ports, with record dates on the demo's simulated clock; and the customers who pay.

Payments are entered in the ERPs the way an accountant or a bank feed would: through each
ERP's own API (Odoo's payment wizard, NetSuite's customerPayment record). Cn285 learns of
them only through its payments sync, as in production.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import socket
from collections.abc import Iterable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from email import message_from_bytes
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from cn285.connectors.base import Connector, connector_for
from cn285.hub.store import models
from cn285.sandboxes.netsuite import NetSuiteSandbox
from cn285.sandboxes.odoo import OdooSandbox

#: NetSuite has none of the demo company's items: their lines go to a generic service item
NETSUITE_MAPPING = "items:\n  fallback: PLATFORM-SUB\n"


@dataclass
class SimulatedClock:
    """The demo's today; ERP records are stamped at noon UTC of it, plus a tick so that
    records of one day keep their order (the sync's cursors rely on it)."""

    day: dt.date
    _tick: int = 0

    def now(self) -> dt.datetime:
        self._tick += 1
        noon = dt.datetime.combine(self.day, dt.time(12), dt.UTC)
        return noon + dt.timedelta(microseconds=self._tick)


@dataclass
class Mailbox:
    """Messages the demo's SMTP server received, saved as .eml files."""

    folder: Path
    received: list[tuple[str, str]] = field(default_factory=list)  # (recipient, subject)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = message_from_bytes(envelope.content)
        self.received.append((", ".join(envelope.rcpt_tos), str(message["Subject"])))
        path = self.folder / f"{len(self.received):04d}.eml"
        path.write_bytes(envelope.content)
        return "250 OK"


@dataclass
class Erps:
    config: dict[str, Any]
    odoo: OdooSandbox
    netsuite: NetSuiteSandbox
    mailbox: Mailbox

    def admin(self, name: str) -> Connector:
        return connector_for(name, self.config["connectors"][name])


@contextmanager
def started(folder: Path, clock: SimulatedClock) -> Iterator[Erps]:
    """Both sandboxes and the SMTP server, stopped on exit; `config` is what cn285.toml
    would hold to reach them."""
    from aiosmtpd.controller import Controller

    mapping = folder / "netsuite-mapping.yaml"
    mapping.write_text(NETSUITE_MAPPING, encoding="utf-8")
    mail = folder / "mail"
    mail.mkdir(exist_ok=True)
    for old in mail.glob("*.eml"):
        old.unlink()
    with ExitStack() as stack:
        odoo = OdooSandbox(version=17, clock=clock.now)
        odoo.start()
        stack.callback(odoo.stop)
        netsuite = NetSuiteSandbox(seed=285, clock=clock.now)
        netsuite.start()
        stack.callback(netsuite.stop)
        mailbox = Mailbox(mail)
        smtp = Controller(mailbox, hostname="127.0.0.1", port=_free_port())
        smtp.start()
        stack.callback(smtp.stop)
        settings = netsuite.client_settings()
        config = {
            "connectors": {
                "odoo": {
                    "url": odoo.url,
                    "database": odoo.database,
                    "login": odoo.login,
                    "password": odoo.password,
                },
                "netsuite": {
                    **{k: v for k, v in settings.items() if k != "rest_url"},
                    "url": netsuite.base_url,
                    "mapping": str(mapping),
                },
            },
            "notifications": {
                "reminder_days": [30, 7],
                "channels": ["email"],
                "smtp": {
                    "host": "127.0.0.1",
                    "port": smtp.port,
                    "starttls": False,
                    "from": "billing@balises-lumen.example",
                },
            },
            "reconciliation": {"report_dir": str(folder / "reports")},
        }
        yield Erps(config, odoo, netsuite, mailbox)


def prepare(erps: Erps, rates: Iterable[Decimal]) -> None:
    """Set the sandboxes up as the company's new ERPs, the way their administrators would:
    no customers yet (the sandboxes' sample ones belong to nobody), and a sale tax for every
    rate the company invoices (its OSS rates for EU consumers, say)."""
    odoo, netsuite = erps.admin("odoo"), erps.admin("netsuite")
    try:
        call = odoo.client.call  # type: ignore[attr-defined]
        call("res.partner", "unlink", call("res.partner", "search", [["customer_rank", ">", 0]]))
        sale = call(
            "account.tax",
            "search_read",
            [["type_tax_use", "=", "sale"]],
            fields=["amount", "invoice_repartition_line_ids"],
        )
        known = {Decimal(str(row["amount"])).normalize() for row in sale}
        lines = call(
            "account.tax.repartition.line",
            "read",
            sale[0]["invoice_repartition_line_ids"],
            fields=["repartition_type", "account_id"],
        )
        account = next(ln["account_id"][0] for ln in lines if ln["repartition_type"] == "tax")
        for rate in sorted(set(rates)):
            if rate.normalize() not in known:
                call(
                    "account.tax",
                    "create",
                    {
                        "name": f"VAT {rate.normalize():f} %",
                        "amount": float(rate),
                        "amount_type": "percent",
                        "type_tax_use": "sale",
                        "invoice_repartition_line_ids": _repartition("invoice", account),
                        "refund_repartition_line_ids": _repartition("refund", account),
                    },
                )
        client = netsuite.client  # type: ignore[attr-defined]
        for row in list(client.suiteql("SELECT id FROM customer")):
            client.request("DELETE", f"/record/v1/customer/{row['id']}")
        items = list(client.suiteql("SELECT id, itemid, rate FROM salestaxitem"))
        model = client.request("GET", f"/record/v1/salesTaxItem/{items[0]['id']}").json()
        refs = {k: {"id": model[k]["id"]} for k in ("taxType", "taxAccount", "subsidiary")}
        have = {Decimal(str(row["rate"])).normalize() for row in items}
        for rate in sorted(set(rates)):
            if rate.normalize() not in have:
                label = f"{rate.normalize():f}"
                client.request(
                    "POST",
                    "/record/v1/salesTaxItem",
                    json={
                        "itemId": f"VAT-{label}",
                        "description": f"VAT {label} %",
                        "rate": label,
                        **refs,
                    },
                )
    finally:
        odoo.close()
        netsuite.close()


def _repartition(document_type: str, account_id: int) -> list[Any]:
    """Odoo's split of a tax: the base, and the tax amount to the VAT account."""
    return [
        (0, 0, {"document_type": document_type, "repartition_type": "base"}),
        (
            0,
            0,
            {"document_type": document_type, "repartition_type": "tax", "account_id": account_id},
        ),
    ]


def _free_port() -> int:
    """A port free now (aiosmtpd checks its server by connecting to the port it was given,
    so it needs a real one, not 0)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def pays_after(number: str) -> int | None:
    """Days a customer takes to pay invoice `number` (None: not paid within the year),
    from the number: the same every run."""
    draw = int(hashlib.sha256(number.encode()).hexdigest()[:8], 16)
    if draw % 100 < 6:
        return None
    return 5 + draw % 41  # 5 to 45 days


class Payer:
    """Enters in both ERPs the payments of invoices whose payment day has come."""

    def __init__(self, erps: Erps) -> None:
        self.odoo = erps.admin("odoo")
        self.netsuite = erps.admin("netsuite")
        self.paid: set[str] = set()

    def close(self) -> None:
        self.odoo.close()
        self.netsuite.close()

    def pay_due(self, engine: Engine, day: dt.date) -> int:
        """Pay every invoice due for payment by `day` that both ERPs hold; returns how many."""
        with Session(engine) as session:
            rows = session.execute(
                select(
                    models.Invoice.number,
                    models.Invoice.date,
                    models.Invoice.total,
                    models.ExternalBinding.connector,
                    models.ExternalBinding.remote_id,
                )
                .join(
                    models.ExternalBinding,
                    (models.ExternalBinding.entity == "invoice")
                    & (models.ExternalBinding.local_key == models.Invoice.number),
                )
                .where(
                    models.Invoice.kind == "invoice",
                    models.Invoice.total > 0,
                    models.Invoice.payment_status != "paid",
                )
            ).all()
        customer_binding = models.ExternalBinding.__table__.alias("customer_binding")  # type: ignore[attr-defined]
        with Session(engine) as session:
            customers = dict(
                session.execute(
                    select(models.Invoice.number, customer_binding.c.remote_id)
                    .join(
                        customer_binding,
                        (customer_binding.c.entity == "customer")
                        & (customer_binding.c.connector == "netsuite")
                        & (customer_binding.c.local_key == models.Invoice.customer_code),
                    )
                    .where(models.Invoice.payment_status != "paid")
                ).all()
            )
        remote: dict[str, dict[str, str]] = {}
        totals: dict[str, tuple[dt.date, Decimal]] = {}
        for number, date, total, connector, remote_id in rows:
            remote.setdefault(number, {})[connector] = remote_id
            totals[number] = (date, total)
        count = 0
        for number, ids in sorted(remote.items()):
            delay = pays_after(number)
            date, total = totals[number]
            if number in self.paid or delay is None or date + dt.timedelta(delay) > day:
                continue
            if set(ids) != {"odoo", "netsuite"}:
                continue  # not in both ERPs yet: paid once it is
            self._pay_odoo(ids["odoo"], total)
            self._pay_netsuite(ids["netsuite"], customers[number], total)
            self.paid.add(number)
            count += 1
        return count

    def _pay_odoo(self, remote_id: str, amount: Decimal) -> None:
        call = self.odoo.client.call  # type: ignore[attr-defined]
        context = {"active_model": "account.move", "active_ids": [int(remote_id)]}
        wizard = call(
            "account.payment.register", "create", {"amount": float(amount)}, context=context
        )
        call("account.payment.register", "action_create_payments", [wizard], context=context)

    def _pay_netsuite(self, remote_id: str, customer_id: str, amount: Decimal) -> None:
        client = self.netsuite.client  # type: ignore[attr-defined]
        client.request(
            "POST",
            "/record/v1/customerPayment",
            json={
                "customer": {"id": customer_id},
                "payment": float(amount),
                "apply": {
                    "items": [{"doc": {"id": remote_id}, "apply": True, "amount": float(amount)}]
                },
            },
        )

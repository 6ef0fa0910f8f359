"""The contract every connector must pass, against its ERP's sandbox over real HTTP.

A connector's test module subclasses `ConnectorContract` and provides the `erp` fixture: an
`ErpHarness` that starts the sandbox, builds connectors, tampers with ERP records and
counts what the connector wrote.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from decimal import Decimal
from typing import Any, Protocol

from sqlalchemy import select
from sqlmodel import Session

from cn285.billing_core.scenario import load
from cn285.connectors.base import Connector
from cn285.hub.services.billing import run_billing
from cn285.hub.services.scenario_load import load_scenario
from cn285.hub.store import models
from cn285.hub.sync.retry import RetryPolicy
from cn285.hub.sync.service import sync
from tests.conftest import OWN_SCENARIOS, ROOT

FAST = RetryPolicy(attempts=8, initial=0.01, maximum=0.05)
STREAMS = ("items", "customers", "invoices", "payments")


class ErpHarness(Protocol):
    name: str

    def connector(self) -> Connector: ...
    def environment(self) -> dict[str, str]: ...  # CN285_<NAME>_* for a subprocess
    def invoices(self) -> dict[str, Decimal]: ...  # our number -> total in the ERP
    def write_calls(self, connector: Connector) -> int: ...
    def rename_customer(self, remote_id: str, name: str) -> None: ...
    def customer(self, remote_id: str) -> dict[str, Any]: ...
    def pay(self, remote_invoice_id: str, amount: Decimal) -> None: ...
    def faults(self, error_rate: float, drop_rate: float, latency: float) -> None: ...
    def journal_entries(self) -> dict[str, list[tuple[str, Decimal, Decimal]]]: ...


def bill_scenarios(engine, *names: str) -> list[models.Invoice]:
    for name in names:
        scenario = load((OWN_SCENARIOS / name).read_text(encoding="utf-8"))
        load_scenario(engine, scenario)
        run_billing(engine, scenario.until)
    with Session(engine) as session:
        return list(session.scalars(select(models.Invoice).order_by(models.Invoice.id)))


def ours(invoices: list[models.Invoice]) -> dict[str, Decimal]:
    return {inv.number: abs(inv.total) for inv in invoices}  # type: ignore[misc]


class ConnectorContract:
    scenarios = ("59-group-invoices.yaml", "55-vat-domestic-reduced.yaml")

    def run(self, engine, connector, *streams: str):
        return {r.stream: r for r in sync(engine, connector, streams or STREAMS, policy=FAST)}

    def test_initial_sync_pushes_every_invoice_to_the_cent(self, engine, erp):
        invoices = bill_scenarios(engine, *self.scenarios)
        connector = erp.connector()
        runs = self.run(engine, connector)
        assert all(r.status == "completed" for r in runs.values()), runs
        assert runs["items"].created + runs["items"].updated + runs["items"].unchanged > 0
        assert erp.invoices() == ours(invoices)
        assert runs["invoices"].created == len(invoices) and runs["invoices"].failed == 0

    def test_a_rerun_writes_nothing(self, engine, erp):
        bill_scenarios(engine, *self.scenarios)
        self.run(engine, erp.connector())
        connector = erp.connector()
        runs = self.run(engine, connector)
        assert erp.write_calls(connector) == 0
        assert sum(r.created + r.updated for r in runs.values()) == 0

    def test_incremental_sync_sends_only_what_changed(self, engine, erp):
        bill_scenarios(engine, self.scenarios[0])
        self.run(engine, erp.connector())
        bill_scenarios(engine, self.scenarios[1])  # new customer, items and invoices
        connector = erp.connector()
        runs = self.run(engine, connector, "customers", "invoices")
        with Session(engine) as session:
            new = session.scalars(
                select(models.Invoice).where(models.Invoice.customer_code != "GROUPE")
            ).all()
        assert runs["invoices"].created == len(new)
        assert runs["customers"].created == 1

    def test_bidirectional_conflict_follows_field_ownership(self, engine, erp):
        bill_scenarios(engine, self.scenarios[0])
        self.run(engine, erp.connector(), "customers")
        with Session(engine) as session:
            binding = session.scalars(
                select(models.ExternalBinding).where(
                    models.ExternalBinding.entity == "customer",
                    models.ExternalBinding.local_key == "GROUPE",
                )
            ).one()
            customer = session.scalars(
                select(models.Customer).where(models.Customer.code == "GROUPE")
            ).one()
            remote_id = binding.remote_id
            customer.email = "billing@groupe.example"  # Cn285 owns the email
            session.add(customer)
            session.commit()
        from cn285.hub.store.database import session_scope
        from cn285.hub.sync.outbox import emit

        with session_scope(engine) as session:
            emit(session, "customer", ["GROUPE"], "updated")
        time.sleep(1.1)  # the ERP's modification times have a one-second resolution
        erp.rename_customer(remote_id, "Groupe Renommé SA")  # the ERP owns the name
        self.run(engine, erp.connector(), "customers")
        with Session(engine) as session:
            local = session.scalars(
                select(models.Customer).where(models.Customer.code == "GROUPE")
            ).one()
        remote = erp.customer(remote_id)
        assert local.name == "Groupe Renommé SA"
        assert remote["email"] == "billing@groupe.example"
        assert remote["name"] == "Groupe Renommé SA"

    def test_payments_come_back(self, engine, erp):
        invoices = bill_scenarios(engine, self.scenarios[0])
        self.run(engine, erp.connector(), "customers", "invoices")
        first = invoices[0]
        with Session(engine) as session:
            remote_id = session.scalars(
                select(models.ExternalBinding.remote_id).where(
                    models.ExternalBinding.entity == "invoice",
                    models.ExternalBinding.local_key == first.number,
                )
            ).one()
        erp.pay(remote_id, Decimal("10.00"))
        self.run(engine, erp.connector(), "payments")
        with Session(engine) as session:
            row = session.get(models.Invoice, first.id)
        assert (row.payment_status, row.amount_paid) == ("partial", Decimal("10.00"))
        erp.pay(remote_id, abs(first.total) - Decimal("10.00"))
        self.run(engine, erp.connector(), "payments")
        with Session(engine) as session:
            row = session.get(models.Invoice, first.id)
        assert (row.payment_status, row.amount_paid) == ("paid", first.total)

    def test_a_refused_record_goes_to_dead_letters_while_the_others_sync(self, engine, erp):
        invoices = bill_scenarios(engine, self.scenarios[0], "57-vat-eu-b2c.yaml")
        runs = self.run(engine, erp.connector())
        with Session(engine) as session:
            letters = session.scalars(select(models.DeadLetter)).all()
            refused = {inv.number for inv in invoices if inv.customer_code == "HANS"}
        assert {d.key for d in letters} == refused  # no 19 % / 7 % sale tax in the ERP
        assert runs["invoices"].failed == len(refused)
        assert erp.invoices() == {k: v for k, v in ours(invoices).items() if k not in refused}

    def test_twenty_percent_faults_lose_nothing(self, engine, erp):
        invoices = bill_scenarios(engine, *self.scenarios)
        erp.faults(error_rate=0.2, drop_rate=0.0, latency=0.0)
        runs = self.run(engine, erp.connector())
        assert all(r.status == "completed" for r in runs.values()), runs
        erp.faults(error_rate=0.0, drop_rate=0.0, latency=0.0)
        assert erp.invoices() == ours(invoices)

    def test_a_killed_sync_resumes_without_duplicates(self, engine, db_url, erp):
        from cn285.hub.services.sample import populate

        populate(engine, 150)
        run_billing(engine, __import__("datetime").date(2026, 2, 1))
        with Session(engine) as session:
            invoices = list(session.scalars(select(models.Invoice)))
        self.run(engine, erp.connector(), "customers")
        erp.faults(error_rate=0.0, drop_rate=0.0, latency=0.02)  # slow enough to be killed
        env = {**os.environ, **erp.environment()}
        command = [
            sys.executable,
            "-m",
            "cn285",
            "sync",
            "--connector",
            erp.name,
            "--stream",
            "invoices",
            "--db",
            db_url,
        ]
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 120
        while process.poll() is None and time.monotonic() < deadline:
            if len(erp.invoices()) >= len(invoices) // 3:
                process.send_signal(signal.SIGKILL)
                break
            time.sleep(0.05)
        process.wait()
        killed_with = len(erp.invoices())
        assert 0 < killed_with < len(invoices), "the sync finished before it could be killed"
        erp.faults(error_rate=0.0, drop_rate=0.0, latency=0.0)
        result = subprocess.run(
            command, cwd=ROOT, env=env, capture_output=True, text=True, check=False
        )
        assert result.returncode == 0, result.stdout + result.stderr
        assert erp.invoices() == ours(invoices)  # each once, to the cent

    def test_closed_months_reach_the_erp_once_balanced(self, engine, erp):
        import datetime as dt

        from cn285.billing_core.revrec import AccountPlan
        from cn285.hub.services.revrec import close_month

        scenario = load((OWN_SCENARIOS / "32-calendar-year-leap.yaml").read_text("utf-8"))
        load_scenario(engine, scenario)
        run_billing(engine, dt.date(2028, 12, 31))
        for month in (10, 11):
            close_month(engine, dt.date(2027, month, 1), AccountPlan())
        runs = self.run(engine, erp.connector(), "journal_entries")
        assert (runs["journal_entries"].created, runs["journal_entries"].failed) == (2, 0)
        zero = Decimal("0.00")
        assert erp.journal_entries() == {
            "REVREC-2027-10": [
                ("487000", Decimal("101.92"), zero),
                ("706000", zero, Decimal("101.92")),
            ],
            "REVREC-2027-11": [
                ("487000", Decimal("98.63"), zero),
                ("706000", zero, Decimal("98.63")),
            ],
        }
        connector = erp.connector()
        again = self.run(engine, connector, "journal_entries")
        assert again["journal_entries"].created == 0 and erp.write_calls(connector) == 0

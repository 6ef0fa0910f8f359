"""The sync engine's guarantees, on SQLite and PostgreSQL, against an ERP held in memory."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlmodel import Session

from cn285.billing_core.scenario import load
from cn285.connectors.base import CustomerRecord
from cn285.hub.services.billing import run_billing
from cn285.hub.services.catalog import update_customer
from cn285.hub.services.scenario_load import load_scenario
from cn285.hub.store import models
from cn285.hub.store.database import session_scope
from cn285.hub.sync.retry import RetryPolicy
from cn285.hub.sync.service import sync
from tests.conftest import OWN_SCENARIOS
from tests.sync.memory_erp import MemoryERP, RetryableError

FAST = RetryPolicy(attempts=4, initial=0.001, maximum=0.01)


def billed(engine, name="59-group-invoices.yaml"):
    scenario = load((OWN_SCENARIOS / name).read_text())
    load_scenario(engine, scenario)
    run_billing(engine, scenario.until)
    with Session(engine) as session:
        return list(session.scalars(select(models.Invoice).order_by(models.Invoice.id)))


def run(engine, erp, *streams):
    return {r.stream: r for r in sync(engine, erp, streams, policy=FAST)}


def test_items_are_pulled_incrementally_and_a_rerun_writes_nothing(engine):
    erp = MemoryERP()
    erp.add_item("SEAT", "Seat")
    erp.add_item("API", "API calls")
    first = run(engine, erp, "items")["items"]
    assert (first.created, first.updated) == (2, 0)
    again = run(engine, erp, "items")["items"]
    assert (again.created, again.updated) == (0, 0)  # the overlap window re-reads, unchanged
    erp.add_item("SEAT", "Seat licence")
    third = run(engine, erp, "items")["items"]
    assert (third.created, third.updated) == (0, 1)
    with Session(engine) as session:
        assert (
            session.scalars(select(models.Item.name).where(models.Item.code == "SEAT")).one()
            == "Seat licence"
        )


def test_invoices_are_pushed_once_even_after_a_crash(engine):
    invoices = billed(engine)
    erp = MemoryERP()
    erp.crash_after_create = True  # the ERP created them, we died before the bindings
    with pytest.raises(RuntimeError):
        run(engine, erp, "invoices")
    created_before = erp.writes
    result = run(engine, erp, "invoices")["invoices"]
    assert erp.writes == created_before  # found by number and bound, not created again
    assert len(erp.invoices) == len(invoices)
    assert result.failed == 0
    assert run(engine, erp, "invoices")["invoices"].created == 0


def test_a_refused_invoice_goes_to_dead_letters_and_is_retried(engine):
    invoices = billed(engine)
    erp = MemoryERP()
    refused = invoices[0].number
    erp.refuse.add(refused)
    result = run(engine, erp, "invoices")["invoices"]
    assert (result.created, result.failed) == (len(invoices) - 1, 1)
    with Session(engine) as session:
        letters = session.scalars(select(models.DeadLetter)).all()
    assert [(d.key, d.error, d.resolved_at) for d in letters] == [
        (refused, "tax code refused", None)
    ]
    erp.refuse.clear()
    retried = run(engine, erp, "invoices")["invoices"]
    assert (retried.created, retried.failed) == (1, 0)
    with Session(engine) as session:
        assert session.scalars(select(models.DeadLetter)).one().resolved_at is not None


def test_retryable_errors_are_retried_and_the_ledger_records_runs(engine):
    billed(engine)
    erp = MemoryERP()
    erp.fail_next = [RetryableError("503"), RetryableError("429", retry_after=0.001)]
    result = run(engine, erp, "invoices")["invoices"]
    assert result.status == "completed" and result.created > 0
    erp.fail_next = [RetryableError("503")] * 10  # more than the policy allows
    erp.add_item("X", "X")
    failed = run(engine, erp, "items")["items"]
    assert failed.status == "failed" and "503" in failed.error
    with Session(engine) as session:
        ledger = session.scalars(select(models.SyncRun).order_by(models.SyncRun.id)).all()
    assert [(r.stream, r.status) for r in ledger] == [
        ("invoices", "completed"),
        ("items", "failed"),
    ]


def test_customers_both_ways_by_ownership_without_echo(engine):
    billed(engine)
    erp = MemoryERP(ownership={"name": "erp", "email": "cn285"})
    pushed = run(engine, erp, "customers")["customers"]
    assert pushed.created == len(erp.customers) > 0
    writes = erp.writes
    assert run(engine, erp, "customers")["customers"].created == 0
    assert erp.writes == writes  # nothing changed: nothing written
    remote_id = next(iter(erp.customers))
    code = erp.customers[remote_id][0].code
    erp.edit_customer(remote_id, name="Renamed in the ERP", email="erp@example.com")
    run(engine, erp, "customers")
    with Session(engine) as session:
        row = session.scalars(select(models.Customer).where(models.Customer.code == code)).one()
    assert row.name == "Renamed in the ERP"  # the ERP owns the name
    assert row.email != "erp@example.com"  # Cn285 owns the email
    assert erp.writes == writes  # the pulled change was not echoed back
    with session_scope(engine) as session:
        update_customer(session, code, {"name": "Changed here", "group_invoices": False}, "ops")
    run(engine, erp, "customers")
    with Session(engine) as session:
        row = session.scalars(select(models.Customer).where(models.Customer.code == code)).one()
    assert row.name == "Renamed in the ERP"  # the ERP owns the name: its value stands
    with Session(engine) as session:  # a change to a field Cn285 owns is pushed
        row = session.scalars(select(models.Customer).where(models.Customer.code == code)).one()
        row.email = "billing@example.com"
        session.add(row)
        session.commit()
    from cn285.hub.sync.outbox import emit

    with session_scope(engine) as session:
        emit(session, "customer", [code], "updated")
    run(engine, erp, "customers")
    assert erp.customers[remote_id][0].email == "billing@example.com"
    assert erp.customers[remote_id][0].name == "Renamed in the ERP"


def test_payment_status_is_pulled_back(engine):
    invoices = billed(engine)
    erp = MemoryERP()
    run(engine, erp, "invoices")
    first = invoices[0]
    erp.residual[f"inv-{first.number}"] = Decimal(0)
    result = run(engine, erp, "payments")["payments"]
    assert result.updated == 1
    with Session(engine) as session:
        row = session.get(models.Invoice, first.id)
    assert (row.payment_status, row.amount_paid) == ("paid", first.total)
    assert run(engine, erp, "payments")["payments"].updated == 0


def test_unknown_stream_is_refused(engine):
    with pytest.raises(ValueError, match="unknown stream"):
        sync(engine, MemoryERP(), ["invoicez"])


def test_a_customer_created_in_one_erp_reaches_the_others_without_echo(engine):
    first, second = MemoryERP(), MemoryERP()
    second.name = "other"  # a second connector of the same store
    first.customers["77"] = (
        CustomerRecord(code="NEW-1", name="Signed in ERP one", country="FR"),
        first.tick(),
    )
    pulled = run(engine, first, "customers")["customers"]
    assert pulled.created == 1 and first.writes == 0  # not written back to where it came from
    pushed = run(engine, second, "customers")["customers"]
    assert pushed.created == 1
    [(record, _)] = second.customers.values()
    assert (record.code, record.name) == ("NEW-1", "Signed in ERP one")
    assert run(engine, first, "customers")["customers"].created == 0 and first.writes == 0

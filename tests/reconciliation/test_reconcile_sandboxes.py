"""Reconciliation against each ERP sandbox over HTTP, on SQLite and PostgreSQL: nothing to
report after a clean sync, then every tampering reported with its kind, key and amounts."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest
from sqlalchemy import delete, select
from sqlmodel import Session

from cn285.hub.services.reconciliation import reconcile
from cn285.hub.store import models
from tests.connectors.contract import FAST
from tests.reconciliation.harness import foreign_invoice


def remote_id(engine, entity: str, key: str) -> str:
    with Session(engine) as session:
        return session.scalars(
            select(models.ExternalBinding.remote_id).where(
                models.ExternalBinding.entity == entity,
                models.ExternalBinding.local_key == key,
            )
        ).one()


def unbind(engine, entity: str, key: str) -> None:
    with Session(engine) as session:
        session.execute(
            delete(models.ExternalBinding).where(
                models.ExternalBinding.entity == entity,
                models.ExternalBinding.local_key == key,
            )
        )
        session.commit()


def run(engine, erp, **options):
    connector = erp.connector()
    try:
        return reconcile(engine, connector, policy=FAST, **options)
    finally:
        connector.close()


def found(engine, run_id: int) -> dict[tuple[str, str | None], models.ReconciliationItem]:
    with Session(engine) as session:
        items = session.scalars(
            select(models.ReconciliationItem).where(models.ReconciliationItem.run_id == run_id)
        ).all()
    by_key = {(i.kind, i.local_key): i for i in items}
    assert len(by_key) == len(items), "one difference of a kind per record"
    return by_key


def test_a_clean_sync_reconciles_without_a_difference(engine, erp, synced, tmp_path):
    reports = tmp_path / "reports"
    result = run(engine, erp, report_dir=reports)
    assert (result.status, result.counts, result.error) == ("ok", {}, None)
    assert result.checked["invoices"] == len(synced) == result.checked["erp_invoices"]
    assert result.checked["customers"] >= 2  # ours, and the ERP's own pulled customers
    assert found(engine, result.run_id) == {}
    with Session(engine) as session:
        row = session.get(models.ReconciliationRun, result.run_id)
    assert (row.status, row.counts, row.finished_at is not None) == ("ok", {}, True)
    assert sorted(p.name for p in reports.iterdir()) == [
        f"reconciliation-{erp.name}-{result.run_id}.{ext}" for ext in ("csv", "html", "json")
    ]


def test_each_tampering_is_reported_with_its_kind_key_and_amounts(engine, erp, synced):
    numbers = [i.number for i in synced]
    changed, removed, paid, unlinked = "INV-000001", "INV-000002", "INV-000003", "INV-000004"
    assert {changed, removed, paid, unlinked, "CN-000001"} <= set(numbers)
    groupe = remote_id(engine, "customer", "GROUPE")
    toulouse = remote_id(engine, "customer", "TOULOUSE")

    erp.change_first_line(remote_id(engine, "invoice", changed), Decimal("110.00"))  # was 100
    erp.remove_invoice(remote_id(engine, "invoice", removed))
    erp.pay(remote_id(engine, "invoice", paid), Decimal("10.00"))  # not pulled back
    time.sleep(1.1)  # modification times have a one-second resolution
    erp.rename_customer(groupe, "Groupe Renommé")
    rogue = erp.admin.push_invoices([foreign_invoice("INV-900001", groupe)])[0]
    assert rogue.error is None
    unlinked_remote = remote_id(engine, "invoice", unlinked)
    unbind(engine, "invoice", unlinked)
    unbind(engine, "customer", "TOULOUSE")

    result = run(engine, erp)
    items = found(engine, result.run_id)
    assert result.status == "differences"
    assert result.counts == {
        "invoice_amount_differs": 1,
        "invoice_missing_in_erp": 1,
        "payment_status_differs": 1,
        "customer_differs": 1,
        "invoice_missing_in_cn285": 1,
        "invoice_unlinked": 1,
        "customer_unlinked": 1,
    }
    assert set(items) == {
        ("invoice_amount_differs", changed),
        ("invoice_missing_in_erp", removed),
        ("payment_status_differs", paid),
        ("customer_differs", "GROUPE"),
        ("invoice_missing_in_cn285", "INV-900001"),
        ("invoice_unlinked", unlinked),
        ("customer_unlinked", "TOULOUSE"),
    }

    amounts = items[("invoice_amount_differs", changed)]
    assert amounts.entity == "invoice"
    assert amounts.detail["fields"] == {
        "total_excl_tax": {"cn285": "100.00", "erp": "110.00", "difference": "10.00"},
        "tax": {"cn285": "20.00", "erp": "22.00", "difference": "2.00"},
        "total": {"cn285": "120.00", "erp": "132.00", "difference": "12.00"},
    }
    missing = items[("invoice_missing_in_erp", removed)]
    assert (missing.detail["reason"], missing.detail["total"]) == (erp.removed, "39.48")
    payment = items[("payment_status_differs", paid)]
    assert payment.detail["fields"] == {
        "payment_status": {"cn285": "not_paid", "erp": "partial"},
        "amount_paid": {"cn285": "0.00", "erp": "10.00", "difference": "10.00"},
    }
    assert payment.detail["residual"] == "182.00"
    renamed = items[("customer_differs", "GROUPE")]
    assert (renamed.entity, renamed.remote_id) == ("customer", groupe)
    assert renamed.detail["fields"] == {
        "name": {"cn285": "Groupe Hexagone", "erp": "Groupe Renommé", "owner": "erp"}
    }
    rogue_item = items[("invoice_missing_in_cn285", "INV-900001")]
    assert (rogue_item.remote_id, rogue_item.detail["erp_total"]) == (rogue.remote_id, "60.00")
    relink = items[("invoice_unlinked", unlinked)]
    assert (relink.remote_id, relink.detail["reason"]) == (unlinked_remote, "no_binding")
    customer = items[("customer_unlinked", "TOULOUSE")]
    assert (customer.remote_id, customer.detail["reason"]) == (toulouse, "no_binding")


def test_small_pages_compare_every_record_once(engine, erp, synced, monkeypatch):
    """Batches smaller than the store and the ERP's documents: each is compared once."""
    import cn285.hub.services.reconciliation as service

    monkeypatch.setattr(service, "BATCH", 3)
    result = run(engine, erp)
    assert (result.status, result.counts) == ("ok", {})
    assert result.checked["invoices"] == result.checked["erp_invoices"] == len(synced)


@pytest.mark.parametrize("erp", ["odoo"], indirect=True)
def test_a_second_odoo_document_under_a_bound_number_is_a_duplicate(engine, erp, synced):
    """Odoo allows two moves with one reference (NetSuite keeps external ids unique)."""
    bound = remote_id(engine, "invoice", "INV-000005")
    copy = foreign_invoice("INV-000005", remote_id(engine, "customer", "TOULOUSE"))
    second = erp.admin.push_invoices([copy])[0].remote_id
    result = run(engine, erp)
    items = found(engine, result.run_id)
    assert set(items) == {("invoice_duplicate_in_erp", "INV-000005")}
    duplicate = items[("invoice_duplicate_in_erp", "INV-000005")]
    assert (duplicate.remote_id, duplicate.detail["bound_remote_id"]) == (second, bound)
    assert duplicate.detail["erp_total"] == "60.00"


def test_invoices_issued_since_the_last_sync_are_awaited_not_missing(engine, erp, synced):
    """A reconciliation between two sync runs must not report the invoices issued since the
    last one; once a sync has run without pushing one, it is missing."""
    import datetime as dt

    from cn285.hub.services.billing import run_billing

    run_billing(engine, max(i.date for i in synced) + dt.timedelta(days=62))  # after the sync
    with Session(engine) as session:
        fresh = session.scalars(
            select(models.Invoice.number).where(
                models.Invoice.number.not_in([i.number for i in synced])  # type: ignore[union-attr]
            )
        ).all()
    assert fresh
    before = run(engine, erp)
    assert before.status == "ok" and before.counts == {}
    assert before.checked["awaiting_sync"] == len(fresh)
    with Session(engine) as session:  # the next invoices sync ran, and did not push them
        session.add(models.SyncRun(connector=erp.name, stream="invoices", status="completed"))
        session.commit()
    after = run(engine, erp)
    assert after.counts["invoice_missing_in_erp"] == len(fresh)
    assert {
        k for kind, k in found(engine, after.run_id) if kind == "invoice_missing_in_erp"
    } == set(fresh)

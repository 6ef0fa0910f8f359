"""Imported history in the nightly reconciliation, on SQLite and PostgreSQL: invoices the
previous system issued and Cn285 never sent to the ERPs are not differences; those
imported with `push` are Cn285's to deliver and are reported like any other."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlmodel import Session

from cn285.connectors.base import Capability, Connector, RemoteInvoice
from cn285.hub.services.reconciliation import reconcile
from cn285.hub.store import models
from tests.connectors.contract import FAST
from tests.imports.kinds_support import batch, load_catalog, rows
from tests.imports.test_kinds_history import LINE_1, invoice


class PreviousErp(Connector):
    """An ERP holding some documents under their numbers, none bound to Cn285 (read only)."""

    name = "previous"
    capabilities = frozenset({Capability.PUSH_INVOICES})

    def __init__(self, numbers: Sequence[str]) -> None:
        self.books = {n: _document(i, n) for i, n in enumerate(numbers, start=1)}
        self.looked_up: list[str] = []

    def fetch_invoices(self, remote_ids: Sequence[str]) -> list[RemoteInvoice]:
        return [d for d in self.books.values() if d.remote_id in remote_ids]

    def lookup_invoices(self, numbers: Sequence[str]) -> list[RemoteInvoice]:
        self.looked_up += numbers
        return [self.books[n] for n in numbers if n in self.books]

    def list_invoices(
        self, prefixes: Sequence[str], after: str | None = None
    ) -> Iterator[RemoteInvoice]:
        return iter(())  # nothing under Cn285's series


def _document(i: int, number: str) -> RemoteInvoice:
    return RemoteInvoice(
        str(i),
        number,
        "invoice",
        Decimal("100.00"),
        Decimal("20.00"),
        Decimal("120.00"),
        Decimal("120.00"),
        "not_paid",
        "7",
    )


@pytest.fixture
def history(engine):
    """Four historical invoices: F-1 and F-2 kept in the previous system's books only, F-3
    and F-4 imported with `push` (to be sent by Cn285's sync, not synced yet)."""
    load_catalog(engine)
    kept = [*invoice("F-1", LINE_1), *invoice("F-2", LINE_1)]
    pushed = [*invoice("F-3", LINE_1, push="yes"), *invoice("F-4", LINE_1, push="yes")]
    done = batch(engine, "invoices", rows(*kept, *pushed))
    assert done.errors == [] and done.outcome.created == 4
    return engine


def items(engine, run_id: int) -> dict[str | None, models.ReconciliationItem]:
    with Session(engine) as session:
        found = session.scalars(
            select(models.ReconciliationItem).where(models.ReconciliationItem.run_id == run_id)
        ).all()
    return {i.local_key: i for i in found}


def test_history_never_pushed_is_not_a_difference_but_pushed_history_is(history):
    erp = PreviousErp(["F-1", "F-4"])  # the previous system wrote F-1; F-4 is there unbound
    result = reconcile(history, erp, policy=FAST)
    assert result.counts == {"invoice_missing_in_erp": 1, "invoice_unlinked": 1}
    found = items(history, result.run_id)
    assert set(found) == {"F-3", "F-4"}
    assert (found["F-3"].kind, found["F-3"].detail["reason"]) == (
        "invoice_missing_in_erp",
        "not_pushed",
    )
    assert (found["F-4"].kind, found["F-4"].remote_id) == ("invoice_unlinked", "2")
    assert sorted(erp.looked_up) == ["F-3", "F-4"]  # history is not even looked up
    assert result.checked == {"invoices": 2, "erp_invoices": 0, "customers": 0, "history": 2}


def test_a_store_with_only_unpushed_history_reconciles_clean(engine):
    load_catalog(engine)
    assert batch(engine, "invoices", rows(*invoice("F-1", LINE_1))).outcome.created == 1
    erp = PreviousErp(["F-1"])
    result = reconcile(engine, erp, policy=FAST)
    assert (result.status, result.counts, erp.looked_up) == ("ok", {}, [])
    assert result.checked["history"] == 1

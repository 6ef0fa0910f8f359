"""Historical invoices and payments through `run_import`: strict all-or-nothing, recovery with
whole invoices in the rejects file, a crash mid-file completed by a re-run, a French
spreadsheet export read in its own dialect."""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlmodel import Session

from cn285.hub.imports.engine import run_import
from cn285.hub.imports.kinds import invoices as invoices_kind
from cn285.hub.imports.kinds import kind
from cn285.hub.store import models
from tests.imports.kinds_support import load_catalog, write_csv
from tests.imports.test_kinds_history import LINE_1, LINE_2, invoice

INVOICE_COLUMNS = [c.name for c in invoices_kind.COLUMNS]
PAYMENT_COLUMNS = ["invoice", "date", "amount", "reference", "source"]
THIRD = {**LINE_2, "item": "SETUP", "line_kind": "one_shot", "amount": "500.00", "tax_rate": "20"}


def history(bad: bool = False) -> list[dict]:
    """Four invoices, the second of three lines (its second line's tax wrong when `bad`)."""
    middle = {**LINE_2, "tax": "0.56"} if bad else LINE_2
    return [
        *invoice("F-1"),
        *invoice("F-2", LINE_1, middle, {**THIRD, "tax": "100.00"}),
        *invoice("F-3", LINE_1),
        *invoice("F-4", LINE_2),
    ]


@pytest.fixture
def store(engine):
    load_catalog(engine)
    return engine


def state(engine) -> list[tuple]:
    """What the store holds of the history: documents, lines, payments, audit records."""
    with Session(engine) as session:
        documents = [
            (i.number, i.kind, i.total_excl_tax, i.tax, i.total, i.amount_paid, i.payment_status)
            for i in session.scalars(select(models.Invoice).order_by(models.Invoice.number))
        ]
        lines = session.scalar(select(func.count()).select_from(models.InvoiceLine))
        payments = session.scalar(select(func.count()).select_from(models.Payment))
        audit = session.scalar(
            select(func.count())
            .select_from(models.AuditRecord)
            .where(models.AuditRecord.entity == "invoice")
        )
    return [*documents, ("lines", lines), ("payments", payments), ("audit", audit)]


def test_strict_refuses_the_whole_file_for_one_bad_line(store, tmp_path: Path):
    file = write_csv(tmp_path / "invoices.csv", INVOICE_COLUMNS, history(bad=True))
    result = run_import(store, "invoices", file, mode="strict", batch_size=2)
    assert result.status == "refused"
    assert result.errors == [
        (5, "tax", "0.56 is not 10.05 × 5.5 % rounded half up to the EUR minor unit (0.55)")
    ]
    assert result.rejected == 3  # the whole invoice F-2
    assert state(store) == [("lines", 0), ("payments", 0), ("audit", 0)]


def test_recovery_imports_the_good_invoices_and_rejects_the_bad_one_whole(store, tmp_path: Path):
    file = write_csv(tmp_path / "invoices.csv", INVOICE_COLUMNS, history(bad=True))
    result = run_import(store, "invoices", file, mode="recovery", batch_size=2)
    assert (result.status, result.created, result.rejected) == ("partial", 3, 3)
    with result.rejects.open(encoding="utf-8", newline="") as stream:  # type: ignore[union-attr]
        rejected = list(csv.DictReader(stream))
    assert [r["number"] for r in rejected] == ["F-2"] * 3
    assert all("line 5: tax: 0.56 is not" in r["error"] for r in rejected)
    # the rejects file, corrected, is imported as it is
    rejected[1]["tax"] = "0.55"
    fixed = write_csv(tmp_path / "fixed.csv", [*INVOICE_COLUMNS, "error"], rejected)
    again = run_import(store, "invoices", fixed, mode="strict")
    assert (again.status, again.created) == ("imported", 1)
    assert [d[0] for d in state(store)[:4]] == ["F-1", "F-2", "F-3", "F-4"]


@pytest.mark.parametrize("mode", ["strict", "recovery"])
def test_the_same_file_twice_changes_nothing_the_second_time(store, tmp_path: Path, mode):
    file = write_csv(tmp_path / "invoices.csv", INVOICE_COLUMNS, history())
    first = run_import(store, "invoices", file, mode=mode, batch_size=3)
    assert (first.status, first.created) == ("imported", 4)
    before = state(store)
    second = run_import(store, "invoices", file, mode=mode, batch_size=3)
    assert (second.status, second.created, second.unchanged) == ("imported", 0, 4)
    assert state(store) == before
    assert before[1] == (
        "F-2",
        "invoice",
        Decimal("610.05"),
        Decimal("120.55"),
        Decimal("730.60"),
        0,
        "not_paid",
    )


def test_a_crash_mid_file_and_a_rerun_give_the_state_of_one_import(
    store, tmp_path: Path, monkeypatch
):
    file = write_csv(tmp_path / "invoices.csv", INVOICE_COLUMNS, history())
    write = invoices_kind.KIND.write
    calls = []

    def crash_on_second_batch(self, session, records, actor):
        calls.append(len(records))
        if len(calls) == 2:
            session.flush()
            raise KeyboardInterrupt  # the process dies with the batch half written
        return write(self, session, records, actor)

    monkeypatch.setattr(invoices_kind.KIND, "write", crash_on_second_batch)
    with pytest.raises(KeyboardInterrupt):
        run_import(store, "invoices", file, mode="recovery", batch_size=2)
    assert [d[0] for d in state(store)[:-3]] == ["F-1"]  # one whole batch, nothing of the next
    monkeypatch.setattr(invoices_kind.KIND, "write", write)
    result = run_import(store, "invoices", file, mode="strict", batch_size=2)
    assert (result.status, result.created, result.unchanged) == ("imported", 3, 1)
    assert state(store)[-3:] == [("lines", 7), ("payments", 0), ("audit", 4)]


def test_payments_are_imported_once_and_a_bad_one_is_rejected(store, tmp_path: Path):
    run_import(store, "invoices", write_csv(tmp_path / "i.csv", INVOICE_COLUMNS, history()))
    payments = [
        {"invoice": "F-1", "date": "2025-12-01", "amount": "100.00", "reference": "P1"},
        {"invoice": "F-1", "date": "2025-12-15", "amount": "30.60", "reference": "P2"},
        {"invoice": "F-3", "date": "2025-12-15", "amount": "500", "reference": "P3"},
    ]
    file = write_csv(tmp_path / "payments.csv", PAYMENT_COLUMNS, payments)
    refused = run_import(store, "payments", file, mode="strict")
    assert (refused.status, refused.errors) == (
        "refused",
        [(4, "amount", "500 is more than the 120.00 EUR still due on F-3 (total 120.00, paid 0)")],
    )
    result = run_import(store, "payments", file, mode="recovery")
    assert (result.status, result.created, result.rejected) == ("partial", 2, 1)
    again = run_import(store, "payments", file, mode="recovery")
    assert (again.created, again.unchanged, again.rejected) == (0, 2, 1)
    paid = {d[0]: d[5:] for d in state(store)[:4]}
    assert paid["F-1"] == (Decimal("130.60"), "paid")
    assert paid["F-3"] == (Decimal("0"), "not_paid")


def test_a_french_spreadsheet_export_is_read_in_its_dialect(store, tmp_path: Path):
    path = tmp_path / "factures.csv"
    header = ["number", "customer", "date", "currency", "tax_regime", "item", "line_kind"]
    header += ["start", "end", "amount", "tax_rate", "tax", "total"]
    with path.open("w", encoding="cp1252", newline="") as stream:
        writer = csv.writer(stream, delimiter=";")
        writer.writerow(header)
        header_values = ["F-9", "ACME", "01/11/2025", "EUR", "domestic"]
        line_values = ["PLATFORM", "recurring", "01/11/2025", "30/11/2025", "1234,56", "20"]
        writer.writerow([*header_values, *line_values, "246,91", "1481,47"])
    result = run_import(store, "invoices", path, mode="strict")
    assert (result.status, result.errors) == ("imported", [])
    assert state(store)[0][2:5] == (Decimal("1234.56"), Decimal("246.91"), Decimal("1481.47"))


def test_the_example_rows_of_the_templates_import_in_order(engine, tmp_path: Path):
    """`cn285 import template KIND` writes each kind's example row: from customers to
    payments, they make one customer's contract, its change, its history and a payment."""
    order = ["customers", "items", "price-lists", "contracts", "contract-lines", "actions"]
    for name in [*order, "invoices", "payments"]:
        columns = kind(name).columns
        file = write_csv(
            tmp_path / f"{name}.csv",
            [c.name for c in columns],
            [{c.name: c.example for c in columns}],
        )
        result = run_import(engine, name, file)
        assert (name, result.status, result.created, result.errors) == (name, "imported", 1, [])
    assert state(engine)[0][2:] == (
        Decimal("49.00"),
        Decimal("9.80"),
        Decimal("58.80"),
        Decimal("58.80"),
        "paid",
    )

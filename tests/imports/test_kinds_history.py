"""Historical invoices and payments: stored as issued once, checked to the cent, immutable,
never from our number series, and paid no more than they are due."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlmodel import Session

from cn285.hub.services.billing import run_billing
from cn285.hub.store import models
from tests.imports.kinds_support import audit_actions, batch, counts, load_catalog, rows

HEADER = {
    "number": "F-2025-001",
    "kind": "invoice",
    "customer": "ACME",
    "contract": "",
    "date": "2025-11-01",
    "currency": "EUR",
    "tax_regime": "domestic",
}
LINE_1 = {
    "item": "PLATFORM",
    "line_kind": "recurring",
    "start": "2025-11-01",
    "end": "2025-11-30",
    "quantity": "1",
    "unit_price": "100.00",
    "amount": "100.00",
    "tax_rate": "20",
    "tax": "20.00",
}
LINE_2 = {
    "item": "BOOK",
    "line_kind": "one_shot",
    "start": "2025-11-03",
    "line_description": "Field guide",
    "amount": "10.05",
    "tax_rate": "5.5",
    "tax": "0.55",  # 0.55275 → 0.55
}


HALF = {**LINE_1, "amount": "50.00", "tax": "10.00"}


def invoice(number: str = "F-2025-001", *lines: dict, **header: str) -> list[dict]:
    """An invoice as rows: the header on the first row, repeated or empty on the others."""
    lines = lines or (LINE_1, LINE_2)
    first = {**HEADER, "number": number, **header}
    return [{**(first if i == 0 else {"number": number}), **line} for i, line in enumerate(lines)]


@pytest.fixture
def store(engine):
    load_catalog(engine)
    return engine


def stored(engine, number: str) -> tuple[models.Invoice, list[models.InvoiceLine]]:
    with Session(engine) as session:
        row = session.scalars(select(models.Invoice).where(models.Invoice.number == number)).one()
        lines = session.scalars(
            select(models.InvoiceLine)
            .where(models.InvoiceLine.invoice_id == row.id)
            .order_by(models.InvoiceLine.position)
        ).all()
        return row, list(lines)


def outbox(engine) -> list[tuple[str, str]]:
    with Session(engine) as session:
        events = session.scalars(
            select(models.OutboxEvent).where(models.OutboxEvent.entity == "invoice")
        )
        return [(e.entity, e.key) for e in events]


# -- invoices ----------------------------------------------------------------------------


def test_an_invoice_of_several_rows_is_stored_as_issued_with_totals_to_the_cent(store):
    done = batch(store, "invoices", rows(*invoice()))
    assert counts(done.outcome) == (1, 0, 0)
    row, lines = stored(store, "F-2025-001")
    assert (row.key, row.kind, row.customer_code, row.date) == (
        "import|F-2025-001",
        "invoice",
        "ACME",
        dt.date(2025, 11, 1),
    )
    assert (row.total_excl_tax, row.tax, row.total) == (
        Decimal("110.05"),
        Decimal("20.55"),
        Decimal("130.60"),
    )
    assert str(row.total) == "130.60"
    assert row.issued_at == dt.datetime(2025, 11, 1, tzinfo=dt.UTC)
    assert (row.amount_paid, row.payment_status) == (0, "not_paid")
    assert [(ln.position, ln.description, ln.start, ln.end, ln.tax) for ln in lines] == [
        (1, "Platform", dt.date(2025, 11, 1), dt.date(2025, 11, 30), Decimal("20.00")),
        (2, "Field guide", dt.date(2025, 11, 3), dt.date(2025, 11, 3), Decimal("0.55")),
    ]
    assert audit_actions(store, "invoice", "F-2025-001") == ["import"]
    assert outbox(store) == []  # already in the previous ERP: not pushed


def test_an_invoice_imported_again_is_unchanged(store):
    batch(store, "invoices", rows(*invoice()))
    again = batch(store, "invoices", rows(*invoice(total="130.6")))
    assert counts(again.outcome) == (0, 0, 1)
    assert audit_actions(store, "invoice", "F-2025-001") == ["import"]


@pytest.mark.parametrize(
    ("rows_", "line", "column"),
    [
        (invoice(date="2025-11-02"), 2, "date"),
        (invoice(customer="BETA"), 2, "customer"),
        (invoice("F-2025-001", LINE_1), 2, "total_excl_tax"),  # a line less
        (invoice("F-2025-001", HALF, HALF, LINE_2), 2, None),  # same totals, one line more
        (
            invoice("F-2025-001", LINE_1, {**LINE_2, "line_description": "Atlas"}),
            3,
            "line_description",
        ),
        (
            invoice("F-2025-001", LINE_1, {**LINE_2, "amount": "20.00", "tax": "1.10"}),
            2,
            "total_excl_tax",
        ),
    ],
)
def test_a_stored_invoice_never_changes(store, rows_, line, column):
    batch(store, "invoices", rows(*invoice()))
    refused = batch(store, "invoices", rows(*rows_))
    assert [(e[0], e[1]) for e in refused.errors] == [(line, column)]
    assert "never changes (import a credit note" in refused.errors[0][2]
    assert stored(store, "F-2025-001")[0].total == Decimal("130.60")


def test_a_group_with_one_bad_line_is_refused_and_the_next_invoice_imported(store):
    bad = invoice("F-2025-002", LINE_1, {**LINE_2, "tax": "0.56"})
    done = batch(store, "invoices", rows(*bad, *invoice("F-2025-003")))
    assert done.errors == [
        (3, "tax", "0.56 is not 10.05 × 5.5 % rounded half up to the EUR minor unit (0.55)")
    ]
    assert counts(done.outcome) == (1, 0, 0)
    assert [row.values["number"] for row, _ in done.checked.accepted] == ["F-2025-003"]
    with Session(store) as session:
        assert session.scalars(select(models.Invoice.number)).all() == ["F-2025-003"]


@pytest.mark.parametrize(
    ("amount", "rate", "tax"),
    [
        ("0.125", "100", "0.13"),  # refused below: an amount is exact to the cent
        ("1.25", "10", "0.13"),  # 0.125 → 0.13 (half up, not half even)
        ("-1.25", "10", "-0.13"),  # credits round away from zero, as the engine does
        ("33.33", "19.6", "6.53"),  # 6.53268
        ("0.05", "5.5", "0.00"),  # 0.00275
    ],
)
def test_each_line_tax_is_its_amount_times_rate_rounded_half_up(store, amount, rate, tax):
    line = {**LINE_2, "amount": amount, "tax_rate": rate, "tax": tax}
    done = batch(store, "invoices", rows(*invoice("F-1", LINE_1, line)))
    if amount == "0.125":
        assert done.columns == ["amount"]
        return
    assert done.errors == []
    row, lines = stored(store, "F-1")
    assert lines[1].tax == Decimal(tax)
    assert row.tax == Decimal("20.00") + Decimal(tax)
    assert row.total == Decimal("100.00") + Decimal(amount) + row.tax


@pytest.mark.parametrize(
    ("header", "column", "message"),
    [
        (
            {"total_excl_tax": "110.06"},
            "total_excl_tax",
            "110.06 is not the sum of the lines (110.05 EUR)",
        ),
        ({"total_tax": "20.54"}, "total_tax", "not the sum of the lines' tax"),
        ({"total": "130.59"}, "total", "130.59 is not the sum of the lines (130.60 EUR)"),
    ],
)
def test_given_totals_are_checked_against_the_lines_to_the_cent(store, header, column, message):
    if column == "total_tax":
        message = "20.54 is not the sum of the lines (20.55 EUR)"
    refused = batch(store, "invoices", rows(*invoice(**header)))
    assert refused.errors == [(2, column, message)]


def test_a_credit_note_has_negative_amounts_and_its_kind_follows_the_sign(store):
    credit = {**LINE_1, "amount": "-100.00", "tax": "-20.00"}
    refused = batch(store, "invoices", rows(*invoice("AV-1", credit, kind="invoice")))
    assert refused.columns == ["kind"]
    assert "which makes a credit note, not an invoice" in refused.errors[0][2]
    refused = batch(store, "invoices", rows(*invoice("AV-1", LINE_1, kind="credit_note")))
    assert "a credit note's amounts are negative" in refused.errors[0][2]
    done = batch(store, "invoices", rows(*invoice("AV-1", credit, kind="")))
    assert done.errors == []
    assert stored(store, "AV-1")[0].kind == "credit_note"


def test_header_columns_repeated_on_later_rows_must_agree(store):
    records = invoice()
    records[1] = {**records[1], "customer": "BETA", "currency": "EUR"}
    refused = batch(store, "invoices", rows(*records))
    assert refused.errors == [(3, "customer", "differs from line 2 of the same invoice")]


@pytest.mark.parametrize(
    ("change", "column", "message"),
    [
        ({"customer": "NOBODY"}, "customer", "unknown customer"),
        ({"contract": "K9"}, "contract", "unknown contract"),
        ({"currency": "EUX"}, "currency", "unknown currency"),
        ({"tax_regime": "vat"}, "tax_regime", "not one of none, domestic"),
        ({"kind": "bill"}, "kind", "not invoice or credit_note"),
        ({"date": ""}, "date", "required"),
        ({"number": "N" * 33}, "number", "at most 32"),
        ({"item": "NOPE"}, "item", "unknown item"),
        ({"line_kind": "monthly"}, "line_kind", "not one of"),
        ({"end": ""}, "end", "a recurring line has a service period"),
        ({"end": "2025-10-31"}, "end", "before it starts"),
        ({"amount": "100.001", "tax": "20.00"}, "amount", "more decimals than EUR (2)"),
        ({"tax_rate": "120"}, "tax_rate", "0–100"),
        ({"tax": ""}, "tax", "required"),
        ({"line": "L1"}, "line", "needs the invoice's contract"),
    ],
)
def test_bad_invoice_rows_are_refused_naming_the_column(store, change, column, message):
    records = invoice("F-9", LINE_1)
    refused = batch(store, "invoices", rows({**records[0], **change}))
    assert column in refused.columns
    assert any(message in e[2] for e in refused.errors if e[1] == column)
    assert refused.outcome.created == 0


def test_an_invoice_may_name_the_contract_line_that_continues_it(store):
    batch(store, "contracts", rows({"code": "K1", "customer": "ACME", "price_list": "STD"}))
    cut_over = {"contract": "K1", "code": "L1", "item": "PLATFORM", "kind": "recurring"}
    batch(store, "contract-lines", rows({**cut_over, "start": "2025-12-01"}))
    refused = batch(
        store, "invoices", rows(*invoice("F-1", {**LINE_1, "line": "L9"}, contract="K1"))
    )
    assert refused.errors[0][1:] == ("line", "unknown line 'L9' of contract K1")
    done = batch(store, "invoices", rows(*invoice("F-1", {**LINE_1, "line": "L1"}, contract="K1")))
    assert done.errors == []
    row, lines = stored(store, "F-1")
    assert (row.contract_code, lines[0].line_ref, lines[0].contract_code) == ("K1", "K1/L1", "K1")
    # the line may not be moved back into the history (billed twice)
    moved = batch(store, "contract-lines", rows({**cut_over, "start": "2025-11-30"}))
    assert moved.errors == [
        (
            2,
            "start",
            "imported invoices bill K1/L1 through 2025-11-30: start the line after that "
            "(Cn285 would invoice the period again)",
        )
    ]


def test_history_of_a_period_that_cn285_bills_is_refused(store):
    batch(store, "contracts", rows({"code": "K1", "customer": "ACME", "price_list": "STD"}))
    line = {"contract": "K1", "code": "L1", "item": "PLATFORM", "kind": "recurring"}
    batch(store, "contract-lines", rows({**line, "start": "2025-11-15"}))
    refused = batch(
        store, "invoices", rows(*invoice("F-1", {**LINE_1, "line": "L1"}, contract="K1"))
    )
    assert refused.columns == ["end"]
    assert "invoiced twice" in refused.errors[0][2]


def test_a_number_of_our_own_series_is_refused_unless_stored_identically(store):
    refused = batch(store, "invoices", rows(*invoice("INV-000001")))
    assert refused.columns == ["number"]
    assert "Cn285's own series" in refused.errors[0][2]
    assert batch(store, "invoices", rows(*invoice("CN-12"))).columns == ["number"]
    # an invoice we issued, exported and imported back as it is: unchanged
    batch(store, "contracts", rows({"code": "K1", "customer": "ACME", "price_list": "STD"}))
    line = {
        "contract": "K1",
        "code": "L1",
        "item": "PLATFORM",
        "kind": "recurring",
        "start": "2026-01-01",
    }
    batch(store, "contract-lines", rows(line))
    run_billing(store, dt.date(2026, 1, 1))
    _, lines = stored(store, "INV-000001")
    same = {
        **HEADER,
        "number": "INV-000001",
        "contract": "K1",
        "date": "2026-01-01",
        "line": "L1",
        "line_description": lines[0].description,
        "item": "PLATFORM",
        "line_kind": "recurring",
        "start": "2026-01-01",
        "end": "2026-01-31",
        "quantity": lines[0].quantity,
        "unit_price": lines[0].unit_price,
        "amount": lines[0].amount,
        "tax_rate": lines[0].tax_rate,
        "tax": lines[0].tax,
    }
    assert counts(batch(store, "invoices", rows(same)).outcome) == (0, 0, 1)
    refused = batch(store, "invoices", rows({**same, "note": "imported"}))
    assert refused.columns == ["note"]
    assert "already issued by Cn285" in refused.errors[0][2]


def test_an_invoice_with_push_goes_to_the_outbox(store):
    batch(store, "invoices", rows(*invoice("F-1", push="yes"), *invoice("F-2", push="no")))
    assert outbox(store) == [("invoice", "F-1")]


def test_an_invoice_number_twice_in_one_batch_is_refused(store):
    records = [
        *invoice("F-1", LINE_1),
        {"number": "F-2", **HEADER, **LINE_1},
        *invoice("F-1", LINE_1),
    ]
    refused = batch(store, "invoices", rows(*records))
    assert refused.errors == [(4, "number", "also on line 2")]


def test_amounts_are_exact_in_the_currencys_minor_unit(store):
    yen = {**LINE_1, "amount": "1000", "tax": "200", "unit_price": "1000"}
    assert batch(store, "invoices", rows(*invoice("J-1", yen, currency="JPY"))).errors == []
    cents = {**yen, "amount": "1000.5", "tax": "200"}
    refused = batch(store, "invoices", rows(*invoice("J-2", cents, currency="JPY")))
    assert refused.columns == ["amount"]


# -- payments ----------------------------------------------------------------------------


@pytest.fixture
def invoiced(store):
    credit = {**LINE_1, "amount": "-50.00", "tax": "-10.00"}
    records = [*invoice(), *invoice("AV-1", credit, kind="credit_note")]
    assert batch(store, "invoices", rows(*records)).errors == []
    return store


def pay(reference: str, amount: str, invoice: str = "F-2025-001", **more: str) -> dict:
    return {
        "invoice": invoice,
        "date": "2025-11-20",
        "amount": amount,
        "reference": reference,
        **more,
    }


def test_payments_add_up_to_paid_and_are_imported_once(invoiced):
    first = batch(invoiced, "payments", rows(pay("P1", "100.00")))
    assert counts(first.outcome) == (1, 0, 0)
    row = stored(invoiced, "F-2025-001")[0]
    assert (row.amount_paid, row.payment_status) == (Decimal("100.00"), "partial")
    second = batch(invoiced, "payments", rows(pay("P1", "100"), pay("P2", "30.60", source="bank")))
    assert counts(second.outcome) == (1, 0, 1)
    row = stored(invoiced, "F-2025-001")[0]
    assert (row.amount_paid, row.payment_status) == (Decimal("130.60"), "paid")
    with Session(invoiced) as session:
        found = session.scalars(select(models.Payment).order_by(models.Payment.id)).all()
    assert [(p.reference, p.amount, p.source) for p in found] == [
        ("P1", Decimal("100.00"), "import"),
        ("P2", Decimal("30.60"), "bank"),
    ]
    assert audit_actions(invoiced, "invoice", "F-2025-001")[1:] == ["payment:create"] * 2


def test_a_changed_payment_is_updated_and_audited(invoiced):
    batch(invoiced, "payments", rows(pay("P1", "100.00")))
    done = batch(invoiced, "payments", rows(pay("P1", "40.00", date="2025-11-21")))
    assert counts(done.outcome) == (0, 1, 0)
    row = stored(invoiced, "F-2025-001")[0]
    assert (row.amount_paid, row.payment_status) == (Decimal("40.00"), "partial")
    assert audit_actions(invoiced, "invoice", "F-2025-001")[-1] == "payment:update"


def test_a_payment_above_what_is_due_is_refused(invoiced):
    refused = batch(invoiced, "payments", rows(pay("P1", "130.61")))
    assert refused.errors == [
        (
            2,
            "amount",
            "130.61 is more than the 130.60 EUR still due on F-2025-001 (total 130.60, paid 0)",
        )
    ]
    # two payments of one batch count together
    refused = batch(invoiced, "payments", rows(pay("P1", "100"), pay("P2", "31")))
    assert refused.columns == ["amount"]
    assert counts(refused.outcome) == (1, 0, 0)
    assert stored(invoiced, "F-2025-001")[0].amount_paid == Decimal("100")


def test_a_refund_on_a_credit_note_is_paid_with_its_sign(invoiced):
    done = batch(invoiced, "payments", rows(pay("R1", "60.00", invoice="AV-1")))
    assert done.errors == []
    row = stored(invoiced, "AV-1")[0]
    assert (row.amount_paid, row.payment_status) == (Decimal("-60.00"), "paid")


@pytest.mark.parametrize(
    ("row", "column", "message"),
    [
        (pay("P1", "10", invoice="F-404"), "invoice", "unknown invoice 'F-404'"),
        (pay("P1", "0"), "amount", "positive"),
        (pay("P1", "-5"), "amount", "positive"),
        (pay("P1", "10.001"), "amount", "not exact in EUR"),
        (pay("", "10"), "reference", "required"),
        (pay("P1", "10", date="2025-13-01"), "date", "calendar"),
    ],
)
def test_bad_payments_are_refused_naming_the_column(invoiced, row, column, message):
    refused = batch(invoiced, "payments", rows(row))
    assert refused.columns == [column]
    assert message in refused.errors[0][2]


def test_a_payment_twice_in_one_batch_is_refused_on_its_second_line(invoiced):
    refused = batch(invoiced, "payments", rows(pay("P1", "10"), pay("P1", "10")))
    assert refused.errors == [(3, "reference", "'P1' is also on line 2")]

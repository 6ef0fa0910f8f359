"""Revenue lines: read from engine invoices, refused when they cannot be recognised."""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal as D

import pytest

from cn285.billing_core.catalog import Customer, Item
from cn285.billing_core.charges import Charge
from cn285.billing_core.invoicing import build_invoices
from cn285.billing_core.money import CurrencyError, currency
from cn285.billing_core.revrec import RevenueLine, RevrecError, from_invoice
from cn285.billing_core.tax import TaxRules
from tests.unit.revrec.builders import revenue_line

EUR = currency("EUR")
ITEMS = {"SUB": Item("SUB", "Subscription"), "API": Item("API", "API calls")}
TAX = TaxRules("FR", {"FR": {"standard": D("20")}})
CUSTOMERS = {"C1": Customer("C1", "Client One", "FR")}


def charge(day, amount, item="SUB", kind="recurring", start=None, end=None, line="L1"):
    return Charge(
        f"K1/{line}", item, kind, day, start or day, end or day, D(amount), EUR, "K1", ("p",)
    )


def invoices(*charges):
    return build_invoices(charges, CUSTOMERS, ITEMS, lambda contract, day: "C1", TAX)


def test_from_invoice_gives_one_line_per_invoice_line_in_invoice_order():
    day = date(2026, 1, 15)
    (invoice,) = invoices(
        charge(day, "1200.00", start=day, end=date(2027, 1, 14)),
        charge(day, "12.34", "API", "usage", date(2025, 12, 15), date(2026, 1, 14), "L2"),
    )
    lines = list(from_invoice(invoice, {"API": "usage-fees"}))  # the engine orders by start
    assert lines == [
        RevenueLine(
            invoice_number="INV-000001",
            invoice_date=day,
            kind="invoice",
            position=1,
            item_code="API",
            item_category="usage-fees",
            line_kind="usage",
            start=date(2025, 12, 15),
            end=date(2026, 1, 14),
            amount=D("12.34"),
            tax=D("2.47"),
            currency="EUR",
            customer="C1",
        ),
        RevenueLine(
            invoice_number="INV-000001",
            invoice_date=day,
            kind="invoice",
            position=2,
            item_code="SUB",
            item_category=None,
            line_kind="recurring",
            start=day,
            end=date(2027, 1, 14),
            amount=D("1200.00"),
            tax=D("240.00"),
            currency="EUR",
            customer="C1",
        ),
    ]


def test_from_invoice_makes_a_negative_total_a_credit_note():
    day = date(2026, 5, 15)
    (note,) = invoices(
        charge(day, "-910.00", start=date(2026, 4, 1), end=date(2026, 6, 30)),
        charge(day, "10.00", "API", "usage", line="L2"),
    )
    lines = list(from_invoice(note))
    assert [(line.invoice_number, line.kind, line.amount) for line in lines] == [
        ("CN-000001", "credit_note", D("-910.00")),
        ("CN-000001", "credit_note", D("10.00")),
    ]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"invoice_number": ""}, "needs its invoice number"),
        ({"kind": "quote"}, "kind 'quote' is not invoice or credit_note"),
        ({"line_kind": "rental"}, "line kind 'rental' is not one of cascade, one_shot"),
        ({"end": None}, "needs both its start and its end"),
        ({"start": None}, "needs both its start and its end"),
        ({"end": date(2025, 12, 31)}, "service ends 2025-12-31, before it starts 2026-01-01"),
        ({"amount": D("10.001")}, "amount 10.001 is not exact to the EUR minor unit"),
        ({"tax": D("0.5"), "currency": "JPY"}, "tax 0.5 is not exact to the JPY minor unit"),
        ({"amount": 10.0}, "amount must be a finite Decimal, got 10.0"),
        ({"amount": D("NaN")}, "amount must be a finite Decimal"),
    ],
)
def test_revenue_line_refuses_what_cannot_be_recognised(change, message):
    with pytest.raises(RevrecError, match=message):
        dataclasses.replace(revenue_line(), **change)


def test_revenue_line_refuses_an_unknown_currency():
    with pytest.raises(CurrencyError, match="unknown currency 'XYZ'"):
        revenue_line(currency="XYZ")


def test_revenue_line_is_immutable():
    line = revenue_line()
    with pytest.raises(dataclasses.FrozenInstanceError):
        line.amount = D("1.00")  # type: ignore[misc]

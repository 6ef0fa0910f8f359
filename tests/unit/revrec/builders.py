"""Builders of revenue lines for the revenue-recognition tests."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

from cn285.billing_core.revrec import RevenueLine


def revenue_line(
    amount: str | D = "100.00",
    *,
    invoiced: date = date(2026, 1, 1),
    start: date | None = date(2026, 1, 1),
    end: date | None = date(2026, 1, 31),
    line_kind: str = "recurring",
    kind: str | None = None,
    number: str = "INV-000001",
    position: int = 1,
    item: str = "SUB",
    category: str | None = None,
    tax: str | D = "0.00",
    currency: str = "EUR",
    customer: str = "C1",
) -> RevenueLine:
    """A revenue line; its document is a credit note when the amount is negative."""
    amount = D(amount)
    return RevenueLine(
        invoice_number=number,
        invoice_date=invoiced,
        kind=kind or ("credit_note" if amount < 0 else "invoice"),
        position=position,
        item_code=item,
        item_category=category,
        line_kind=line_kind,
        start=start,
        end=end,
        amount=amount,
        tax=D(tax),
        currency=currency,
        customer=customer,
    )


def months_of(recognitions) -> dict[date, D]:
    """A schedule as {month: amount}, to compare with a hand-worked table."""
    return {r.month: r.amount for r in recognitions}

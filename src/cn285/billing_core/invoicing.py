"""Invoices: charges grouped one per contract (or customer) and date, taxed line by line.

Tax is computed per line (amount × rate, rounded half up) and every total is the sum of
its lines, so that the printed invoice adds up to the cent.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from cn285.billing_core.catalog import Customer, Item
from cn285.billing_core.charges import Charge
from cn285.billing_core.money import ZERO, Currency, round_money
from cn285.billing_core.tax import TaxRegime, TaxRules, note_for

HUNDRED = Decimal(100)


@dataclass(frozen=True, slots=True)
class InvoiceLine:
    line: str
    item: str
    description: str
    kind: str
    start: date
    end: date
    amount: Decimal
    tax_rate: Decimal
    tax: Decimal
    contract: str
    quantity: Decimal | None = None
    unit_price: Decimal | None = None
    adjustment: bool = False


@dataclass(frozen=True, slots=True)
class Invoice:
    customer: str
    contract: str | None  # None when the customer groups its contracts on one invoice
    date: date
    currency: Currency
    lines: tuple[InvoiceLine, ...]
    tax_regime: TaxRegime
    number: str = ""

    @property
    def total_excl_tax(self) -> Decimal:
        return sum((line.amount for line in self.lines), ZERO)

    @property
    def tax(self) -> Decimal:
        return sum((line.tax for line in self.lines), ZERO)

    @property
    def total(self) -> Decimal:
        return self.total_excl_tax + self.tax

    @property
    def kind(self) -> str:
        return "credit_note" if self.total_excl_tax < 0 else "invoice"

    @property
    def note(self) -> str | None:
        return note_for(self.tax_regime)

    @property
    def contracts(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(line.contract for line in self.lines))


def describe(charge: Charge, item: Item) -> str:
    span = (
        f"{charge.start:%d %b %Y}"
        if charge.start == charge.end
        else f"{charge.start:%d %b %Y} – {charge.end:%d %b %Y}"
    )
    if charge.adjustment:
        what = "credit" if charge.amount < 0 else "additional charge"
        return f"{item.name}, {what} for changes, {span}"
    return f"{item.name}, {span}"


def build_invoices(
    charges: Iterable[Charge],
    customers: Mapping[str, Customer],
    items: Mapping[str, Item],
    holder_at: Callable[[str, date], str],
    tax: TaxRules | None,
) -> list[Invoice]:
    """Group charges into invoices, tax them and number them in date order."""
    groups: dict[tuple[object, ...], list[Charge]] = {}
    for charge in charges:
        customer = customers[holder_at(charge.contract, charge.date)]
        contract = None if customer.group_invoices else charge.contract
        key = (charge.date, customer.code, contract or "", charge.currency.code)
        groups.setdefault(key, []).append(charge)
    invoices: list[Invoice] = []
    counters = {"invoice": 0, "credit_note": 0}
    for key in sorted(groups):
        day, customer_code, contract, _ = key
        members = sorted(groups[key], key=lambda c: (c.contract, c.order, c.start, c.adjustment))
        customer = customers[customer_code]  # type: ignore[index]
        regime = tax.regime(customer) if tax else TaxRegime.NONE
        currency = members[0].currency
        lines = []
        for charge in members:
            item = items[charge.item]
            rate = tax.rate(customer, item.tax_category) if tax else ZERO
            lines.append(
                InvoiceLine(
                    line=charge.line,
                    item=charge.item,
                    description=describe(charge, item),
                    kind=charge.kind,
                    start=charge.start,
                    end=charge.end,
                    amount=charge.amount,
                    tax_rate=rate,
                    tax=round_money(charge.amount * rate / HUNDRED, currency),
                    contract=charge.contract,
                    quantity=charge.quantity,
                    unit_price=charge.unit_price,
                    adjustment=charge.adjustment,
                )
            )
        invoice = Invoice(customer_code, contract or None, day, currency, tuple(lines), regime)  # type: ignore[arg-type]
        counters[invoice.kind] += 1
        prefix = "CN" if invoice.kind == "credit_note" else "INV"
        number = f"{prefix}-{counters[invoice.kind]:06d}"
        invoices.append(
            Invoice(
                invoice.customer,
                invoice.contract,
                day,
                currency,  # type: ignore[arg-type]
                invoice.lines,
                regime,
                number,
            )
        )
    return invoices

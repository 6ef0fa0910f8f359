"""Invoices: charges grouped one per contract (or customer) and date, taxed line by line.

Tax is computed per line (amount × rate, rounded half up) and every total is the sum of
its lines, so that the printed invoice adds up to the cent.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache

from cn285.billing_core.catalog import Customer, Item
from cn285.billing_core.charges import Charge
from cn285.billing_core.money import ZERO, Currency, round_money
from cn285.billing_core.tax import TaxRegime, TaxRules, note_for

HUNDRED = Decimal(100)
ZERO_TAX = {places: Decimal(0).scaleb(-places) for places in range(5)}  # 0.00 in each currency


@dataclass(frozen=True, slots=True)
class InvoiceLine:
    line: str
    item: str
    item_name: str
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

    @property
    def description(self) -> str:
        return describe(self.item_name, self.start, self.end, self.adjustment, self.amount)


@dataclass(frozen=True, slots=True)
class Invoice:
    customer: str
    contract: str | None  # None when the customer groups its contracts on one invoice
    date: date
    currency: Currency
    lines: tuple[InvoiceLine, ...]
    tax_regime: TaxRegime
    number: str
    total_excl_tax: Decimal  # the sum of the lines' amounts
    tax: Decimal  # the sum of the lines' taxes
    total: Decimal

    @classmethod
    def of(
        cls,
        customer: str,
        contract: str | None,
        day: date,
        currency: Currency,
        lines: tuple[InvoiceLine, ...],
        tax_regime: TaxRegime,
        number: str = "",
    ) -> Invoice:
        """An invoice whose totals are the sums of its lines."""
        excl = sum([line.amount for line in lines], ZERO)
        tax = sum([line.tax for line in lines], ZERO)
        return cls(
            customer, contract, day, currency, lines, tax_regime, number, excl, tax, excl + tax
        )

    @property
    def kind(self) -> str:
        return "credit_note" if self.total_excl_tax < 0 else "invoice"

    @property
    def note(self) -> str | None:
        return note_for(self.tax_regime)

    @property
    def contracts(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(line.contract for line in self.lines))


@lru_cache(maxsize=4096)
def _day(day: date) -> str:
    return f"{day:%d %b %Y}"


def describe(name: str, start: date, end: date, adjustment: bool, amount: Decimal) -> str:
    """The text of an invoice line: what, for which days, and why when it is a correction."""
    span = _day(start) if start == end else f"{_day(start)} – {_day(end)}"
    if adjustment:
        what = "credit" if amount < 0 else "additional charge"
        return f"{name}, {what} for changes, {span}"
    return f"{name}, {span}"


def build_invoices(
    charges: Iterable[Charge],
    customers: Mapping[str, Customer],
    items: Mapping[str, Item],
    holder_at: Callable[[str, date], str],
    tax: TaxRules | None,
) -> list[Invoice]:
    """Group charges into invoices, tax them and number them in date order."""
    groups: dict[tuple[object, ...], list[Charge]] = {}
    keys: dict[tuple[str, date, str], tuple[object, ...]] = {}
    for charge in charges:
        where = (charge.contract, charge.date, charge.currency.code)
        key = keys.get(where)
        if key is None:
            customer = customers[holder_at(charge.contract, charge.date)]
            contract = "" if customer.group_invoices else charge.contract
            key = keys[where] = (charge.date, customer.code, contract, charge.currency.code)
        group = groups.get(key)
        if group is None:
            groups[key] = [charge]
        else:
            group.append(charge)
    invoices: list[Invoice] = []
    counters = {"invoice": 0, "credit_note": 0}
    rates: dict[tuple[str, str], Decimal] = {}
    regimes: dict[str, TaxRegime] = {}
    for key in sorted(groups):
        day, customer_code, contract, _ = key
        members = groups[key]
        if len(members) > 1:
            members.sort(key=lambda c: (c.contract, c.order, c.start, c.adjustment))
        customer = customers[customer_code]  # type: ignore[index]
        regime = regimes.get(customer_code)  # type: ignore[arg-type]
        if regime is None:
            regime = regimes[customer_code] = tax.regime(customer) if tax else TaxRegime.NONE  # type: ignore[index]
        currency = members[0].currency
        lines = []
        for charge in members:
            item = items[charge.item]
            rate_key = (customer.code, item.tax_category)
            rate = rates.get(rate_key)
            if rate is None:
                rate = rates[rate_key] = tax.rate(customer, item.tax_category) if tax else ZERO
            line_tax = (
                round_money(charge.amount * rate / HUNDRED, currency)
                if rate
                else ZERO_TAX[currency.minor_units]
            )
            lines.append(
                InvoiceLine(
                    charge.line,
                    charge.item,
                    item.name,
                    charge.kind,
                    charge.start,
                    charge.end,
                    charge.amount,
                    rate,
                    line_tax,
                    charge.contract,
                    charge.quantity,
                    charge.unit_price,
                    charge.adjustment,
                )
            )
        credit = sum([line.amount for line in lines], ZERO) < 0
        kind = "credit_note" if credit else "invoice"
        counters[kind] += 1
        number = f"{'CN' if credit else 'INV'}-{counters[kind]:06d}"
        invoices.append(
            Invoice.of(customer_code, contract or None, day, currency, tuple(lines), regime, number)  # type: ignore[arg-type]
        )
    return invoices

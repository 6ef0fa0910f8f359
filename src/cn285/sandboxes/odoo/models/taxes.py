"""Tax computation of one invoice line, after Odoo's `account.tax.compute_all`.

Pure functions on `Decimal`. With `round_per_line` (the default) the base and each tax are
rounded on every line and the invoice sums rounded amounts; with `round_globally` the
line amounts keep 7 decimals (Odoo's `precision_rounding * 1e-5`) and each tax total is
rounded once on the invoice. Taxes included in the price are taken out of the line total
first, so that untaxed + taxes equals the total to the cent (ERP_APIS.md §2.6).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from ..money import ZERO, round_money, round_to

GLOBAL_DIGITS = 7
HUNDRED = Decimal(100)


class UnsupportedTax(ValueError):
    """A tax computation the sandbox does not reproduce (groups of taxes)."""


@dataclass(frozen=True)
class TaxRule:
    """What the computation needs of an `account.tax` record."""

    tax_id: int
    amount_type: str  # percent | fixed | division | group
    amount: Decimal
    price_include: bool
    account_id: int | None


@dataclass(frozen=True)
class TaxAmount:
    tax_id: int
    account_id: int | None
    base: Decimal
    amount: Decimal  # rounded per line, or kept at 7 decimals when rounding globally


@dataclass
class LineResult:
    subtotal: Decimal  # price_subtotal, rounded to the currency
    total: Decimal  # price_total, rounded to the currency
    taxes: list[TaxAmount] = field(default_factory=list)


def compute_line(
    price_unit: Decimal,
    quantity: Decimal,
    discount: Decimal,
    taxes: list[TaxRule],
    round_per_line: bool = True,
) -> LineResult:
    """Subtotal, total and tax amounts of one line."""
    if any(t.amount_type == "group" for t in taxes):
        raise UnsupportedTax("The Odoo sandbox does not compute groups of taxes.")
    digits = 2 if round_per_line else GLOBAL_DIGITS
    price = price_unit * (1 - discount / HUNDRED)
    gross = round_to(price * quantity, digits)

    included = [t for t in taxes if t.price_include]
    fixed_included = sum((t.amount * quantity for t in included if t.amount_type == "fixed"), ZERO)
    percent_included = sum((t.amount for t in included if t.amount_type == "percent"), ZERO)
    division_included = sum((t.amount for t in included if t.amount_type == "division"), ZERO)
    base = (gross - fixed_included) / (1 + percent_included / HUNDRED)
    base = base * (1 - division_included / HUNDRED)

    amounts: list[TaxAmount] = []
    for tax in taxes:
        if tax.amount_type == "fixed":
            amount = tax.amount * quantity
        elif tax.amount_type == "division":
            amount = (
                gross * tax.amount / HUNDRED
                if tax.price_include
                else base / (1 - tax.amount / HUNDRED) - base
            )
        else:
            amount = base * tax.amount / HUNDRED
        amounts.append(TaxAmount(tax.tax_id, tax.account_id, base, round_to(amount, digits)))

    if included:
        included_ids = {t.tax_id for t in included}
        taken = sum((a.amount for a in amounts if a.tax_id in included_ids), ZERO)
        subtotal = round_money(gross - taken)
        amounts = [TaxAmount(a.tax_id, a.account_id, subtotal, a.amount) for a in amounts]
    else:
        subtotal = round_money(gross)
    total = round_money(subtotal + sum((a.amount for a in amounts), ZERO))
    return LineResult(subtotal, total, amounts)

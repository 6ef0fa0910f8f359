"""A charge: one invoice line before tax, produced by rating a contract line."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from cn285.billing_core.money import Currency


class BillingError(ValueError):
    """Data that cannot be billed as it stands; the message names the place at fault."""


@dataclass(frozen=True, slots=True)
class Charge:
    line: str  # CONTRACT/LINE as declared
    item: str
    kind: str  # recurring | one_shot | usage | cascade
    date: date  # the invoice date
    start: date  # first day of service it covers
    end: date  # last day of service it covers
    amount: Decimal  # rounded to the currency's minor unit
    currency: Currency
    contract: str  # the contract the line is on for this charge
    period: tuple[object, ...]  # the service period it belongs to
    quantity: Decimal | None = None
    unit_price: Decimal | None = None
    adjustment: bool = False  # a credit or charge for a change in a period already billed
    basis_quantity: Decimal | None = None  # the period's quantity so far, for cascades
    order: int = 0  # the line's position on its contract, to order invoice lines

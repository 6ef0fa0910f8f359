"""Graduated: each unit at the price of its own tier (like income-tax brackets).

The flat fee of every tier reached (holding at least one unit) is added.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from cn285.billing_core.money import ZERO
from cn285.billing_core.pricing.base import PricingInput, Tiered, register


@register("graduated")
@dataclass(frozen=True, slots=True)
class Graduated(Tiered):
    def amount(self, given: PricingInput) -> Decimal:
        quantity = given.quantity
        total = ZERO
        lower = ZERO
        for tier in self.tiers:
            if quantity <= lower:
                break
            upper = quantity if tier.up_to is None else min(quantity, tier.up_to)
            total += (upper - lower) * tier.unit_price + tier.flat_fee
            if tier.up_to is None:
                break
            lower = tier.up_to
        return total

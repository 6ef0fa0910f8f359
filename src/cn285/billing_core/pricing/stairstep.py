"""Stairstep: the price of the tier the total falls in, whatever the exact quantity."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from cn285.billing_core.pricing.base import PricingInput, Tiered, register, tier_for


@register("stairstep")
@dataclass(frozen=True, slots=True)
class Stairstep(Tiered):
    def amount(self, given: PricingInput) -> Decimal:
        return tier_for(self.tiers, given.quantity).price

"""Volume: every unit at the unit price of the tier the total falls in, plus its flat fee."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from cn285.billing_core.pricing.base import PricingInput, Tiered, register, tier_for


@register("volume")
@dataclass(frozen=True, slots=True)
class Volume(Tiered):
    def amount(self, given: PricingInput) -> Decimal:
        tier = tier_for(self.tiers, given.quantity)
        return given.quantity * tier.unit_price + tier.flat_fee

"""Volume: every unit at the unit price of the tier the total falls in, plus its flat fee."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from cn285.billing_core.pricing.base import (
    PricingInput,
    PricingModel,
    Tier,
    check_fields,
    parse_tiers,
    register,
    tier_for,
)


@register("volume")
@dataclass(frozen=True, slots=True)
class Volume(PricingModel):
    tiers: tuple[Tier, ...]

    @classmethod
    def from_spec(cls, spec: Mapping[str, Any]) -> Volume:
        check_fields(spec, {"tiers"})
        return cls(parse_tiers(spec))

    def amount(self, given: PricingInput) -> Decimal:
        tier = tier_for(self.tiers, given.quantity)
        return given.quantity * tier.unit_price + tier.flat_fee

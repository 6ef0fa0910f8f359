"""Stairstep: the price of the tier the total falls in, whatever the exact quantity."""

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


@register("stairstep")
@dataclass(frozen=True, slots=True)
class Stairstep(PricingModel):
    tiers: tuple[Tier, ...]

    @classmethod
    def from_spec(cls, spec: Mapping[str, Any]) -> Stairstep:
        check_fields(spec, {"tiers"})
        return cls(parse_tiers(spec))

    def amount(self, given: PricingInput) -> Decimal:
        return tier_for(self.tiers, given.quantity).price

"""Per unit: unit price times the aggregated quantity."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from cn285.billing_core.pricing.base import (
    PricingInput,
    PricingModel,
    check_fields,
    decimal_field,
    register,
)


@register("per_unit")
@dataclass(frozen=True, slots=True)
class PerUnit(PricingModel):
    unit_price_: Decimal

    @classmethod
    def from_spec(cls, spec: Mapping[str, Any]) -> PerUnit:
        check_fields(spec, {"unit_price"})
        return cls(decimal_field(spec, "unit_price"))

    def amount(self, given: PricingInput) -> Decimal:
        return self.unit_price_ * given.quantity

    def unit_price(self) -> Decimal:
        return self.unit_price_

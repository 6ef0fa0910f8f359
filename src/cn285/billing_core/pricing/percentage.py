"""Percentage: rate % of another line's amount (cascades only)."""

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

HUNDRED = Decimal(100)


@register("percentage")
@dataclass(frozen=True, slots=True)
class Percentage(PricingModel):
    rate: Decimal
    needs_base_amount = True

    @classmethod
    def from_spec(cls, spec: Mapping[str, Any]) -> Percentage:
        check_fields(spec, {"rate"})
        return cls(decimal_field(spec, "rate"))

    def amount(self, given: PricingInput) -> Decimal:
        return given.base_amount * self.rate / HUNDRED

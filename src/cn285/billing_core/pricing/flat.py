"""Flat: a price per service period, times the line's quantity."""

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


@register("flat")
@dataclass(frozen=True, slots=True)
class Flat(PricingModel):
    price: Decimal

    @classmethod
    def from_spec(cls, spec: Mapping[str, Any]) -> Flat:
        check_fields(spec, {"price"})
        return cls(decimal_field(spec, "price"))

    def amount(self, given: PricingInput) -> Decimal:
        return self.price * given.quantity

    def unit_price(self) -> Decimal:
        return self.price

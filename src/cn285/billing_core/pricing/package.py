"""Package: a price per started package of `package_size` units; nothing for no unit."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal
from typing import Any

from cn285.billing_core.money import ZERO
from cn285.billing_core.pricing.base import (
    PricingInput,
    PricingModel,
    check_fields,
    decimal_field,
    register,
)


@register("package")
@dataclass(frozen=True, slots=True)
class Package(PricingModel):
    package_size: Decimal
    package_price: Decimal

    @classmethod
    def from_spec(cls, spec: Mapping[str, Any]) -> Package:
        check_fields(spec, {"package_size", "package_price"})
        return cls(
            decimal_field(spec, "package_size", positive=True),
            decimal_field(spec, "package_price"),
        )

    def packages(self, quantity: Decimal) -> Decimal:
        if quantity <= 0:
            return ZERO
        return (quantity / self.package_size).to_integral_value(rounding=ROUND_CEILING)

    def amount(self, given: PricingInput) -> Decimal:
        return self.packages(given.quantity) * self.package_price

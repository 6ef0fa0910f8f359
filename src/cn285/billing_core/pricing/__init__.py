"""Pricing models, one per module, found through a registry by their `model` name."""

from cn285.billing_core.pricing import (  # noqa: F401  (registers the models)
    flat,
    formula,
    graduated,
    package,
    per_unit,
    percentage,
    stairstep,
    volume,
)
from cn285.billing_core.pricing.base import (
    REGISTRY,
    PricingError,
    PricingInput,
    PricingModel,
    Tier,
    build_model,
)

__all__ = ["REGISTRY", "PricingError", "PricingInput", "PricingModel", "Tier", "build_model"]

"""Catalog: items, customers and price lists (prices of items in one currency)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from cn285.billing_core.money import Currency
from cn285.billing_core.pricing import PricingModel


@dataclass(frozen=True, slots=True)
class Item:
    code: str
    name: str
    tax_category: str = "standard"


@dataclass(frozen=True, slots=True)
class Customer:
    code: str
    name: str
    country: str
    vat_number: str | None = None
    group_invoices: bool = False


@dataclass(frozen=True, slots=True)
class PriceList:
    code: str
    currency: Currency
    prices: Mapping[str, PricingModel]

    def model_for(self, item: str) -> PricingModel:
        try:
            return self.prices[item]
        except KeyError:
            raise KeyError(f"item {item} has no price in price list {self.code}") from None

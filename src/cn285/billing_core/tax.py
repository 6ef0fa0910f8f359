"""VAT for a seller established in the EU.

Customer in the seller's country: the seller country's rate for the item's category.
Another EU country with a VAT number: reverse charge (0, mentioned on the invoice). Another
EU country without one: that country's rate. Outside the EU: no VAT (export).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from stdnum.eu import vat as eu_vat
from stdnum.exceptions import ValidationError

from cn285.billing_core.catalog import Customer

EU_COUNTRIES = frozenset(code.upper() for code in eu_vat.MEMBER_STATES) - {"XI"}
# VAT number prefixes that differ from the ISO country code
_VAT_PREFIX = {"GR": "EL", "GB": "XI"}

REVERSE_CHARGE_NOTE = (
    "Reverse charge: VAT to be accounted for by the customer "
    "(Article 196 of Council Directive 2006/112/EC)"
)
EXPORT_NOTE = "VAT not applicable: supply to a customer outside the EU"


class TaxError(ValueError):
    """Missing rate or invalid VAT number; the message names the field."""


class TaxRegime(StrEnum):
    NONE = "none"  # no tax rules configured
    DOMESTIC = "domestic"
    REVERSE_CHARGE = "reverse_charge"
    EU_CONSUMER = "eu_consumer"
    EXPORT = "export"


def validate_vat_number(number: str, country: str) -> str:
    """Return the compact, valid EU VAT number of a customer in `country`, or raise TaxError."""
    try:
        compact = eu_vat.validate(number)
    except ValidationError as exc:
        raise TaxError(f"{number!r} is not a valid EU VAT number ({exc})") from None
    expected = _VAT_PREFIX.get(country.upper(), country.upper())
    if not compact.startswith(expected):
        raise TaxError(f"{number!r} is not a VAT number of {country.upper()}")
    return compact


@dataclass(frozen=True, slots=True)
class TaxRules:
    seller_country: str
    rates: Mapping[str, Mapping[str, Decimal]]  # country -> tax category -> percent

    def __post_init__(self) -> None:
        if self.seller_country not in EU_COUNTRIES:
            raise TaxError(f"seller_country: {self.seller_country!r} is not an EU member state")

    def regime(self, customer: Customer) -> TaxRegime:
        country = customer.country.upper()
        if country == self.seller_country:
            return TaxRegime.DOMESTIC
        if country in EU_COUNTRIES:
            return TaxRegime.REVERSE_CHARGE if customer.vat_number else TaxRegime.EU_CONSUMER
        return TaxRegime.EXPORT

    def rate(self, customer: Customer, category: str) -> Decimal:
        """VAT rate in percent for an item of `category` sold to `customer`."""
        regime = self.regime(customer)
        if regime in (TaxRegime.REVERSE_CHARGE, TaxRegime.EXPORT):
            return Decimal(0)
        country = self.seller_country if regime is TaxRegime.DOMESTIC else customer.country.upper()
        try:
            return self.rates[country][category]
        except KeyError:
            raise TaxError(
                f"tax.rates.{country}.{category}: no VAT rate for customer {customer.code} "
                f"({regime.value}, tax category {category})"
            ) from None


def note_for(regime: TaxRegime) -> str | None:
    return {TaxRegime.REVERSE_CHARGE: REVERSE_CHARGE_NOTE, TaxRegime.EXPORT: EXPORT_NOTE}.get(
        regime
    )

from decimal import Decimal as D

import pytest

from cn285.billing_core.catalog import Customer
from cn285.billing_core.tax import TaxError, TaxRegime, TaxRules, validate_vat_number

RULES = TaxRules(
    "FR", {"FR": {"standard": D("20"), "reduced": D("5.5")}, "DE": {"standard": D("19")}}
)


def customer(country, vat=None):
    return Customer("C", "C", country, vat)


def test_domestic_customer_pays_seller_country_rate_by_category():
    assert RULES.regime(customer("FR")) is TaxRegime.DOMESTIC
    assert RULES.rate(customer("FR", "FR40303265045"), "reduced") == D("5.5")


def test_eu_business_with_vat_number_is_reverse_charged():
    c = customer("DE", "DE136695976")
    assert RULES.regime(c) is TaxRegime.REVERSE_CHARGE
    assert RULES.rate(c, "standard") == 0


def test_eu_consumer_pays_its_country_rate():
    assert RULES.regime(customer("DE")) is TaxRegime.EU_CONSUMER
    assert RULES.rate(customer("DE"), "standard") == D("19")


def test_outside_eu_is_export_without_vat():
    for country in ("US", "CH", "GB"):
        assert RULES.regime(customer(country)) is TaxRegime.EXPORT
        assert RULES.rate(customer(country), "standard") == 0


def test_missing_rate_names_the_place():
    with pytest.raises(TaxError, match=r"tax\.rates\.IT\.standard"):
        RULES.rate(customer("IT"), "standard")


def test_vat_numbers_are_validated_and_matched_to_the_country():
    assert validate_vat_number("DE 136 695 976", "DE") == "DE136695976"
    assert validate_vat_number("EL094259216", "GR") == "EL094259216"
    with pytest.raises(TaxError, match="not a valid EU VAT number"):
        validate_vat_number("DE136695977", "DE")
    with pytest.raises(TaxError, match="not a VAT number of FR"):
        validate_vat_number("DE136695976", "FR")


def test_seller_must_be_in_the_eu():
    with pytest.raises(TaxError, match="seller_country"):
        TaxRules("US", {})

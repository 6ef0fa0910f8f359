from decimal import Decimal as D

import pytest

from cn285.billing_core.pricing import PricingError, PricingInput, build_model

TIERS = [
    {"up_to": 1000, "unit_price": "0.10", "flat_fee": "5"},
    {"up_to": 5000, "unit_price": "0.08"},
    {"unit_price": "0.05", "flat_fee": "20"},
]


def price(spec, quantity="0", **kw):
    return build_model(spec).amount(PricingInput(quantity=D(quantity), **kw))


def test_flat_and_per_unit():
    assert price({"model": "flat", "price": "100.00"}, "2") == D("200.00")
    assert price({"model": "per_unit", "unit_price": "0.015"}, "1000") == D("15.000")


def test_volume_prices_every_unit_in_the_tier_reached():
    spec = {"model": "volume", "tiers": TIERS}
    assert price(spec, "1000") == D("105.00")
    assert price(spec, "1001") == D("80.08")
    assert price(spec, "6000") == D("320.00")
    assert price(spec, "0") == D("5")


def test_graduated_prices_each_unit_in_its_own_tier():
    spec = {"model": "graduated", "tiers": TIERS}
    assert price(spec, "1200") == D("100") + D("16") + D("5")
    assert price(spec, "6000") == D("100") + D("320") + D("50") + D("25")
    assert price(spec, "0") == D("0")


def test_stairstep_and_package():
    stairs = {"model": "stairstep", "tiers": [{"up_to": 10, "price": "50"}, {"price": "90"}]}
    assert price(stairs, "10") == D("50")
    assert price(stairs, "10.5") == D("90")
    package = {"model": "package", "package_size": 1000, "package_price": "25"}
    assert price(package, "0") == 0
    assert price(package, "1") == D("25")
    assert price(package, "2000") == D("50")
    assert price(package, "2001") == D("75")


def test_percentage_of_base_amount():
    assert price({"model": "percentage", "rate": "5"}, base_amount=D("116.00")) == D("5.8")


def test_formula_is_sandboxed_and_decimal():
    spec = {"model": "formula", "expression": "max(total * 0.02, 50) + ceil(count / 10)"}
    aggregates = {"total": D("3000"), "count": D("11")}
    assert price(spec, aggregates=aggregates) == D("62.00")
    assert price(
        {"model": "formula", "expression": "round(total / 3, 2)"}, aggregates={"total": D("10")}
    ) == D("3.33")
    assert price({"model": "formula", "expression": "0.1 + 0.2"}) == D("0.3")


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"model": "tiered"}, "model: unknown pricing model"),
        ({"model": "flat"}, "price: required"),
        ({"model": "flat", "price": "1", "colour": "red"}, "colour: unknown field"),
        ({"model": "flat", "price": "-1"}, "price: must be zero or more"),
        ({"model": "flat", "price": 0.1}, "floats are not accepted"),
        ({"model": "volume", "tiers": []}, "tiers: a non-empty list"),
        (
            {"model": "volume", "tiers": [{"up_to": 5, "unit_price": "1"}]},
            "tiers[0].up_to: the last tier must have no upper bound",
        ),
        (
            {"model": "volume", "tiers": [{"up_to": 5}, {"up_to": 3}, {}]},
            "tiers[1].up_to: tiers must increase",
        ),
        (
            {"model": "package", "package_size": 0, "package_price": "1"},
            "package_size: must be positive",
        ),
        ({"model": "formula", "expression": "__import__('os')"}, "unknown name"),
        ({"model": "formula", "expression": "total +"}, "expression:"),
        ({"model": "formula", "expression": "open"}, "unknown name 'open'"),
        ({"model": "formula", "expression": "'text'"}, "not a number"),
    ],
)
def test_bad_price_definitions_name_the_field(spec, message):
    with pytest.raises(PricingError) as error:
        build_model(spec)
    assert message in str(error.value)


def test_formula_division_by_zero_is_a_pricing_error_at_billing():
    model = build_model({"model": "formula", "expression": "total / (count - 1)"})
    with pytest.raises(PricingError, match="division by zero"):
        model.amount(PricingInput(quantity=D(1), aggregates={"total": D(1), "count": D(1)}))

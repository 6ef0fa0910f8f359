from decimal import Decimal

import pytest

from cn285.billing_core.money import CurrencyError, Money, currency, round_money, to_decimal


def test_round_money_half_up_to_minor_unit():
    eur = currency("EUR")
    assert round_money(Decimal("103.225"), eur) == Decimal("103.23")
    assert round_money(Decimal("-103.225"), eur) == Decimal("-103.23")
    assert round_money(Decimal("0.004999"), eur) == Decimal("0.00")


def test_currencies_have_their_minor_units():
    assert currency("JPY").minor_units == 0
    assert currency("KWD").minor_units == 3
    assert round_money(Decimal("1234.5"), currency("JPY")) == Decimal("1235")
    assert round_money(Decimal("1.2345"), currency("KWD")) == Decimal("1.235")


def test_unknown_currency_is_refused():
    with pytest.raises(CurrencyError, match="XYZ"):
        currency("XYZ")


def test_money_refuses_floats_and_mixed_currencies():
    with pytest.raises(TypeError):
        Money.of(0.1, "EUR")
    with pytest.raises(CurrencyError):
        Money.of("1", "EUR") + Money.of("1", "USD")
    assert (Money.of("1.10", "EUR") + Money.of("2.20", "EUR")).amount == Decimal("3.30")
    assert (Money.of("1.005", "EUR") * 3).rounded().amount == Decimal("3.02")


def test_to_decimal_reads_strings_and_ints_only():
    assert to_decimal("12.50") == Decimal("12.50")
    assert to_decimal(3) == Decimal(3)
    with pytest.raises(ValueError, match="not a decimal"):
        to_decimal("12,50")
    with pytest.raises(TypeError):
        to_decimal(True)

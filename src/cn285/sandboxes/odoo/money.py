"""Exact amounts for the emulated Odoo: values are `Decimal`, rounded half up like Odoo.

Odoo keeps amounts as floats and rounds them with `float_round` (half away from zero) to
each field's digits or the currency's decimal places. Doing the same on `Decimal` gives the
totals a real Odoo shows, to the cent, without binary-float surprises.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

ZERO = Decimal(0)
CURRENCY_DIGITS = 2


def to_decimal(value: object) -> Decimal:
    """Read a number sent over RPC (int, float, str or Decimal) as a `Decimal`.

    A float is read through its shortest repr, so `0.1` becomes `Decimal("0.1")`: that is
    the number the client meant, and what Odoo's rounding would keep.
    """
    if isinstance(value, bool):
        return Decimal(int(value))
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, str):
        try:
            return Decimal(value.strip())
        except InvalidOperation:
            raise ValueError(f"could not convert string to float: {value!r}") from None
    raise TypeError(f"float() argument must be a string or a number, not {type(value).__name__!r}")


def round_to(value: Decimal, digits: int) -> Decimal:
    """Round half away from zero to `digits` decimals (Odoo's `float_round`)."""
    return value.quantize(Decimal(1).scaleb(-digits), ROUND_HALF_UP)


def round_money(value: Decimal, digits: int = CURRENCY_DIGITS) -> Decimal:
    """Round an amount to the currency's decimal places (2 for EUR and USD)."""
    return round_to(value, digits)


def is_zero(value: Decimal, digits: int = CURRENCY_DIGITS) -> bool:
    """True when `value` rounds to zero in the currency (Odoo's `currency.is_zero`)."""
    return round_money(value, digits) == ZERO


def to_float(value: Decimal) -> float:
    """The float Odoo would send for an amount: exact to the digits it was rounded to."""
    return float(value)

"""Money on `Decimal`: one immutable value type and the one rounding function of the engine.

Amounts are rounded once, half up, to the currency's minor unit where an invoice line (or
its tax) is made; unit prices and intermediate amounts keep their full precision.
"""

from __future__ import annotations

import decimal
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

from iso4217 import Currency as _Iso

# Enough digits that a division such as `price × days ÷ 366` keeps every digit that can
# influence rounding to a minor unit.
CONTEXT = decimal.Context(prec=40, rounding=ROUND_HALF_UP)

ZERO = Decimal(0)


class CurrencyError(ValueError):
    """An unknown currency code or arithmetic across currencies."""


@dataclass(frozen=True, slots=True)
class Currency:
    code: str
    minor_units: int
    quantum: Decimal = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "quantum", Decimal(1).scaleb(-self.minor_units))


@lru_cache(maxsize=256)
def currency(code: str) -> Currency:
    """Return the ISO 4217 currency `code` with its minor units (EUR: 2, JPY: 0, KWD: 3)."""
    try:
        iso = _Iso(code.upper())
    except (ValueError, KeyError):
        raise CurrencyError(f"unknown currency {code!r} (expected an ISO 4217 code)") from None
    exponent = iso.exponent
    return Currency(iso.code, 0 if exponent is None else int(exponent))


def round_money(amount: Decimal, cur: Currency) -> Decimal:
    """Round `amount` half up to the minor unit of `cur`: the only rounding of money."""
    return amount.quantize(cur.quantum, ROUND_HALF_UP)


def to_decimal(value: object, what: str = "amount") -> Decimal:
    """Read a decimal from a string, int or Decimal; floats are refused (they are not exact)."""
    if isinstance(value, bool):
        raise TypeError(f"{what}: expected a decimal, got a boolean")
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, str):
        try:
            result = Decimal(value.strip())
        except decimal.InvalidOperation:
            raise ValueError(f"{what}: {value!r} is not a decimal number") from None
    elif isinstance(value, float):
        raise TypeError(f"{what}: floats are not accepted for money, use a string")
    else:
        raise TypeError(f"{what}: expected a decimal, got {type(value).__name__}")
    if not result.is_finite():
        raise ValueError(f"{what}: {value!r} is not a finite number")
    return result


@dataclass(frozen=True, slots=True)
class Money:
    """An amount in a currency. Refuses floats and arithmetic across currencies."""

    amount: Decimal
    currency: Currency

    def __post_init__(self) -> None:
        if not isinstance(self.amount, Decimal):
            object.__setattr__(self, "amount", to_decimal(self.amount))

    @classmethod
    def of(cls, amount: object, code: str) -> Money:
        return cls(to_decimal(amount), currency(code))

    def _same(self, other: Money) -> None:
        if not isinstance(other, Money):
            raise TypeError(f"cannot combine Money with {type(other).__name__}")
        if other.currency != self.currency:
            raise CurrencyError(f"cannot combine {self.currency.code} with {other.currency.code}")

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount - other.amount, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def __mul__(self, factor: Decimal | int) -> Money:
        if isinstance(factor, float):
            raise TypeError("cannot multiply Money by a float")
        return Money(self.amount * factor, self.currency)

    __rmul__ = __mul__

    def __lt__(self, other: Money) -> bool:
        self._same(other)
        return self.amount < other.amount

    def rounded(self) -> Money:
        return Money(round_money(self.amount, self.currency), self.currency)

    def __str__(self) -> str:
        return f"{self.amount} {self.currency.code}"

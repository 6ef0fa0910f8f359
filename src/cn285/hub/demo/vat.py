"""Made-up but valid EU VAT numbers, so that the demo's reverse-charge customers pass the
same checks (`python-stdnum`) as a real customer would, without using a real company's."""

from __future__ import annotations

from collections.abc import Callable
from random import Random

from stdnum import luhn
from stdnum.eu import vat as eu_vat
from stdnum.iso7064 import mod_11_10


def _digits(rng: Random, count: int, first: str = "123456789") -> str:
    return rng.choice(first) + "".join(rng.choice("0123456789") for _ in range(count - 1))


def french(rng: Random) -> str:
    """FR + key + SIREN: the SIREN ends with a Luhn digit, the key is (12 + 3 × SIREN) mod 97."""
    body = _digits(rng, 8, "3456789")
    siren = body + luhn.calc_check_digit(body)
    return f"FR{(12 + 3 * (int(siren) % 97)) % 97:02d}{siren}"


def german(rng: Random) -> str:
    """DE + 8 digits + an ISO 7064 Mod 11,10 check digit."""
    body = _digits(rng, 8)
    return f"DE{body}{mod_11_10.calc_check_digit(body)}"


def belgian(rng: Random) -> str:
    """BE + 0 + 7 digits + 97 minus the first eight digits mod 97."""
    body = "0" + _digits(rng, 7, "2345678")
    return f"BE{body}{97 - int(body) % 97:02d}"


def italian(rng: Random) -> str:
    """IT + 7 digits + a province office code (001–100) + a Luhn check digit."""
    body = _digits(rng, 7) + f"{rng.randint(1, 100):03d}"
    return f"IT{body}{luhn.calc_check_digit(body)}"


MAKERS: dict[str, Callable[[Random], str]] = {
    "FR": french,
    "DE": german,
    "BE": belgian,
    "IT": italian,
}


def vat_number(country: str, rng: Random) -> str:
    """A valid VAT number of `country`; refuses to return one python-stdnum would reject."""
    number = MAKERS[country](rng)
    if not eu_vat.is_valid(number):  # a bug in a maker above, never bad luck
        raise ValueError(f"generated an invalid VAT number {number}")
    return number

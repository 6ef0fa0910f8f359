"""Typed reading of a row's raw text in the file's dialect.

Strict on purpose: a value that could be read two ways (`1,234` in a file with decimal
points: one thousand two hundred and thirty-four, or a decimal comma typed by mistake?) is
refused with a message naming it, never guessed, since a guessed quantity is a wrong invoice.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cn285.hub.imports.model import Dialect, Row, RowError, Values

_POINT = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)", re.ASCII)
_COMMA = re.compile(r"[+-]?(?:\d+|\d{1,3}(?:[ \u00a0\u202f]\d{3})+)(?:,\d*)?|[+-]?,\d+", re.ASCII)
_INTEGER = re.compile(r"[+-]?\d+", re.ASCII)
_GROUPED_INTEGER = re.compile(r"[+-]?\d{1,3}(?:[ \u00a0\u202f]\d{3})+", re.ASCII)
_POINT_THOUSANDS = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d*)?", re.ASCII)
_COMMA_THOUSANDS = re.compile(r"[+-]?\d{1,3}(?:\.\d{3})+(?:,\d*)?", re.ASCII)
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)
_DMY_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})", re.ASCII)
_DMY_INSTANT = re.compile(
    r"(\d{1,2})/(\d{1,2})/(\d{4})[ T](\d{1,2}):(\d{2})(?::(\d{2}))?", re.ASCII
)
_GROUPING = str.maketrans("", "", " \u00a0\u202f")
_T = TypeVar("_T")
_TRUE = frozenset({"true", "yes", "1"})
_FALSE = frozenset({"false", "no", "0"})


def make_values(dialect: Dialect) -> Values:
    """The typed reader of values written in `dialect`."""
    return _Values(dialect)


class _Values:
    """Each method reads `row.values[column]`: empty is None (or RowError "required")."""

    __slots__ = ("_comma", "_dmy", "_zones")

    def __init__(self, dialect: Dialect) -> None:
        self._comma = dialect.decimal == ","
        self._dmy = dialect.date_format == "dmy"
        self._zones: dict[str, ZoneInfo] = {}

    def text(self, row: Row, column: str, *, required: bool = False) -> str | None:
        raw = row.values.get(column)
        if not raw:
            return _missing(column, required)
        return raw

    def decimal(self, row: Row, column: str, *, required: bool = False) -> Decimal | None:
        raw = row.values.get(column)
        if not raw:
            return _missing(column, required)
        if raw.isdigit() and raw.isascii():
            return Decimal(raw)  # the common case, fast
        if self._comma:
            if _COMMA.fullmatch(raw):
                return _number(raw.translate(_GROUPING).replace(",", "."), column, raw)
            if _COMMA_THOUSANDS.fullmatch(raw):
                raise RowError(column, f"{raw!r}: write numbers without thousands separators")
            if _POINT.fullmatch(raw):
                raise RowError(
                    column,
                    f"{raw!r} has a decimal point but the file uses decimal commas "
                    "(declare --decimal . if it does not)",
                )
        else:
            if _POINT.fullmatch(raw):
                return _number(raw, column, raw)
            if _POINT_THOUSANDS.fullmatch(raw):
                raise RowError(
                    column, f"{raw!r}: write numbers without thousands separators, as 1234.50"
                )
            if _COMMA.fullmatch(raw):
                raise RowError(
                    column,
                    f"{raw!r} has a decimal comma but the file uses decimal points "
                    "(declare --decimal , if it does not)",
                )
        raise RowError(column, f"{raw!r} is not a decimal number")

    def integer(self, row: Row, column: str, *, required: bool = False) -> int | None:
        raw = row.values.get(column)
        if not raw:
            return _missing(column, required)
        if raw.isascii() and _INTEGER.fullmatch(raw):
            return int(raw)
        if self._comma and _GROUPED_INTEGER.fullmatch(raw):
            return int(raw.translate(_GROUPING))
        raise RowError(column, f"{raw!r} is not a whole number")

    def boolean(self, row: Row, column: str, *, required: bool = False) -> bool | None:
        raw = row.values.get(column)
        if not raw:
            return _missing(column, required)
        word = raw.lower()
        if word in _TRUE:
            return True
        if word in _FALSE:
            return False
        raise RowError(column, f"{raw!r} is not a yes or no (true/false, yes/no, 1/0)")

    def date(self, row: Row, column: str, *, required: bool = False) -> dt.date | None:
        raw = row.values.get(column)
        if not raw:
            return _missing(column, required)
        if _ISO_DATE.fullmatch(raw):
            return _calendar(dt.date.fromisoformat, column, raw)
        found = _DMY_DATE.fullmatch(raw)
        if found is None:
            written = "YYYY-MM-DD or DD/MM/YYYY" if self._dmy else "YYYY-MM-DD"
            raise RowError(column, f"{raw!r} is not a date ({written})")
        if not self._dmy:
            raise RowError(
                column,
                f"{raw!r}: write dates as YYYY-MM-DD (or declare --date-format dmy for DD/MM/YYYY)",
            )
        day, month, year = (int(part) for part in found.groups())
        return _calendar(lambda _: dt.date(year, month, day), column, raw)

    def instant(
        self, row: Row, column: str, zone: str, *, required: bool = False
    ) -> dt.datetime | None:
        raw = row.values.get(column)
        if not raw:
            return _missing(column, required)
        try:
            moment = dt.datetime.fromisoformat(raw)
        except ValueError:
            moment = self._dmy_instant(raw, column)
        if moment.tzinfo is not None:
            return moment
        place = self._zones.get(zone)
        if place is None:
            try:
                place = self._zones[zone] = ZoneInfo(zone)
            except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: "America", too long
                raise RowError(column, f"unknown time zone {zone!r}") from None
        return moment.replace(tzinfo=place)

    def _dmy_instant(self, raw: str, column: str) -> dt.datetime:
        found = _DMY_INSTANT.fullmatch(raw) if self._dmy else None
        if found is None:
            written = "2026-01-20T10:00:00Z" + (" or 20/01/2026 10:00" if self._dmy else "")
            raise RowError(column, f"{raw!r} is not an instant such as {written}")
        day, month, year, hour, minute, second = (int(part or 0) for part in found.groups())
        return _calendar(
            lambda _: dt.datetime(year, month, day, hour, minute, second),
            column,
            raw,
            "a valid date and time",
        )


def _missing(column: str, required: bool) -> None:
    if required:
        raise RowError(column, "required")
    return None


def _calendar(
    make: Callable[[str], _T], column: str, raw: str, what: str = "a day of the calendar"
) -> _T:
    """`make(raw)`, where a ValueError means a day that is not in the calendar (31/02)."""
    try:
        return make(raw)
    except ValueError:
        raise RowError(column, f"{raw!r} is not {what}") from None


def _number(text: str, column: str, raw: str) -> Decimal:
    try:
        number = Decimal(text)
    except InvalidOperation:  # pragma: no cover - the patterns only let numbers through
        raise RowError(column, f"{raw!r} is not a decimal number") from None
    if not number.is_finite():  # pragma: no cover - idem
        raise RowError(column, f"{raw!r} is not a decimal number")
    return number

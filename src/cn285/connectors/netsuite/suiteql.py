"""Small helpers to write SuiteQL safely: quoted literals, IN lists, timestamps.

SuiteQL reads and writes dates in the integration user's time zone and date format;
`TO_TIMESTAMP`/`TO_CHAR` with an explicit format make both independent of that format.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

T = TypeVar("T")
STAMP = "YYYY-MM-DD HH24:MI:SS"
STAMP_PY = "%Y-%m-%d %H:%M:%S"
IN_LIST = 500  # values per IN (...) list: one query per sync batch, well under the size limits


def text(value: str) -> str:
    """A string literal: single quotes doubled, so a value can never end the literal."""
    return "'" + str(value).replace("'", "''") + "'"


def in_list(values: Iterable[str]) -> str:
    return "(" + ", ".join(text(v) for v in values) + ")"


def chunks(values: Sequence[T], size: int = IN_LIST) -> Iterator[Sequence[T]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def since(moment: dt.datetime, zone: ZoneInfo) -> str:
    """`lastmodifieddate >= ...` for an aware moment, in the user's time zone."""
    local = moment.astimezone(zone).strftime(STAMP_PY)
    return f"lastmodifieddate >= TO_TIMESTAMP({text(local)}, {text(STAMP)})"


def modified_column() -> str:
    return f"TO_CHAR(lastmodifieddate, {text(STAMP)}) AS modified"


def parse_modified(value: Any, zone: ZoneInfo) -> dt.datetime:
    if not value:
        return dt.datetime.min.replace(tzinfo=dt.UTC)
    local = dt.datetime.strptime(str(value)[:19], STAMP_PY).replace(tzinfo=zone)
    return local.astimezone(dt.UTC)


def number(value: Any) -> Decimal:
    """A SuiteQL number (a JSON number or a string, as accounts differ), exactly."""
    if value is None or value == "":
        return Decimal(0)
    return Decimal(str(value))


def flag(value: Any) -> bool:
    return str(value).upper() in ("T", "TRUE")

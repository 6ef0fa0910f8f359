"""JSON in and out with amounts kept as `Decimal`.

Request bodies are parsed with `parse_float=Decimal`, and responses write a `Decimal` as a
JSON number digit for digit: the standard encoder would go through `float`, and a sandbox
that rounds amounts on the wire would hide the very errors it exists to reveal.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any


class BadJson(ValueError):
    """The body is not a JSON document."""


def loads(data: bytes | str) -> Any:
    try:
        return json.loads(data, parse_float=Decimal)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BadJson(str(exc)) from None


def dumps(value: Any) -> str:
    parts: list[str] = []
    _write(value, parts)
    return "".join(parts)


def _decimal(value: Decimal) -> str:
    if not value.is_finite():
        raise ValueError(f"cannot write {value} as JSON")
    text = format(value, "f")
    return "0" if text in ("-0", "") else text


def _write(value: Any, out: list[str]) -> None:
    if value is None or isinstance(value, bool | int | str | float):
        out.append(json.dumps(value, ensure_ascii=False))
    elif isinstance(value, Decimal):
        out.append(_decimal(value))
    elif isinstance(value, dict):
        out.append("{")
        for index, (key, item) in enumerate(value.items()):
            if index:
                out.append(",")
            out.append(json.dumps(str(key), ensure_ascii=False))
            out.append(":")
            _write(item, out)
        out.append("}")
    elif isinstance(value, list | tuple):
        out.append("[")
        for index, item in enumerate(value):
            if index:
                out.append(",")
            _write(item, out)
        out.append("]")
    else:
        raise TypeError(f"cannot write {type(value).__name__} as JSON")

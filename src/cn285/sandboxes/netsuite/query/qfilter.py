"""The `q` parameter of record lists (Oracle help section_1545222128).

A condition is `field OPERATOR value`; conditions combine with `AND`, `OR` and parentheses.
Values are bare words or double-quoted strings; `ANY_OF`, `BETWEEN` and `WITHIN` take a
bracketed list (`id ANY_OF [1, 42]`). The operators allowed depend on the field's type, as in
N/query. Date literals must be written in the user's date format preference (and time format
for instants), in the user's time zone; anything else fails with NetSuite's
`Parse of date/time ...` error (airbytehq/airbyte#21871).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from cn285.sandboxes.netsuite.dates import DatePreferences
from cn285.sandboxes.netsuite.errors import (
    date_parse_failed,
    invalid_parameter,
    unknown_query_field,
)
from cn285.sandboxes.netsuite.records.fields import Field, Kind, is_value, text
from cn285.sandboxes.netsuite.records.types import RecordType

_TOKEN = re.compile(r'\s*(?:(\()|(\))|(\[)|(\])|(,)|"((?:[^"\\]|\\.)*)"|([^\s()\[\],"]+))')

TEXT_OPS = {
    "IS",
    "IS_NOT",
    "CONTAIN",
    "CONTAIN_NOT",
    "START_WITH",
    "START_WITH_NOT",
    "END_WITH",
    "END_WITH_NOT",
}
NUMBER_OPS = {
    "ANY_OF",
    "ANY_OF_NOT",
    "BETWEEN",
    "BETWEEN_NOT",
    "EQUAL",
    "EQUAL_NOT",
    "GREATER",
    "GREATER_NOT",
    "GREATER_OR_EQUAL",
    "GREATER_OR_EQUAL_NOT",
    "LESS",
    "LESS_NOT",
    "LESS_OR_EQUAL",
    "LESS_OR_EQUAL_NOT",
    "WITHIN",
    "WITHIN_NOT",
}
DATE_OPS = {
    "AFTER",
    "AFTER_NOT",
    "BEFORE",
    "BEFORE_NOT",
    "ON",
    "ON_NOT",
    "ON_OR_AFTER",
    "ON_OR_AFTER_NOT",
    "ON_OR_BEFORE",
    "ON_OR_BEFORE_NOT",
    "WITHIN",
    "WITHIN_NOT",
}
BOOL_OPS = {"IS", "IS_NOT"}
SELECT_OPS = {"ANY_OF", "ANY_OF_NOT", "IS", "IS_NOT", "EQUAL", "EQUAL_NOT"}
UNARY_OPS = {"EMPTY", "EMPTY_NOT"}
LIST_OPS = {"ANY_OF", "BETWEEN", "WITHIN"}

Predicate = Callable[[dict[str, Any]], bool]
ID_FIELD = Field("id", Kind.INTEGER)


@dataclass
class _Tokens:
    items: list[tuple[str, str]]
    position: int = 0

    def peek(self) -> tuple[str, str] | None:
        return self.items[self.position] if self.position < len(self.items) else None

    def next_kind(self) -> str | None:
        token = self.peek()
        return token[0] if token is not None else None

    def take(self) -> tuple[str, str]:
        token = self.peek()
        if token is None:
            raise _syntax("the query ends too early")
        self.position += 1
        return token


def _syntax(reason: str) -> Exception:
    return invalid_parameter(f"Invalid search query: {reason}.", query_param="q")


def tokenize(q: str) -> list[tuple[str, str]]:
    tokens = []
    position = 0
    q = q.rstrip()
    while position < len(q):
        match = _TOKEN.match(q, position)
        if match is None or match.end() == position:
            raise _syntax(f"unexpected text at {q[position:]!r}")
        position = match.end()
        kinds = ("(", ")", "[", "]", ",", "string", "word")
        for kind, value in zip(kinds, match.groups(), strict=True):
            if value is not None:
                if kind == "string":
                    value = re.sub(r"\\(.)", r"\1", value)
                tokens.append((kind, value))
                break
    return tokens


def compile_filter(q: str, rtype: RecordType, prefs: DatePreferences) -> Predicate:
    tokens = _Tokens(tokenize(q))
    if not tokens.items:
        return lambda record: True
    predicate = _parse_or(tokens, rtype, prefs)
    leftover = tokens.peek()
    if leftover is not None:
        raise _syntax(f"unexpected {leftover[1]!r}")
    return predicate


def _parse_or(tokens: _Tokens, rtype: RecordType, prefs: DatePreferences) -> Predicate:
    parts = [_parse_and(tokens, rtype, prefs)]
    while _is_word(tokens.peek(), "OR"):
        tokens.take()
        parts.append(_parse_and(tokens, rtype, prefs))
    return parts[0] if len(parts) == 1 else (lambda r: any(p(r) for p in parts))


def _parse_and(tokens: _Tokens, rtype: RecordType, prefs: DatePreferences) -> Predicate:
    parts = [_parse_factor(tokens, rtype, prefs)]
    while _is_word(tokens.peek(), "AND"):
        tokens.take()
        parts.append(_parse_factor(tokens, rtype, prefs))
    return parts[0] if len(parts) == 1 else (lambda r: all(p(r) for p in parts))


def _is_word(token: tuple[str, str] | None, word: str) -> bool:
    return token is not None and token[0] == "word" and token[1].upper() == word


def _parse_factor(tokens: _Tokens, rtype: RecordType, prefs: DatePreferences) -> Predicate:
    kind, value = tokens.take()
    if kind == "(":
        inner = _parse_or(tokens, rtype, prefs)
        if tokens.take()[0] != ")":
            raise _syntax("a parenthesis is not closed")
        return inner
    if kind != "word":
        raise _syntax(f"a field name was expected, not {value!r}")
    field = _field(rtype, value)
    operator_kind, operator = tokens.take()
    operator = operator.upper()
    if operator_kind != "word":
        raise _syntax(f"an operator was expected after {value}")
    allowed = _operators(field) | UNARY_OPS
    if operator not in allowed:
        raise invalid_parameter(
            f"Invalid search query: the operator {operator} cannot be used on the field "
            f"{field.name}.",
            query_param="q",
        )
    if operator in UNARY_OPS:
        wanted = operator == "EMPTY"
        return lambda r: (not is_value(r.get(field.name))) == wanted
    values = _values(tokens, operator)
    return _condition(field, operator, values, prefs)


def _field(rtype: RecordType, name: str) -> Field:
    if name.lower() == "id":
        return ID_FIELD
    field = rtype.field(name)
    if field is None:
        if rtype.custom_prefix and name.lower().startswith(rtype.custom_prefix):
            return text(name.lower())
        raise unknown_query_field(name)
    if field.kind in (Kind.SUBLIST, Kind.OBJECT):
        raise invalid_parameter(
            f"Invalid search query: the field {field.name} cannot be searched.", query_param="q"
        )
    return field


def _operators(field: Field) -> set[str]:
    return {
        Kind.TEXT: TEXT_OPS,
        Kind.NUMBER: NUMBER_OPS,
        Kind.INTEGER: NUMBER_OPS,
        Kind.BOOL: BOOL_OPS,
        Kind.DATE: DATE_OPS,
        Kind.DATETIME: DATE_OPS,
        Kind.REF: SELECT_OPS,
        Kind.ENUM: SELECT_OPS,
    }.get(field.kind, set())


def _values(tokens: _Tokens, operator: str) -> list[str]:
    base = operator.removesuffix("_NOT")
    if tokens.next_kind() == "[":
        tokens.take()
        values = []
        while True:
            kind, value = tokens.take()
            if kind == "]":
                break
            if kind == ",":
                continue
            if kind not in ("word", "string"):
                raise _syntax(f"unexpected {value!r} in a list")
            values.append(value)
    elif base in ("BETWEEN", "WITHIN"):
        values = [_scalar(tokens), _scalar(tokens)]
    else:
        values = [_scalar(tokens)]
        while base == "ANY_OF" and tokens.next_kind() == ",":
            tokens.take()
            values.append(_scalar(tokens))
    if base in ("BETWEEN", "WITHIN") and len(values) != 2:
        raise _syntax(f"{operator} takes two values")
    if not values or (base not in LIST_OPS and len(values) != 1):
        raise _syntax(f"{operator} takes one value")
    return values


def _scalar(tokens: _Tokens) -> str:
    kind, value = tokens.take()
    if kind not in ("word", "string"):
        raise _syntax(f"a value was expected, not {value!r}")
    return value


def _condition(field: Field, operator: str, values: list[str], prefs: DatePreferences) -> Predicate:
    negate = operator.endswith("_NOT")
    base = operator.removesuffix("_NOT")
    test = _TESTS[field.kind](field, base, values, prefs)
    name = field.name

    def predicate(record: dict[str, Any]) -> bool:
        value = record.get(name)
        if not is_value(value):
            return negate
        return test(value) != negate

    return predicate


def _text_test(field: Field, base: str, values: list[str], prefs: DatePreferences) -> Any:
    wanted = values[0].lower()
    return {
        "IS": lambda v: str(v).lower() == wanted,
        "CONTAIN": lambda v: wanted in str(v).lower(),
        "START_WITH": lambda v: str(v).lower().startswith(wanted),
        "END_WITH": lambda v: str(v).lower().endswith(wanted),
    }[base]


def _number(raw: str) -> Decimal:
    try:
        return Decimal(raw)
    except InvalidOperation:
        raise invalid_parameter(
            f"Invalid search query: {raw!r} is not a number.", query_param="q"
        ) from None


def _number_test(field: Field, base: str, values: list[str], prefs: DatePreferences) -> Any:
    numbers = [_number(v) for v in values]
    first = numbers[0]
    tests = {
        "ANY_OF": lambda v: v in numbers,
        "EQUAL": lambda v: v == first,
        "GREATER": lambda v: v > first,
        "GREATER_OR_EQUAL": lambda v: v >= first,
        "LESS": lambda v: v < first,
        "LESS_OR_EQUAL": lambda v: v <= first,
        "BETWEEN": lambda v: numbers[0] <= v <= numbers[-1],
        "WITHIN": lambda v: numbers[0] <= v <= numbers[-1],
    }
    test = tests[base]
    return lambda v: test(Decimal(v))


def _bool_test(field: Field, base: str, values: list[str], prefs: DatePreferences) -> Any:
    raw = values[0].lower()
    if raw not in ("true", "false", "t", "f"):
        raise invalid_parameter(
            f"Invalid search query: {values[0]!r} is not a boolean.", query_param="q"
        )
    wanted = raw in ("true", "t")
    return lambda v: bool(v) == wanted


def _select_test(field: Field, base: str, values: list[str], prefs: DatePreferences) -> Any:
    wanted = {v.strip() for v in values}
    if field.kind is Kind.ENUM:
        return lambda v: v in wanted
    return lambda v: str(v.get("id")) in wanted


def _interval(raw: str, prefs: DatePreferences) -> tuple[datetime, datetime]:
    """The instants a literal covers: a whole day for a date, a minute for a time."""
    try:
        parsed = prefs.parse(raw)
    except ValueError:
        pattern = f"{prefs.date_format} {prefs.time_format}"
        raise date_parse_failed(raw, pattern, prefs.timezone) from None
    if isinstance(parsed, datetime):
        return parsed, parsed + timedelta(minutes=1)
    return prefs.day_start(parsed), prefs.day_end(parsed)


def _date_test(field: Field, base: str, values: list[str], prefs: DatePreferences) -> Any:
    intervals = [_interval(v, prefs) for v in values]
    low, high = intervals[0]

    def point(value: date | datetime) -> datetime:
        return value if isinstance(value, datetime) else prefs.day_start(value)

    tests = {
        "AFTER": lambda v: v >= high,
        "BEFORE": lambda v: v < low,
        "ON": lambda v: low <= v < high,
        "ON_OR_AFTER": lambda v: v >= low,
        "ON_OR_BEFORE": lambda v: v < high,
        "WITHIN": lambda v: intervals[0][0] <= v < intervals[-1][1],
    }
    test = tests[base]
    return lambda v: test(point(v))


_TESTS = {
    Kind.TEXT: _text_test,
    Kind.NUMBER: _number_test,
    Kind.INTEGER: _number_test,
    Kind.BOOL: _bool_test,
    Kind.DATE: _date_test,
    Kind.DATETIME: _date_test,
    Kind.REF: _select_test,
    Kind.ENUM: _select_test,
}

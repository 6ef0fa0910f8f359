"""Running a parsed SuiteQL query over the sandbox's tables.

SQL semantics where they matter to a client: three-valued logic (a comparison with NULL is
unknown, and unknown rows are filtered out), NULLs sorted last ascending and first
descending (Oracle), `LIKE` with `%` and `_`, case-sensitive text comparison.

Dates: a string compared with a date column is read in the user's date format (as the
account's session would), `TO_DATE`/`TO_TIMESTAMP` read Oracle format models in the user's
time zone (airbytehq/airbyte PR#32968 writes `TO_TIMESTAMP('2024-01-15 10:00:00',
'YYYY-MM-DD HH24:MI:SS')`), and date columns are shown in the user's date format, without
the time: use `TO_CHAR(lastmodifieddate, 'YYYY-MM-DD HH24:MI:SS')` to read the time.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from cn285.sandboxes.netsuite import dates
from cn285.sandboxes.netsuite.dates import DatePreferences
from cn285.sandboxes.netsuite.query import parser as ast
from cn285.sandboxes.netsuite.query.lexer import search_error
from cn285.sandboxes.netsuite.query.narrow import narrow
from cn285.sandboxes.netsuite.query.tables import DISPLAY, TABLES, Ident, Row, Table
from cn285.sandboxes.netsuite.records.store import RecordStore


@dataclass(frozen=True)
class Result:
    columns: tuple[str, ...]
    rows: list[dict[str, Any]]  # formatted for the response, NULL columns left out
    total: int = 0  # rows the query selects, before the page window


class _Context:
    def __init__(self, query: ast.Query, table: Table, prefs: DatePreferences, now: datetime):
        self.query = query
        self.table = table
        self.prefs = prefs
        self.now = now
        self.names = {table.name, (query.alias or "").lower()} - {""}
        self.in_sets: dict[int, tuple[set[str] | None, set[Decimal] | None, bool]] = {}

    def column(self, column: ast.Column, row: Row) -> Any:
        if column.qualifier is not None and column.qualifier.lower() not in self.names:
            raise search_error(f"Search error occurred: Record '{column.qualifier}' was not found.")
        name = column.name.lower()
        if name not in row and name not in self.table.columns:
            raise search_error(
                f"Search error occurred: Field '{column.name}' for record "
                f"'{self.table.name}' was not found."
            )
        return row.get(name)


def run(
    text: str,
    store: RecordStore,
    prefs: DatePreferences,
    window: Callable[[int], tuple[int, int]] | None = None,
) -> Result:
    """The query's rows; with `window` (total -> start, end), only that page is formatted."""
    query = ast.parse(text)
    table = TABLES.get(query.table.lower())
    if table is None:
        raise search_error(f"Search error occurred: Record '{query.table}' was not found.")
    context = _Context(query, table, prefs, store.now())
    with store.lock:  # a consistent view, taken in a blink; rows are built outside the lock
        view = store.snapshot()
    narrow(view, table.types, query.where, context.names, table.fields)
    rows = list(table.rows(view))
    if query.where is not None:
        _truth(query.where, dict.fromkeys(table.columns), context)  # unknown fields fail
        rows = [row for row in rows if _truth(query.where, row, context) is True]
    columns, projections = _projections(query, context, rows)
    if query.order:
        rows = _sorted(rows, query, context, columns, projections)
    if query.top is not None:
        rows = rows[: query.top]
    total = len(rows)
    if window is not None:
        start, end = window(total)
        rows = rows[start:end]
    formatted = []
    for row in rows:
        item: dict[str, Any] = {}
        for name, project in zip(columns, projections, strict=True):
            value = _output(project(row), prefs)
            if value is not None:
                item[name] = value
        formatted.append(item)
    return Result(columns, formatted, total)


# -- projection ----------------------------------------------------------------------------


def _projections(
    query: ast.Query, context: _Context, rows: list[Row]
) -> tuple[tuple[str, ...], list[Callable[[Row], Any]]]:
    names: list[str] = []
    projections: list[Callable[[Row], Any]] = []
    unnamed = 0
    for item in query.items:
        if item.expr is None:
            custom = sorted(
                {
                    k
                    for row in rows
                    for k in row
                    if k not in context.table.columns and not k.startswith(DISPLAY)
                }
            )
            for column in (*context.table.columns, *custom):
                names.append(column)
                projections.append(functools.partial(_get, column))
            continue
        if item.alias is not None:
            name = item.alias.lower()
        elif isinstance(item.expr, ast.Column):
            name = item.expr.name.lower()
        else:
            unnamed += 1
            name = f"expr{unnamed}"
        names.append(name)
        projections.append(functools.partial(_evaluate, item.expr, context=context))
    if rows:  # unknown columns fail even when no row would show them
        for project in projections:
            project(rows[0])
    else:
        empty = dict.fromkeys(context.table.columns)
        for project in projections:
            project(empty)
    return tuple(names), projections


def _get(column: str, row: Row) -> Any:
    return row.get(column)


def _output(value: Any, prefs: DatePreferences) -> Any:
    if isinstance(value, Ident):
        return str(value)
    if isinstance(value, datetime | date):
        return prefs.format_date(value)
    if isinstance(value, bool):
        return "T" if value else "F"
    return value


# -- expressions ---------------------------------------------------------------------------


def _evaluate(expr: ast.Expr, row: Row, context: _Context) -> Any:
    if isinstance(expr, ast.Literal):
        return expr.value
    if isinstance(expr, ast.Column):
        return context.column(expr, row)
    if isinstance(expr, ast.Concat):
        parts = [_evaluate(p, row, context) for p in expr.parts]
        return "".join(_text(p, context) for p in parts if p is not None)
    return _call(expr, row, context)


def _text(value: Any, context: _Context) -> str:
    return str(_output(value, context.prefs))


def _call(call: ast.Call, row: Row, context: _Context) -> Any:
    name, args = call.name, call.args
    if name == "SYSDATE":
        return context.now
    if name == "CURRENT_DATE":
        return context.now.astimezone(context.prefs.zone).date()
    if name == "BUILTIN.DF":
        if len(args) != 1 or not isinstance(args[0], ast.Column):
            raise search_error("Search error occurred: BUILTIN.DF takes one column.")
        value = context.column(args[0], row)
        return row.get(DISPLAY + args[0].name.lower(), value)
    values = [_evaluate(a, row, context) for a in args]
    if name in ("TO_DATE", "TO_TIMESTAMP"):
        return _to_date(name, values, context)
    if name == "TO_CHAR":
        return _to_char(values, context)
    if name in ("UPPER", "LOWER") and len(values) == 1:
        value = values[0]
        if value is None:
            return None
        return str(value).upper() if name == "UPPER" else str(value).lower()
    if name in ("NVL", "COALESCE") and values:
        return next((v for v in values if v is not None), None)
    raise search_error(f"Search error occurred: Unknown function {name}.")


def _to_date(name: str, values: list[Any], context: _Context) -> Any:
    if len(values) not in (1, 2) or not isinstance(values[0], str):
        raise search_error(f"Search error occurred: {name} takes a string and a format.")
    model = values[1] if len(values) == 2 else "YYYY-MM-DD HH24:MI:SS"
    try:
        tokens = dates.oracle_tokens(model)
        naive = dates.parse_tokens(values[0], tokens)
    except ValueError as exc:
        raise search_error(
            f"Search error occurred: {name}('{values[0]}', '{model}'): {exc}."
        ) from None
    if name == "TO_DATE" and not dates.has_time(tokens):
        return naive.date()
    return context.prefs.localize(naive)


def _to_char(values: list[Any], context: _Context) -> Any:
    if not values or values[0] is None:
        return None
    value = values[0]
    if len(values) == 1:
        return _text(value, context)
    try:
        tokens = dates.oracle_tokens(values[1])
    except ValueError as exc:
        raise search_error(f"Search error occurred: TO_CHAR format: {exc}.") from None
    if isinstance(value, datetime):
        return dates.format_tokens(value.astimezone(context.prefs.zone), tokens)
    if isinstance(value, date):
        return dates.format_tokens(datetime(value.year, value.month, value.day), tokens)
    return _text(value, context)


# -- conditions (three-valued) -------------------------------------------------------------


def _truth(cond: ast.Cond, row: Row, context: _Context) -> bool | None:
    if isinstance(cond, ast.BoolOp):
        results = [_truth(p, row, context) for p in cond.parts]
        if cond.op == "AND":
            if False in results:
                return False
            return None if None in results else True
        if True in results:
            return True
        return None if None in results else False
    if isinstance(cond, ast.Not):
        inner = _truth(cond.part, row, context)
        return None if inner is None else not inner
    if isinstance(cond, ast.IsNull):
        is_null = _evaluate(cond.operand, row, context) is None
        return is_null != cond.negated
    if isinstance(cond, ast.Compare):
        left = _evaluate(cond.left, row, context)
        right = _evaluate(cond.right, row, context)
        return _compare(cond.op, left, right, context)
    if isinstance(cond, ast.Like):
        value = _evaluate(cond.operand, row, context)
        pattern = _evaluate(cond.pattern, row, context)
        if value is None or pattern is None:
            return None
        matched = _like(str(pattern)).fullmatch(_text(value, context)) is not None
        return matched != cond.negated
    if isinstance(cond, ast.InList):
        value = _evaluate(cond.operand, row, context)
        fast = _literal_membership(cond, value, context)
        if fast is not None or value is None:
            return None if fast is None else fast != cond.negated
        results = [_compare("=", value, _evaluate(i, row, context), context) for i in cond.items]
        found: bool | None = True if True in results else (None if None in results else False)
        return None if found is None else found != cond.negated
    value = _evaluate(cond.operand, row, context)
    low = _compare(">=", value, _evaluate(cond.low, row, context), context)
    high = _compare("<=", value, _evaluate(cond.high, row, context), context)
    if low is None or high is None:
        return None
    return (low and high) != cond.negated


def _literal_membership(cond: ast.InList, value: Any, context: _Context) -> bool | None:
    """`value IN ('a', 'b', ...)` by set look-up when every item is a literal: the same
    answer as comparing item by item (text with text, numbers as numbers), in one step
    instead of one comparison per item and row. None: not decidable this way."""
    if value is None or isinstance(value, bool | date | datetime):
        return None
    sets = context.in_sets.get(id(cond))
    if sets is None:
        if not all(isinstance(i, ast.Literal) for i in cond.items):
            return None
        literals = [i.value for i in cond.items if i.value is not None]  # type: ignore[attr-defined]
        numbers: set[Decimal] | None = set()
        for literal in literals:
            try:
                numbers.add(Decimal(str(literal).strip()))  # type: ignore[union-attr]
            except InvalidOperation:
                numbers = None
                break
        has_null = len(literals) < len(cond.items)
        if any(not isinstance(lit, str | int | Decimal) for lit in literals):
            return None
        sets = ({str(lit) for lit in literals if isinstance(lit, str)}, numbers, has_null)
        if any(not isinstance(lit, str) for lit in literals):
            sets = (None, numbers, has_null)  # numbers among the items: compare as numbers
        context.in_sets[id(cond)] = sets
    strings, numbers, has_null = sets
    if isinstance(value, int | Decimal):
        if numbers is None:
            return None
        found = Decimal(value) in numbers
    elif isinstance(value, str) and strings is not None:
        found = value in strings
    else:
        return None
    return True if found else (None if has_null else False)


@functools.lru_cache(maxsize=256)
def _like(pattern: str) -> re.Pattern[str]:
    parts = []
    for char in pattern:
        parts.append(".*" if char == "%" else "." if char == "_" else re.escape(char))
    return re.compile("".join(parts), re.DOTALL)


_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "=": lambda a, b: a == b,
    "<>": lambda a, b: a != b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}


def _compare(op: str, left: Any, right: Any, context: _Context) -> bool | None:
    if left is None or right is None:
        return None
    left, right = _comparable(left, right, context)
    try:
        return _OPS[op](left, right)
    except TypeError:
        raise search_error(
            f"Search error occurred: cannot compare {left!r} with {right!r}."
        ) from None


def _comparable(left: Any, right: Any, context: _Context) -> tuple[Any, Any]:
    """Bring two values to one type, as Oracle's implicit conversions do."""
    if isinstance(left, date | datetime) or isinstance(right, date | datetime):
        return _instant(left, context), _instant(right, context)
    numeric = (int, Decimal)
    if isinstance(left, numeric) and not isinstance(left, bool):
        return Decimal(left), _number(right)
    if isinstance(right, numeric) and not isinstance(right, bool):
        return _number(left), Decimal(right)
    return left, right


def _number(value: Any) -> Decimal:
    try:
        return Decimal(str(value).strip())
    except InvalidOperation:
        raise search_error(f"Search error occurred: invalid number {value!r}.") from None


def _instant(value: Any, context: _Context) -> datetime:
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return context.prefs.day_start(value)
    if isinstance(value, str):
        try:
            parsed = context.prefs.parse(value)
        except ValueError:
            raise search_error(
                f"Search error occurred: the date '{value}' does not match the date format "
                f"{context.prefs.date_format}."
            ) from None
        return parsed if isinstance(parsed, datetime) else context.prefs.day_start(parsed)
    raise search_error(f"Search error occurred: {value!r} is not a date.")


# -- ordering ------------------------------------------------------------------------------


def _sorted(
    rows: list[Row],
    query: ast.Query,
    context: _Context,
    columns: tuple[str, ...],
    projections: list[Callable[[Row], Any]],
) -> list[Row]:
    keys: list[tuple[Callable[[Row], Any], ast.OrderItem]] = []
    for item in query.order:
        expr = item.expr
        if isinstance(expr, ast.Literal) and isinstance(expr.value, int):
            if not 1 <= expr.value <= len(columns):
                raise search_error("Search error occurred: ORDER BY position out of range.")
            keys.append((projections[expr.value - 1], item))
        elif (
            isinstance(expr, ast.Column)
            and expr.qualifier is None
            and expr.name.lower() in columns
            and expr.name.lower() not in context.table.columns
        ):
            keys.append((projections[columns.index(expr.name.lower())], item))
        else:
            keys.append((functools.partial(_evaluate, expr, context=context), item))
    decorated = [(row, [key(row) for key, _ in keys]) for row in rows]

    def compare(a: tuple[Row, list[Any]], b: tuple[Row, list[Any]]) -> int:
        for (_, item), x, y in zip(keys, a[1], b[1], strict=True):
            if x is None and y is None:
                continue
            if x is None:
                return -1 if item.nulls_first else 1
            if y is None:
                return 1 if item.nulls_first else -1
            x, y = _comparable(x, y, context)
            if x == y:
                continue
            result = -1 if x < y else 1
            return -result if item.descending else result
        return 0

    decorated.sort(key=functools.cmp_to_key(compare))
    return [row for row, _ in decorated]

"""Index-like narrowing of a query's rows before they are built.

NetSuite answers `WHERE externalid IN (...)` or `WHERE id > 5000` from indexes; building
every row of a 20,000-row table for each such query would make the sandbox slower than the
service it stands for, and slow every other request down with it. When the WHERE clause is
a conjunction with such a term on the table's own `id` or `externalid`, only the records
that can satisfy it are kept; the whole WHERE is still evaluated on them afterwards, so the
answer is unchanged.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal, InvalidOperation

from cn285.sandboxes.netsuite.query import parser as ast
from cn285.sandboxes.netsuite.records.store import Record, RecordStore

Keep = Callable[[Record], bool]
_RANGE = {
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
}
_FLIP = {">": "<", ">=": "<=", "<": ">", "<=": ">=", "=": "="}


def narrow(
    view: RecordStore, types: tuple[str, ...], where: ast.Cond | None, names: set[str]
) -> None:
    """Drop from `view` the records of `types` that no row satisfying `where` can come
    from (`names`: the table's name and alias, for qualified columns)."""
    if where is None or not types:
        return
    tests = [t for t in (_term(c, names) for c in _conjuncts(where)) if t is not None]
    if not tests:
        return
    for type_name in types:
        table = view.records[type_name]
        view.records[type_name] = {
            key: record for key, record in table.items() if all(test(record) for test in tests)
        }


def _conjuncts(cond: ast.Cond) -> list[ast.Cond]:
    if isinstance(cond, ast.BoolOp) and cond.op == "AND":
        return [part for p in cond.parts for part in _conjuncts(p)]
    return [cond]


def _column(expr: object, names: set[str]) -> str | None:
    if not isinstance(expr, ast.Column):
        return None
    if expr.qualifier is not None and expr.qualifier.lower() not in names:
        return None
    name = expr.name.lower()
    return name if name in ("id", "externalid") else None


def _number(value: object) -> Decimal | None:
    try:
        return Decimal(str(value).strip())
    except InvalidOperation:
        return None


def _term(cond: ast.Cond, names: set[str]) -> Keep | None:
    if isinstance(cond, ast.InList) and not cond.negated:
        column = _column(cond.operand, names)
        if column is None or not all(isinstance(i, ast.Literal) for i in cond.items):
            return None
        values = [i.value for i in cond.items if i.value is not None]  # type: ignore[attr-defined]
        return _membership(column, values)
    if isinstance(cond, ast.Compare) and cond.op in _FLIP:
        column, literal, op = _column(cond.left, names), cond.right, cond.op
        if column is None:
            column, literal, op = _column(cond.right, names), cond.left, _FLIP[cond.op]
        if column is None or not isinstance(literal, ast.Literal) or literal.value is None:
            return None
        if op == "=":
            return _membership(column, [literal.value])
        bound = _number(literal.value)
        if column != "id" or bound is None:
            return None
        compare = _RANGE[op]
        return lambda record: (
            str(record.get("id", "")).isdigit() and compare(Decimal(record["id"]), bound)
        )
    return None


def _membership(column: str, values: list[object]) -> Keep | None:
    if column == "externalid":
        if not all(isinstance(v, str) for v in values):
            return None  # numbers against text: left to the full comparison
        wanted = set(values)
        return lambda record: record.get("externalId") in wanted
    numbers = [_number(v) for v in values]
    if any(n is None for n in numbers):
        return None  # a non-numeric id literal: the full comparison reports it
    ids = {str(n) for n in numbers if n is not None and n == n.to_integral_value()}
    ids = {str(int(Decimal(i))) for i in ids}
    return lambda record: record.get("id") in ids

"""Index-like narrowing of a query's rows before they are built.

NetSuite answers `WHERE externalid IN (...)` or `WHERE id > 5000` from indexes; building
every row of a 20,000-row table for each such query would make the sandbox slower than the
service it stands for, and slow every other request down with it. When the WHERE clause
holds, at its top level or under AND, a term on a column that shows a record field as it
is (`id`, `externalid`, and per table `entityid`, `itemid`…) compared with literals — or an
OR of such terms — only the records that can satisfy it are kept. The whole WHERE is still
evaluated on them afterwards, so the answer is unchanged; only its cost is.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
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


@dataclass(frozen=True)
class Columns:
    names: set[str]  # the table's name and alias, for qualified columns
    fields: Mapping[str, str]  # column -> record field it shows as it is

    def field(self, expr: object) -> str | None:
        if not isinstance(expr, ast.Column):
            return None
        if expr.qualifier is not None and expr.qualifier.lower() not in self.names:
            return None
        return self.fields.get(expr.name.lower())


def narrow(
    view: RecordStore,
    types: tuple[str, ...],
    where: ast.Cond | None,
    names: set[str],
    fields: Mapping[str, str],
) -> None:
    """Drop from `view` the records of `types` that no row satisfying `where` can come from."""
    if where is None or not types:
        return
    test = _term(where, Columns(names, {"id": "id", "externalid": "externalId", **fields}))
    if test is None:
        return
    for type_name in types:
        table = view.records[type_name]
        view.records[type_name] = {key: r for key, r in table.items() if test(r)}


def _term(cond: ast.Cond, columns: Columns) -> Keep | None:
    if isinstance(cond, ast.BoolOp) and cond.op == "AND":  # any narrowable part narrows
        parts = [t for t in (_term(part, columns) for part in cond.parts) if t is not None]
        return (lambda record: all(test(record) for test in parts)) if parts else None
    if isinstance(cond, ast.BoolOp) and cond.op == "OR":  # only if every part does
        tests = [_term(part, columns) for part in cond.parts]
        if any(test is None for test in tests):
            return None
        return lambda record: any(test(record) for test in tests)  # type: ignore[misc]
    if isinstance(cond, ast.InList) and not cond.negated:
        field = columns.field(cond.operand)
        if field is None or not all(isinstance(i, ast.Literal) for i in cond.items):
            return None
        values = [i.value for i in cond.items if i.value is not None]  # type: ignore[attr-defined]
        return _membership(field, values)
    if isinstance(cond, ast.Compare) and cond.op in _FLIP:
        field, literal, op = columns.field(cond.left), cond.right, cond.op
        if field is None:
            field, literal, op = columns.field(cond.right), cond.left, _FLIP[cond.op]
        if field is None or not isinstance(literal, ast.Literal) or literal.value is None:
            return None
        if op == "=":
            return _membership(field, [literal.value])
        bound = _number(literal.value)
        if field != "id" or bound is None:
            return None
        compare = _RANGE[op]
        return lambda record: (
            str(record.get("id", "")).isdigit() and compare(Decimal(record["id"]), bound)
        )
    return None


def _number(value: object) -> Decimal | None:
    try:
        return Decimal(str(value).strip())
    except InvalidOperation:
        return None


def _membership(field: str, values: list[object]) -> Keep | None:
    if field != "id":  # a text field shown as it is
        if not all(isinstance(v, str) for v in values):
            return None  # numbers against text: left to the full comparison
        wanted = set(values)
        return lambda record: record.get(field) in wanted
    numbers = [_number(v) for v in values]
    if any(n is None for n in numbers):
        return None  # a non-numeric id literal: the full comparison reports it
    ids = {str(int(n)) for n in numbers if n is not None and n == n.to_integral_value()}
    return lambda record: record.get("id") in ids

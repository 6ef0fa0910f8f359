"""Odoo's domain language: prefix `&`, `|`, `!` over `(field, operator, value)` leaves.

A domain is compiled once per search against a model, the way Odoo's `expression.py`
turns it into SQL: negations are pushed down to the leaves (so `!` of `=` behaves as `!=`,
NULL included), dotted paths and name matches on relational fields become id sets
computed by a sub-search on the comodel, `child_of`/`parent_of` walk `_parent_name`. The
compiled tree is then evaluated on each record with SQL's NULL semantics.
Reference: odoo/documentation content/developer/reference/backend/orm.rst (Domains).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from .fields import (
    Boolean,
    Date,
    Datetime,
    Field,
    Float,
    Integer,
    Many2many,
    Many2one,
    One2many,
)
from .money import to_decimal

if TYPE_CHECKING:
    from .orm import BaseModel

NOT_OPERATOR, AND_OPERATOR, OR_OPERATOR = "!", "&", "|"
TERM_OPERATORS = frozenset(
    {
        "=",
        "!=",
        "<=",
        "<",
        ">",
        ">=",
        "=?",
        "=like",
        "=ilike",
        "like",
        "not like",
        "ilike",
        "not ilike",
        "in",
        "not in",
        "child_of",
        "parent_of",
        "any",
        "not any",
    }
)
NEGATIONS = {
    "<": ">=",
    ">": "<=",
    "<=": ">",
    ">=": "<",
    "=": "!=",
    "!=": "=",
    "in": "not in",
    "not in": "in",
    "like": "not like",
    "not like": "like",
    "ilike": "not ilike",
    "not ilike": "ilike",
    "any": "not any",
    "not any": "any",
}
NEGATIVE = frozenset({"!=", "not like", "not ilike", "not in"})
RELATIONAL_ANY = frozenset({"any", "not any"})
ANY_SINCE = 17


@dataclass
class Leaf:
    """A compiled condition on one field of the model (paths already resolved)."""

    field: Field | None  # None for `id`
    operator: str
    value: Any


@dataclass
class Const:
    value: bool


@dataclass
class Not:
    child: Node


@dataclass
class Bool:
    operator: str  # "&" or "|"
    left: Node
    right: Node


Node = Leaf | Const | Not | Bool


def _is_leaf(element: Any) -> bool:
    return isinstance(element, list | tuple) and len(element) == 3


def _leaf_text(element: Sequence[Any]) -> str:
    return repr(tuple(element))


def normalize(domain: Any) -> list[Any]:
    """Check the domain's shape and make the implicit `&` explicit (Odoo's `normalize_domain`)."""
    if not domain:
        return []
    if not isinstance(domain, list | tuple):
        raise ValueError(f"Invalid domain {domain!r}: a domain is a list")
    result: list[Any] = []
    expected = 1
    for element in domain:
        if expected == 0:
            result[0:0] = [AND_OPERATOR]
            expected = 1
        if isinstance(element, list | tuple):
            if not _is_leaf(element):
                raise ValueError(f"Invalid leaf {element!r}")
            expected -= 1
        elif element in (AND_OPERATOR, OR_OPERATOR):
            expected += 1
        elif element == NOT_OPERATOR:
            pass
        else:
            raise ValueError(f"Invalid domain term {element!r}")
        result.append(element)
    if expected != 0:
        raise ValueError(f"Invalid domain {list(domain)!r}: an operator lacks operands")
    return result


def compile_domain(model: BaseModel, domain: Any) -> Node:
    """Compile `domain` for `model` (an empty recordset carrying the env)."""
    items = normalize(domain)
    if not items:
        return Const(True)
    node, rest = _parse(items, 0)
    assert rest == len(items)
    return _compile(model, node, negate=False)


def _parse(items: list[Any], index: int) -> tuple[Any, int]:
    element = items[index]
    if element == NOT_OPERATOR:
        child, index = _parse(items, index + 1)
        return ("!", child), index
    if element in (AND_OPERATOR, OR_OPERATOR):
        left, index = _parse(items, index + 1)
        right, index = _parse(items, index)
        return (element, left, right), index
    return ("leaf", element), index + 1


def _compile(model: BaseModel, tree: Any, negate: bool) -> Node:
    kind = tree[0]
    if kind == "!":
        return _compile(model, tree[1], not negate)
    if kind in (AND_OPERATOR, OR_OPERATOR):
        operator = kind
        if negate:  # De Morgan, as Odoo's distribute_not
            operator = OR_OPERATOR if kind == AND_OPERATOR else AND_OPERATOR
        return Bool(operator, _compile(model, tree[1], negate), _compile(model, tree[2], negate))
    leaf = tree[1]
    left, operator, value = leaf
    if negate:
        if operator in NEGATIONS:
            return _compile_leaf(model, (left, NEGATIONS[operator], value), leaf)
        return Not(_compile_leaf(model, (left, operator, value), leaf))
    return _compile_leaf(model, (left, operator, value), leaf)


def _compile_leaf(model: BaseModel, leaf: Sequence[Any], original: Sequence[Any]) -> Node:
    left, operator, value = leaf
    if left in (0, 1) and operator == "=" and value == 1:  # TRUE_LEAF / FALSE_LEAF
        return Const(bool(left))
    if not isinstance(operator, str) or operator.lower() not in TERM_OPERATORS:
        raise ValueError(f"Invalid leaf {_leaf_text(original)}")
    operator = operator.lower()
    if not isinstance(left, str):
        raise ValueError(f"Invalid leaf {_leaf_text(original)}")
    if operator in RELATIONAL_ANY and model.env.version < ANY_SINCE:
        raise ValueError(f"Invalid leaf {_leaf_text(original)}")
    path = left.split(".")
    fields = model.fields()
    if path[0] == "id":
        field: Field | None = None
    elif path[0] in fields:
        field = fields[path[0]]
    else:
        raise ValueError(f"Invalid field {model._name}.{path[0]} in leaf {_leaf_text(original)}")

    if operator == "=?":
        if value is None or value is False:
            return Const(True)
        operator = "="

    if len(path) > 1:
        if not isinstance(field, Many2one | One2many | Many2many):
            raise ValueError(f"Invalid field {model._name}.{left} in leaf {_leaf_text(original)}")
        comodel = model.env[field.comodel]
        if isinstance(field, Many2one):
            comodel = comodel.with_context(active_test=False)
        ids = comodel.search_ids([(".".join(path[1:]), operator, value)])
        return Leaf(field, "in", set(ids))

    if operator in RELATIONAL_ANY:
        if not isinstance(field, Many2one | One2many | Many2many):
            raise ValueError(f"Invalid leaf {_leaf_text(original)}")
        ids = model.env[field.comodel].search_ids(value)
        return Leaf(field, "in" if operator == "any" else "not in", set(ids))

    if operator in ("child_of", "parent_of"):
        return _hierarchy_leaf(model, field, operator, value)

    if isinstance(field, Many2one | One2many | Many2many) and _names(value):
        positive = NEGATIONS[operator] if operator in NEGATIVE else operator
        if positive == "in":
            positive = "="
        comodel = model.env[field.comodel]
        names = value if isinstance(value, list | tuple) else [value]
        ids: set[int] = set()
        for name in names:
            if isinstance(name, str):
                ids.update(comodel.name_search_ids(name, positive))
            elif name:
                ids.add(name)
        return Leaf(field, "not in" if operator in NEGATIVE else "in", ids)

    relational = isinstance(field, Many2one | One2many | Many2many) or field is None
    if relational and operator in ("like", "ilike", "not like", "not ilike", "=like", "=ilike"):
        raise ValueError(f"Invalid leaf {_leaf_text(original)}")
    return Leaf(field, operator, _normalize_value(field, operator, value))


def _names(value: Any) -> bool:
    if isinstance(value, str):
        return True
    return isinstance(value, list | tuple) and any(isinstance(v, str) for v in value)


def _hierarchy_leaf(model: BaseModel, field: Field | None, operator: str, value: Any) -> Node:
    if isinstance(field, Many2one | One2many | Many2many):
        target = model.env[field.comodel]
    else:
        target = model
    if isinstance(value, str):
        start = set(target.name_search_ids(value, "ilike"))
    elif isinstance(value, list | tuple):
        start = {v for v in value if v}
    elif value:
        start = {value}
    else:
        start = set()
    parent_name = target._parent_name
    if not parent_name:
        return Leaf(field, "in", start)
    parents = {rid: row.get(parent_name) for rid, row in target.env.db.rows(target._name)}
    if operator == "child_of":
        result = set(start)
        children: dict[int, list[int]] = {}
        for rid, parent in parents.items():
            if parent:
                children.setdefault(parent, []).append(rid)
        frontier = list(start)
        while frontier:
            for child in children.get(frontier.pop(), ()):
                if child not in result:
                    result.add(child)
                    frontier.append(child)
        if target._active_name and target.env.context.get("active_test", True):
            active = set(target.search_ids([]))
            result = {rid for rid in result if rid in active or rid in start}
    else:
        result = set()
        for rid in start:
            seen = rid
            while seen and seen not in result:
                result.add(seen)
                seen = parents.get(seen)
    return Leaf(field, "in", result)


def _normalize_value(field: Field | None, operator: str, value: Any) -> Any:
    if operator in ("in", "not in"):
        if not isinstance(value, list | tuple | set):
            value = [value]
        return [_scalar(field, v) for v in value]
    return _scalar(field, value)


def _scalar(field: Field | None, value: Any) -> Any:
    if value is False or value is None:
        return value
    if isinstance(field, Float | Integer):
        try:
            return to_decimal(value)
        except (TypeError, ValueError):
            return value
    if isinstance(field, Datetime):
        if isinstance(value, dt.datetime):
            return value.strftime("%Y-%m-%d %H:%M:%S")
        if isinstance(value, dt.date):
            return value.isoformat() + " 00:00:00"
        if isinstance(value, str) and len(value) == 10:
            return value + " 00:00:00"
    if isinstance(field, Date):
        if isinstance(value, dt.datetime):
            return value.date().isoformat()
        if isinstance(value, dt.date):
            return value.isoformat()
    if isinstance(field, Boolean):
        return bool(value)
    return value


def like_regex(pattern: str, insensitive: bool) -> re.Pattern[str]:
    """Translate a SQL LIKE pattern (`%`, `_`, backslash escapes) to an anchored regex."""
    out = []
    escaped = False
    for char in pattern:
        if escaped:
            out.append(re.escape(char))
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == "%":
            out.append(".*")
        elif char == "_":
            out.append(".")
        else:
            out.append(re.escape(char))
    flags = re.DOTALL | (re.IGNORECASE if insensitive else 0)
    return re.compile("^" + "".join(out) + "$", flags)


class Matcher:
    """Evaluates a compiled domain on records of one model."""

    def __init__(self, model: BaseModel, node: Node) -> None:
        self.model = model
        self.node = node
        self._regexes: dict[tuple[str, str], re.Pattern[str]] = {}

    def __call__(self, record_id: int) -> bool:
        return self._eval(self.node, record_id)

    def _eval(self, node: Node, record_id: int) -> bool:
        if isinstance(node, Const):
            return node.value
        if isinstance(node, Not):
            return not self._eval(node.child, record_id)
        if isinstance(node, Bool):
            if node.operator == AND_OPERATOR:
                return self._eval(node.left, record_id) and self._eval(node.right, record_id)
            return self._eval(node.left, record_id) or self._eval(node.right, record_id)
        return self._leaf(node, record_id)

    def _leaf(self, leaf: Leaf, record_id: int) -> bool:
        field, operator, value = leaf.field, leaf.operator, leaf.value
        if field is None:
            current: Any = record_id
        else:
            current = self.model.browse(record_id).raw(field.name)
        if isinstance(field, One2many | Many2many):
            return _x2many(operator, list(current or ()), value)
        if isinstance(field, Boolean):
            current = bool(current)
        return self._scalar(operator, current, value)

    def _scalar(self, operator: str, current: Any, value: Any) -> bool:
        if operator == "=":
            if value is False or value is None:
                return current is None or current is False
            return current is not None and _eq(current, value)
        if operator == "!=":
            if value is False or value is None:
                return current is not None and current is not False
            return current is None or not _eq(current, value)
        if operator in ("in", "not in") and isinstance(value, set):
            found = current is not None and current is not False and current in value
            return found if operator == "in" else not found
        if operator == "in":
            if current is None or current is False:
                return any(v is False or v is None for v in value)
            return any(v is not False and v is not None and _eq(current, v) for v in value)
        if operator == "not in":
            if current is None or current is False:
                return not any(v is False or v is None for v in value)
            return not any(v is not False and v is not None and _eq(current, v) for v in value)
        if operator in ("<", "<=", ">", ">="):
            if current is None or value is None or value is False:
                return False
            try:
                return _compare(operator, current, value)
            except TypeError:
                return False
        # pattern operators
        if operator in ("like", "ilike", "not like", "not ilike"):
            if value is False or value is None or value == "":
                return operator in ("like", "ilike")
            pattern = f"%{value}%"
        else:
            pattern = "" if value is None or value is False else str(value)
        negative = operator.startswith("not ")
        if current is None:
            return negative
        insensitive = "ilike" in operator
        key = (pattern, "i" if insensitive else "")
        regex = self._regexes.get(key)
        if regex is None:
            regex = self._regexes[key] = like_regex(pattern, insensitive)
        found = regex.match(_text(current)) is not None
        return not found if negative else found


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _eq(current: Any, value: Any) -> bool:
    if isinstance(current, Decimal) or isinstance(value, Decimal):
        try:
            return to_decimal(current) == to_decimal(value)
        except (TypeError, ValueError):
            return False
    if isinstance(current, bool) or isinstance(value, bool):
        return bool(current) == bool(value)
    if isinstance(current, int) and isinstance(value, str):
        return str(current) == value
    return current == value


def _compare(operator: str, current: Any, value: Any) -> bool:
    if isinstance(current, Decimal | int) and not isinstance(current, bool):
        current, value = to_decimal(current), to_decimal(value)
    elif isinstance(current, str) and not isinstance(value, str):
        value = str(value)
    if operator == "<":
        return current < value
    if operator == "<=":
        return current <= value
    if operator == ">":
        return current > value
    return current >= value


def _x2many(operator: str, ids: list[int], value: Any) -> bool:
    if operator == "=":
        return not ids if value is False or value is None else value in ids
    if operator == "!=":
        return bool(ids) if value is False or value is None else value not in ids
    values = set(value) if isinstance(value, list | tuple | set) else {value}
    if operator == "in":
        return bool(values.intersection(ids)) or (not ids and bool({False, None} & values))
    if operator == "not in":
        return not values.intersection(ids)
    raise ValueError(f"Invalid operator {operator!r} on a one2many or many2many field")

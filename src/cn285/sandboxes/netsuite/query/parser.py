"""A parser for the SuiteQL subset the sandbox runs.

Grammar (keywords case-insensitive):

    query     := SELECT [TOP n] items FROM table [[AS] alias] [WHERE cond]
                 [ORDER BY expr [ASC|DESC] [NULLS FIRST|LAST], ...]
    items     := * | expr [[AS] alias], ...
    cond      := or-ed / and-ed / NOT-ed predicates, parentheses
    predicate := expr (= | <> | != | < | <= | > | >=) expr | expr [NOT] LIKE expr
               | expr [NOT] IN (expr, ...) | expr IS [NOT] NULL
               | expr [NOT] BETWEEN expr AND expr
    expr      := column | table.column | 'text' | number | NULL | function(args)
               | SYSDATE | CURRENT_DATE | expr || expr

One table per query: joins, grouping and sub-queries are not part of the subset.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from cn285.sandboxes.netsuite.query.lexer import Token, search_error, tokenize

# -- syntax tree ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    qualifier: str | None
    name: str


@dataclass(frozen=True)
class Literal:
    value: object


@dataclass(frozen=True)
class Call:
    name: str
    args: tuple[Expr, ...]


@dataclass(frozen=True)
class Concat:
    parts: tuple[Expr, ...]


@dataclass(frozen=True)
class Compare:
    op: str
    left: Expr
    right: Expr


@dataclass(frozen=True)
class Like:
    operand: Expr
    pattern: Expr
    negated: bool


@dataclass(frozen=True)
class InList:
    operand: Expr
    items: tuple[Expr, ...]
    negated: bool


@dataclass(frozen=True)
class IsNull:
    operand: Expr
    negated: bool


@dataclass(frozen=True)
class Between:
    operand: Expr
    low: Expr
    high: Expr
    negated: bool


@dataclass(frozen=True)
class BoolOp:
    op: str  # AND, OR
    parts: tuple[Cond, ...]


@dataclass(frozen=True)
class Not:
    part: Cond


Expr = Column | Literal | Call | Concat
Cond = Compare | Like | InList | IsNull | Between | BoolOp | Not


@dataclass(frozen=True)
class SelectItem:
    expr: Expr | None  # None for *
    alias: str | None


@dataclass(frozen=True)
class OrderItem:
    expr: Expr
    descending: bool
    nulls_first: bool


@dataclass(frozen=True)
class Query:
    items: tuple[SelectItem, ...]
    table: str
    alias: str | None
    where: Cond | None
    order: tuple[OrderItem, ...] = field(default=())
    top: int | None = None


# -- parser --------------------------------------------------------------------------------


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = tokenize(text)
        self.position = 0

    @property
    def current(self) -> Token:
        return self.tokens[self.position]

    def advance(self) -> Token:
        token = self.current
        self.position += 1
        return token

    def accept(self, kind: str, value: str | None = None) -> Token | None:
        token = self.current
        if token.kind == kind and (value is None or token.value.upper() == value):
            self.position += 1
            return token
        return None

    def expect(self, kind: str, value: str | None = None) -> Token:
        token = self.accept(kind, value)
        if token is None:
            wanted = value or kind
            found = self.current.value or "the end of the query"
            raise search_error(
                f"Search error occurred: expected {wanted} at position "
                f"{self.current.position}, found {found}."
            )
        return token

    def query(self) -> Query:
        self.expect("keyword", "SELECT")
        top = None
        if self.accept("keyword", "TOP"):
            top = int(self.expect("number").value)
        items = self.select_items()
        self.expect("keyword", "FROM")
        table = self.expect("ident").value
        alias = None
        if self.accept("keyword", "AS") or self.current.kind == "ident":
            alias = self.expect("ident").value
        where = self.condition() if self.accept("keyword", "WHERE") else None
        order: list[OrderItem] = []
        if self.accept("keyword", "ORDER"):
            self.expect("keyword", "BY")
            order.append(self.order_item())
            while self.accept("punct", ","):
                order.append(self.order_item())
        self.accept("punct", ";")
        self.expect("end")
        return Query(tuple(items), table, alias, where, tuple(order), top)

    def select_items(self) -> list[SelectItem]:
        items = [self.select_item()]
        while self.accept("punct", ","):
            items.append(self.select_item())
        return items

    def select_item(self) -> SelectItem:
        if self.accept("punct", "*"):
            return SelectItem(None, None)
        expr = self.expression()
        alias = None
        if self.accept("keyword", "AS") or self.current.kind == "ident":
            alias = self.expect("ident").value
        return SelectItem(expr, alias)

    def order_item(self) -> OrderItem:
        expr = self.expression()
        descending = bool(self.accept("keyword", "DESC"))
        if not descending:
            self.accept("keyword", "ASC")
        nulls_first = descending  # Oracle: NULLs sort as the largest values
        if self.accept("keyword", "NULLS"):
            nulls_first = bool(self.accept("keyword", "FIRST"))
            if not nulls_first:
                self.expect("keyword", "LAST")
        return OrderItem(expr, descending, nulls_first)

    # conditions

    def condition(self) -> Cond:
        parts = [self.conjunction()]
        while self.accept("keyword", "OR"):
            parts.append(self.conjunction())
        return parts[0] if len(parts) == 1 else BoolOp("OR", tuple(parts))

    def conjunction(self) -> Cond:
        parts = [self.negation()]
        while self.accept("keyword", "AND"):
            parts.append(self.negation())
        return parts[0] if len(parts) == 1 else BoolOp("AND", tuple(parts))

    def negation(self) -> Cond:
        if self.accept("keyword", "NOT"):
            return Not(self.negation())
        if self.current.kind == "punct" and self.current.value == "(" and self._is_group():
            self.advance()
            inner = self.condition()
            self.expect("punct", ")")
            return inner
        return self.predicate()

    def _is_group(self) -> bool:
        """Whether `(` opens a condition rather than an expression such as `(1)`."""
        depth = 0
        for token in self.tokens[self.position :]:
            if token.kind == "punct" and token.value == "(":
                depth += 1
            elif token.kind == "punct" and token.value == ")":
                depth -= 1
                if depth == 0:
                    return False
            elif depth == 1 and (
                token.kind == "op"
                or (
                    token.kind == "keyword"
                    and token.value in {"AND", "OR", "NOT", "LIKE", "IN", "IS", "BETWEEN"}
                )
            ):
                return True
        return False

    def predicate(self) -> Cond:
        left = self.expression()
        if self.current.kind == "op" and self.current.value != "||":
            op = self.advance().value
            return Compare("<>" if op == "!=" else op, left, self.expression())
        if self.accept("keyword", "IS"):
            negated = bool(self.accept("keyword", "NOT"))
            self.expect("keyword", "NULL")
            return IsNull(left, negated)
        negated = bool(self.accept("keyword", "NOT"))
        if self.accept("keyword", "LIKE"):
            return Like(left, self.expression(), negated)
        if self.accept("keyword", "IN"):
            self.expect("punct", "(")
            items = [self.expression()]
            while self.accept("punct", ","):
                items.append(self.expression())
            self.expect("punct", ")")
            return InList(left, tuple(items), negated)
        if self.accept("keyword", "BETWEEN"):
            low = self.expression()
            self.expect("keyword", "AND")
            return Between(left, low, self.expression(), negated)
        raise search_error(
            f"Search error occurred: a comparison was expected at position {self.current.position}."
        )

    # expressions

    def expression(self) -> Expr:
        parts = [self.term()]
        while self.accept("op", "||"):
            parts.append(self.term())
        return parts[0] if len(parts) == 1 else Concat(tuple(parts))

    def term(self) -> Expr:
        token = self.current
        if self.accept("punct", "-"):
            number = self.expect("number")
            return Literal(-Decimal(number.value))
        if self.accept("number"):
            return Literal(Decimal(token.value) if "." in token.value else int(token.value))
        if self.accept("string"):
            return Literal(token.value)
        if self.accept("keyword", "NULL"):
            return Literal(None)
        if self.accept("punct", "("):
            inner = self.expression()
            self.expect("punct", ")")
            return inner
        if self.accept("ident"):
            names = [token.value]
            while self.accept("punct", "."):
                names.append(self.expect("ident").value)
            if self.accept("punct", "("):
                return Call(".".join(names).upper(), self.arguments())
            if len(names) == 1 and names[0].upper() in ("SYSDATE", "CURRENT_DATE"):
                return Call(names[0].upper(), ())
            if len(names) > 2:
                raise search_error(
                    f"Search error occurred: joins through {'.'.join(names)} are not supported."
                )
            return Column(names[0] if len(names) == 2 else None, names[-1])
        raise search_error(
            f"Search error occurred: unexpected {token.value or 'end of query'} at position "
            f"{token.position}."
        )

    def arguments(self) -> tuple[Expr, ...]:
        if self.accept("punct", ")"):
            return ()
        args = [self.expression()]
        while self.accept("punct", ","):
            args.append(self.expression())
        self.expect("punct", ")")
        return tuple(args)


def parse(text: str) -> Query:
    if not isinstance(text, str) or not text.strip():
        raise search_error("Search error occurred: the query is empty.")
    return _Parser(text).query()

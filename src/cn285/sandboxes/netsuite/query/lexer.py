"""Tokens of SuiteQL, the SQL-92 dialect NetSuite runs over Oracle (section_156257770590)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from cn285.sandboxes.netsuite.errors import NetSuiteError

KEYWORDS = frozenset(
    {
        "SELECT",
        "FROM",
        "WHERE",
        "AND",
        "OR",
        "NOT",
        "ORDER",
        "BY",
        "ASC",
        "DESC",
        "AS",
        "IN",
        "IS",
        "NULL",
        "LIKE",
        "BETWEEN",
        "TOP",
        "NULLS",
        "FIRST",
        "LAST",
        "ESCAPE",
    }
)

_PATTERN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<number>\d+(?:\.\d+)?)
  | (?P<string>'(?:[^']|'')*')
  | (?P<quoted>"[^"]+")
  | (?P<ident>[A-Za-z_][A-Za-z0-9_$]*)
  | (?P<op><>|!=|<=|>=|\|\||[=<>])
  | (?P<punct>[(),.*;-])
    """,
    re.VERBOSE,
)


@dataclass(frozen=True)
class Token:
    kind: str  # number, string, ident, keyword, op, punct, end
    value: str
    position: int


def search_error(reason: str) -> NetSuiteError:
    """SuiteQL errors come back as a 400 naming the search error."""
    return NetSuiteError(
        400,
        "INVALID_PARAMETER",
        f"Invalid search query. Detailed unprocessed description follows. {reason}",
    )


def tokenize(query: str) -> list[Token]:
    tokens: list[Token] = []
    position = 0
    while position < len(query):
        match = _PATTERN.match(query, position)
        if match is None:
            raise search_error(f"Search error occurred: unexpected character at {position}.")
        kind = match.lastgroup or ""
        text = match.group()
        if kind == "string":
            tokens.append(Token("string", text[1:-1].replace("''", "'"), position))
        elif kind == "quoted":
            tokens.append(Token("ident", text[1:-1], position))
        elif kind == "ident" and text.upper() in KEYWORDS:
            tokens.append(Token("keyword", text.upper(), position))
        elif kind != "space":
            tokens.append(Token(kind, text, position))
        position = match.end()
    tokens.append(Token("end", "", position))
    return tokens

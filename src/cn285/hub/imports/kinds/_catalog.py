"""What the catalog kinds (customers, items, price lists) share: reading a row's fields while
collecting every error (not just the first), and looking records up by code a batch at a time."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

from pydantic import ValidationError
from sqlalchemy import select
from sqlmodel import Session, SQLModel

from cn285.hub.imports.model import Row, RowError
from cn285.hub.services.book import chunks

T = TypeVar("T")


class Fields:
    """Reads a row's columns with `Values`, keeping every RowError instead of stopping."""

    def __init__(self, row: Row) -> None:
        self.row = row
        self.errors: list[RowError] = []

    def read(self, reader: Callable[..., T | None], column: str, **options: Any) -> T | None:
        try:
            return reader(self.row, column, **options)
        except RowError as exc:
            self.errors.append(exc)
            return None

    def present(self, column: str) -> bool:
        """True when the file has this column (an absent column keeps the stored value)."""
        return column in self.row.values

    def fail(self, column: str | None, message: str) -> None:
        self.errors.append(RowError(column, message))


def validation_errors(exc: ValidationError, columns: Sequence[str]) -> list[RowError]:
    """A pydantic error as RowErrors on the columns at fault (the fields are the columns)."""
    errors = []
    for error in exc.errors():
        name = str(error["loc"][0]) if error["loc"] else None
        errors.append(RowError(name if name in columns else None, error["msg"]))
    return errors


def by_code(session: Session, table: type[SQLModel], codes: Iterable[str]) -> dict[str, Any]:
    """Stored rows of `table` by code, for a batch's codes (in chunks of bound parameters)."""
    found: dict[str, Any] = {}
    for chunk in chunks(sorted(set(codes))):
        column = table.code  # type: ignore[attr-defined]
        for row in session.scalars(select(table).where(column.in_(chunk))):
            found[row.code] = row
    return found


def repeated(code: str, line: int, seen: dict[str, int]) -> RowError | None:
    """An error when `code` was already on an earlier row of the batch; records it otherwise."""
    if code in seen:
        return RowError("code", f"{code!r} is already on line {seen[code]} of this file")
    seen[code] = line
    return None

"""Cursor pagination: stable under inserts, as cheap on page 1,000 as on page 1."""

from __future__ import annotations

import base64
from typing import Any, Generic, TypeVar

from fastapi import HTTPException, Query
from pydantic import BaseModel
from sqlalchemy import Select
from sqlmodel import Session

T = TypeVar("T")
MAX_LIMIT = 500
MAX_ID = 2**63 - 1  # the largest id a database integer holds


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = None


def encode(last_id: int) -> str:
    return base64.urlsafe_b64encode(f"id:{last_id}".encode()).decode().rstrip("=")


def decode(cursor: str) -> int:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        kind, _, value = text.partition(":")
        number = int(value)
        if kind != "id" or not 0 <= number <= MAX_ID:
            raise ValueError
        return number
    except (ValueError, UnicodeDecodeError):
        raise HTTPException(
            422,
            [
                {
                    "loc": ["query", "cursor"],
                    "msg": "not a cursor from this API",
                    "type": "value_error",
                }
            ],
        ) from None


def page(
    db: Session,
    statement: Select[Any],
    model: Any,
    limit: int,
    cursor: str | None,
    convert: Any = None,
) -> dict[str, Any]:
    """A page of `statement`'s rows, ordered by id, after `cursor`."""
    if cursor:
        statement = statement.where(model.id > decode(cursor))
    rows = db.scalars(statement.order_by(model.id).limit(limit + 1)).all()
    more = len(rows) > limit
    rows = rows[:limit]
    return {
        "items": [convert(r) if convert else r for r in rows],
        "next_cursor": encode(rows[-1].id) if more and rows else None,
    }


Limit = Query(50, ge=1, le=MAX_LIMIT, description="items per page")
Cursor = Query(None, description="`next_cursor` of the previous page")

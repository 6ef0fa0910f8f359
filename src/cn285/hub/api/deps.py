"""What every route depends on: a database session per request and the authenticated caller."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from sqlmodel import Session

from cn285.hub.services.apikeys import Caller, authenticate

_WRITE = {"POST", "PUT", "PATCH", "DELETE"}


def session(request: Request) -> Iterator[Session]:
    """A session committed when the route returns, rolled back when it raises."""
    with Session(request.app.state.engine, expire_on_commit=False) as db:
        try:
            yield db
            db.commit()
        except BaseException:
            db.rollback()
            raise


def caller(request: Request, db: Annotated[Session, Depends(session)]) -> Caller:
    """The API key's owner: 401 without a valid key, 403 for a read-only key writing."""
    header = request.headers.get("authorization", "")
    scheme, _, key = header.partition(" ")
    found = authenticate(db, key.strip()) if scheme.lower() == "bearer" and key else None
    if found is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "a valid API key is required",
            headers={"WWW-Authenticate": "Bearer"},
        )
    if found.read_only and request.method in _WRITE:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "this API key is read-only")
    return found


DB = Annotated[Session, Depends(session)]
CallerDep = Annotated[Caller, Depends(caller)]

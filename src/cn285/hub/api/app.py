"""The FastAPI application: routers, error mapping, health."""

from __future__ import annotations

import datetime as dt

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from sqlalchemy import text
from sqlalchemy.engine import Engine

from cn285.billing_core.revrec import AccountPlan
from cn285.billing_core.scenario.yaml_source import parse_path
from cn285.hub.api.routes import (
    catalog,
    contracts,
    invoices,
    notifications,
    quotes,
    reconciliation,
    revrec,
    runs,
    sync,
    usage,
)
from cn285.hub.services.errors import Conflict, Invalid, NotFound


def create_app(
    engine: Engine, account_plan: AccountPlan | None = None, revrec_start: dt.date | None = None
) -> FastAPI:
    """The API over `engine`; `account_plan` and `revrec_start` are `[revrec]`'s accounts
    and start, which month closes use."""
    app = FastAPI(
        title="Cn285",
        version="0.1.0",
        description="Variable recurring billing. Every route but /health needs "
        "`Authorization: Bearer KEY` (`cn285 apikey create NAME`). Amounts are decimal strings.",
    )
    app.state.engine = engine
    app.state.account_plan = account_plan or AccountPlan()
    app.state.revrec_start = revrec_start
    for module in (
        catalog,
        contracts,
        usage,
        invoices,
        runs,
        sync,
        revrec,
        notifications,
        reconciliation,
        quotes,
    ):
        app.include_router(module.router)
    from cn285.hub.api.routes import imports  # CSV import jobs

    app.include_router(imports.router)

    @app.get("/health", tags=["health"])
    def health() -> dict[str, str]:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return {"status": "ok"}

    @app.exception_handler(NotFound)
    def not_found(_: Request, exc: NotFound) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=404)

    @app.exception_handler(Conflict)
    def conflict(_: Request, exc: Conflict) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=409)

    @app.exception_handler(Invalid)
    def invalid(_: Request, exc: Invalid) -> JSONResponse:
        detail = [
            {"loc": ["body", *_loc(path)], "msg": message, "type": "value_error"}
            for path, message in exc.problems
        ]
        return JSONResponse({"detail": detail}, status_code=422)

    @app.exception_handler(ValidationError)
    def validation(_: Request, exc: ValidationError) -> JSONResponse:
        """A value a service validated after merging it with stored data (a PATCH)."""
        detail = [
            {"loc": ["body", *e["loc"]], "msg": e["msg"], "type": e["type"]} for e in exc.errors()
        ]
        return JSONResponse({"detail": detail}, status_code=422)

    return app


def _loc(path: str) -> list[str | int]:
    """A problem's path as FastAPI's `loc` list (a key with brackets stays whole)."""
    try:
        return list(parse_path(path))
    except ValueError:
        return [path]

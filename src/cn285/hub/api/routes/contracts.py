"""Contracts with their lines, and the actions that change them."""

from __future__ import annotations

from fastapi import APIRouter, status
from sqlalchemy import select

from cn285.billing_core.scenario.schema import ActionIn, ContractIn
from cn285.hub.api.deps import DB, CallerDep
from cn285.hub.api.pagination import Cursor, Limit, Page, page
from cn285.hub.api.schemas import ActionOut, ContractOut, LineOut
from cn285.hub.services import contracts
from cn285.hub.services.catalog import get_by_code
from cn285.hub.store import models

router = APIRouter(prefix="/v1", tags=["contracts"])


def _out(db: DB, row: models.Contract) -> ContractOut:
    return ContractOut(
        code=row.code,
        customer=row.customer_code,
        price_list=row.price_list_code,
        timezone=row.timezone,
        billed_until=row.billed_until,
        next_due=row.next_due,
        lines=[LineOut.model_validate(ln) for ln in contracts.contract_lines(db, row.code)],
    )


@router.get("/contracts", response_model=Page[ContractOut])
def list_contracts(
    db: DB,
    _: CallerDep,
    limit: int = Limit,
    cursor: str | None = Cursor,
    customer: str | None = None,
) -> dict:
    statement = select(models.Contract)
    if customer:
        statement = statement.where(models.Contract.customer_code == customer)
    return page(db, statement, models.Contract, limit, cursor, lambda row: _out(db, row))


@router.post("/contracts", response_model=ContractOut, status_code=status.HTTP_201_CREATED)
def create_contract(body: ContractIn, db: DB, who: CallerDep) -> ContractOut:
    return _out(db, contracts.create_contract(db, body, who.name))


@router.get("/contracts/{code}", response_model=ContractOut)
def get_contract(code: str, db: DB, _: CallerDep) -> ContractOut:
    return _out(db, get_by_code(db, models.Contract, code, "contract"))


@router.get("/contracts/{code}/actions", response_model=list[ActionOut])
def list_actions(code: str, db: DB, _: CallerDep) -> list[models.ContractAction]:
    get_by_code(db, models.Contract, code, "contract")
    return contracts.contract_actions(db, code)


@router.post(
    "/contracts/{code}/actions", response_model=ActionOut, status_code=status.HTTP_201_CREATED
)
def add_action(code: str, body: ActionIn, db: DB, who: CallerDep) -> models.ContractAction:
    """Change a contract: `do` is pause, resume, terminate, set_quantity, discount, free,
    change_period, change_billing_period, transfer, change_holder, change_price_list or
    close_usage, with the fields FORMAT.md gives for it. Line changes name `line`."""
    return contracts.add_action(db, code, body, who.name)

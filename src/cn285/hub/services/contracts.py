"""Contracts, their lines and the changes to them (actions), validated like a scenario.

The billed past is immutable: a change must take effect after the date a billing run last
billed the contract up to, so that no issued invoice would come out different.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select, update
from sqlmodel import Session

from cn285.billing_core.contracts import ActionKind
from cn285.billing_core.scenario.loader import Builder
from cn285.billing_core.scenario.schema import ActionIn, ContractIn
from cn285.hub.services import audit
from cn285.hub.services.book import Catalog, load_customers
from cn285.hub.services.catalog import get_by_code
from cn285.hub.services.errors import Conflict, Invalid
from cn285.hub.store import convert, models


def create_contract(session: Session, data: ContractIn, actor: str) -> models.Contract:
    if session.scalars(select(models.Contract.id).where(models.Contract.code == data.code)).first():
        raise Conflict(f"contract {data.code!r} already exists")
    catalog = Catalog.load(session)
    customers = load_customers(session, [data.customer])
    builder = Builder()
    contract = builder.contract(data, (), catalog.items, customers, catalog.price_lists)
    if builder.problems:
        raise Invalid([(p.path, p.message) for p in builder.problems])
    row = models.Contract(
        code=contract.code,
        customer_code=contract.customer,
        price_list_code=contract.price_list,
        timezone=contract.timezone,
    )
    session.add(row)
    session.flush()
    for line in contract.lines:
        session.add(convert.line_row(contract.code, line))
    session.flush()
    audit.record(
        session,
        actor,
        "create",
        "contract",
        contract.code,
        None,
        data.model_dump(mode="json", by_alias=True),
    )
    return row


def contract_lines(session: Session, code: str) -> list[models.ContractLine]:
    return list(
        session.scalars(
            select(models.ContractLine)
            .where(models.ContractLine.contract_code == code)
            .order_by(models.ContractLine.id)
        )
    )


def contract_actions(session: Session, code: str) -> list[models.ContractAction]:
    return list(
        session.scalars(
            select(models.ContractAction)
            .where(models.ContractAction.contract_code == code)
            .order_by(models.ContractAction.id)
        )
    )


def add_action(session: Session, code: str, data: ActionIn, actor: str) -> models.ContractAction:
    """Record a change to contract `code` (or to one of its lines, `data.line`)."""
    get_by_code(session, models.Contract, code, "contract")  # 404 when unknown
    if data.line is not None and not data.line.startswith(f"{code}/"):
        raise Invalid([("line", f"{data.line!r} is not a line of contract {code}")])
    if data.contract is not None and data.contract != code:
        raise Invalid([("contract", f"this route changes contract {code}")])
    if data.line is None and data.contract is None:
        target = "contract" if data.do not in _LINE_ONLY else "line"
        if target == "line":
            raise Invalid([("line", f"{data.do.value} applies to a line: give `line`")])
        data = data.model_copy(update={"contract": code})
    involved = {code}
    if data.do is ActionKind.TRANSFER and data.to:
        involved.add(str(data.to))
    contracts = {
        c.code: c
        for c in session.scalars(
            select(models.Contract).where(models.Contract.code.in_(sorted(involved)))
        )
    }  # type: ignore[attr-defined]
    catalog = Catalog.load(session)
    lines = {
        f"{ln.contract_code}/{ln.code}": convert.line(ln) for ln in contract_lines(session, code)
    }
    customers = load_customers(session, [data.customer] if data.customer else [])
    builder = Builder()
    action = builder.action(
        data,
        (),
        0,
        lines,
        contracts,
        customers,  # type: ignore[arg-type]
        catalog.price_lists,
    )
    if builder.problems or action is None:
        raise Invalid([(p.path, p.message) for p in builder.problems])
    _check_not_in_billed_past(action.on, [contracts[c] for c in involved if c in contracts])
    row = models.ContractAction(
        kind=action.kind.value,
        on=action.on,
        contract_code=code,
        line_ref=action.line,
        data=_json(convert.action_data(action)),
        actor=actor,
    )
    session.add(row)
    session.flush()
    for other in involved:  # the change may make the contracts due earlier
        _due_by(session, other, action.on)
    audit.record(
        session,
        actor,
        f"action:{action.kind.value}",
        "contract",
        code,
        None,
        {"on": action.on.isoformat() if action.on else None, "line": action.line, **row.data},
    )
    return row


_LINE_ONLY = {
    ActionKind.SET_QUANTITY,
    ActionKind.CHANGE_PERIOD,
    ActionKind.CHANGE_BILLING_PERIOD,
    ActionKind.TRANSFER,
    ActionKind.CLOSE_USAGE,
}


def _check_not_in_billed_past(on: dt.date | None, contracts: list[models.Contract]) -> None:
    for contract in contracts:
        if contract.billed_until is None:
            continue
        if on is None:
            raise Invalid(
                [
                    (
                        "on",
                        f"contract {contract.code} is billed up to "
                        f"{contract.billed_until}: give the day the change takes "
                        "effect",
                    )
                ]
            )
        if on <= contract.billed_until:
            raise Conflict(
                f"on: contract {contract.code} is billed up to "
                f"{contract.billed_until}; a change must take effect after that"
            )


def _due_by(session: Session, code: str, day: dt.date | None) -> None:
    session.execute(
        update(models.Contract)
        .where(models.Contract.code == code)
        .values(version=models.Contract.version + 1)
    )
    if day is None:
        return
    session.execute(
        update(models.Contract)
        .where(models.Contract.code == code)
        .where((models.Contract.next_due.is_(None)) | (models.Contract.next_due > day))  # type: ignore[union-attr,operator]
        .values(next_due=day)
    )


def _json(data: dict[str, Any]) -> dict[str, Any]:
    return {
        k: (
            v.isoformat()
            if isinstance(v, dt.date)
            else str(v)
            if not isinstance(v, str | int | bool)
            else v
        )
        for k, v in data.items()
    }

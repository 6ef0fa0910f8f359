"""Contract actions (pause, terminate, set_quantity, …), one a row, through the contract
service's `add_action`, which refuses any change that takes effect in the billed past.

Actions have no key of their own in the store, so each row carries the sender's
`reference`; it is kept in the action's data (`import_reference`) and, with the contract,
makes a second import of the file a no-op. An action is immutable once stored: the same
reference with different content is refused (a correction is a new action).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from pydantic import ValidationError
from sqlalchemy import select
from sqlmodel import Session

from cn285.billing_core.contracts import Action, ActionKind
from cn285.billing_core.scenario.loader import Builder
from cn285.billing_core.scenario.schema import ActionIn
from cn285.hub.imports.kinds import _contract_store as store
from cn285.hub.imports.kinds._catalog import Fields
from cn285.hub.imports.model import Checked, Column, Outcome, Row, RowError, Values
from cn285.hub.services import contracts as service
from cn285.hub.services.book import Catalog, chunks, load_customers
from cn285.hub.services.errors import ServiceError
from cn285.hub.store import convert, models

REFERENCE = "import_reference"  # the key of the sender's reference in an action's data
COLUMNS = (
    Column("reference", True, "the sender's id of the action: with contract, the key", "A-77"),
    Column("contract", True, "code of the contract changed", "K-1001"),
    Column("line", False, "the line changed: its code, or CONTRACT/LINE (empty: all)", "L1"),
    Column(
        "kind", True, "pause, resume, terminate, set_quantity, discount, free, …", "set_quantity"
    ),
    Column("on", False, "the day the change takes effect", "2026-03-10"),
    Column("notice", False, "terminate: 30 days, 1 month or end_of_period", ""),
    Column("quantity", False, "set_quantity: the new quantity", "5"),
    Column("from", False, "discount, free: first day concerned (e.g. 2026-04-01)", ""),
    Column("to", False, "discount, free: last day concerned (e.g. 2026-04-30)", ""),
    Column("to_contract", False, "transfer: code of the contract the line moves to", ""),
    Column("percent", False, "discount: percent off (e.g. 10)", ""),
    Column("period", False, "change_period: the new service period (e.g. quarter)", ""),
    Column("billing_period", False, "change_billing_period: the new frequency", ""),
    Column("customer", False, "change_holder: code of the new holder", ""),
    Column("price_list", False, "change_price_list: code of the new price list", ""),
    Column("through", False, "close_usage: last day whose usage is complete", ""),
)
_TEXTS = ("notice", "period", "billing_period", "customer", "price_list")
_DATES = ("on", "from", "through")
_DECIMALS = ("quantity", "percent")
#: kinds that address a line only (as the contract service says)
_LINE_ONLY = {
    ActionKind.SET_QUANTITY,
    ActionKind.CHANGE_PERIOD,
    ActionKind.CHANGE_BILLING_PERIOD,
    ActionKind.TRANSFER,
    ActionKind.CLOSE_USAGE,
}
#: the engine's fields of an action -> the file's column
_COMPARED = {
    "kind": "kind",
    "on": "on",
    "line": "line",
    "contract": "line",
    "quantity": "quantity",
    "percent": "percent",
    "from_": "from",
    "to": "to",
    "notice": "notice",
    "period": "period",
    "billing_period": "billing_period",
    "to_contract": "to_contract",
    "customer": "customer",
    "price_list": "price_list",
    "through": "through",
}


@dataclass(frozen=True)
class ActionRecord:
    contract: str
    reference: str
    data: ActionIn  # as the API would receive it
    action: Action  # as the engine reads it, to compare with a stored action


class KIND:
    name: ClassVar[str] = "actions"
    columns: ClassVar[Sequence[Column]] = COLUMNS
    group: ClassVar[str | None] = None

    def check(self, session: Session, rows: Sequence[Row], values: Values) -> Checked:
        checked = Checked()
        read: list[tuple[Row, str, str, ActionIn]] = []
        first: dict[tuple[str, str], int] = {}
        for row in rows:
            contract, reference, data, errors = _read(row, values)
            key = (contract, reference)
            if not errors and key in first:
                errors.append(RowError("reference", f"{reference!r} is also on line {first[key]}"))
            if errors or data is None:
                checked.refused += [(row, error) for error in errors]
                continue
            first[key] = row.line
            read.append((row, contract, reference, data))
        involved = {c for _, c, _, _ in read} | {
            str(d.to) for _, _, _, d in read if d.do is ActionKind.TRANSFER
        }
        contracts = store.contracts_by_code(session, involved)
        lines = {
            f"{ln.contract_code}/{ln.code}": convert.line(ln)
            for found in store.lines_by_contract(session, contracts).values()
            for ln in found
        }
        stored = _stored(session, {c for _, c, _, _ in read})
        customers = load_customers(session, {str(d.customer) for *_, d in read if d.customer})
        catalog = Catalog.load(session) if read else None
        for row, contract, reference, data in read:
            try:
                if contract not in contracts:
                    raise RowError("contract", f"unknown contract {contract!r}")
                assert catalog is not None
                action = _build(data, lines, contracts, customers, catalog)
                current = stored.get((contract, reference))
                if current is not None:
                    _same(current, action, reference)
                else:
                    _not_in_billed_past(data, contract, contracts)
                checked.accepted.append((row, ActionRecord(contract, reference, data, action)))
            except RowError as error:
                checked.refused.append((row, error))
        return checked

    def write(self, session: Session, records: Sequence[Any], actor: str) -> Outcome:
        outcome = Outcome()
        stored = _stored(session, {r.contract for r in records})
        for record in records:
            key = (record.contract, record.reference)
            current = stored.get(key)
            if current is not None:
                _same(current, record.action, record.reference)
                outcome.unchanged += 1
                continue
            try:
                row = service.add_action(session, record.contract, record.data, actor)
            except ServiceError as exc:  # the store moved since the batch was checked
                raise RowError(None, str(exc)) from None
            row.data = {**row.data, REFERENCE: record.reference}
            session.add(row)
            session.flush()
            stored[key] = row
            # add_action keeps the session's contracts in step with its updates by scanning
            # the session: emptied (all is flushed), it stays one look-up per action
            session.expunge_all()
            outcome.created += 1
        return outcome


def _read(row: Row, values: Values) -> tuple[str, str, ActionIn | None, list[RowError]]:
    """The row as the API's `ActionIn`, with the line written CONTRACT/LINE."""
    fields = Fields(row)
    contract = fields.read(values.text, "contract", required=True) or ""
    reference = fields.read(values.text, "reference", required=True) or ""
    if len(reference) > 128:
        fields.fail("reference", "at most 128 characters")
    kind = fields.read(values.text, "kind", required=True)
    data: dict[str, Any] = {"do": kind}
    for name in _TEXTS:
        data[name] = fields.read(values.text, name) or None
    for name in _DATES:
        data[name] = fields.read(values.date, name)
    for name in _DECIMALS:
        data[name] = fields.read(values.decimal, name)
    to_day = fields.read(values.date, "to")
    to_contract = fields.read(values.text, "to_contract") or None
    if kind == ActionKind.TRANSFER.value:
        if to_day is not None:
            fields.fail("to", "a transfer names its contract in to_contract")
        data["to"] = to_contract
    else:
        if to_contract is not None:
            fields.fail("to_contract", f"only a transfer has to_contract, not {kind}")
        data["to"] = to_day.isoformat() if to_day else None
    line = fields.read(values.text, "line") or None
    if line is not None and contract:
        data["line"] = line if "/" in line else f"{contract}/{line}"
        if not data["line"].startswith(f"{contract}/"):
            fields.fail("line", f"{line!r} is not a line of contract {contract}")
    if fields.errors:
        return contract, reference, None, fields.errors
    try:
        declared = ActionIn.model_validate({k: v for k, v in data.items() if v is not None})
    except ValidationError as exc:
        return contract, reference, None, [_column_error(e, kind) for e in exc.errors()]
    if declared.line is None:
        if declared.do in _LINE_ONLY:
            return contract, reference, None, [RowError("line", f"{kind} applies to a line")]
        declared = declared.model_copy(update={"contract": contract})
    return contract, reference, declared, []


def _column_error(error: Any, kind: str | None) -> RowError:
    name = str(error["loc"][0]) if error["loc"] else None
    column = {"do": "kind", "from_": "from"}.get(name or "", name)
    if column == "to" and kind == ActionKind.TRANSFER.value:
        column = "to_contract"
    got = f" (got {error['input']!r})" if error["type"] != "missing" else ""
    return RowError(column, f"{error['msg']}{got}")


def _build(
    data: ActionIn,
    lines: dict[str, Any],
    contracts: dict[str, models.Contract],
    customers: dict[str, Any],
    catalog: Catalog,
) -> Action:
    """The action as the engine reads it, validated by the builder `add_action` uses."""
    builder = Builder()
    action = builder.action(data, (), 0, lines, contracts, customers, catalog.price_lists)  # type: ignore[arg-type]
    if builder.problems or action is None:
        problem = builder.problems[0]
        column = problem.path or None
        if column == "to" and data.do is ActionKind.TRANSFER:
            column = "to_contract"
        raise RowError(column, problem.message)
    return action


def _not_in_billed_past(
    data: ActionIn, contract: str, contracts: dict[str, models.Contract]
) -> None:
    """As `add_action`: no change may take effect on a day a contract is billed up to."""
    involved = [contract, str(data.to)] if data.do is ActionKind.TRANSFER else [contract]
    for code in involved:
        if code not in contracts:
            continue
        if data.on is None and contracts[code].billed_until is not None:
            raise RowError(
                "on",
                f"contract {code} is billed up to {contracts[code].billed_until}: "
                "give the day the change takes effect",
            )
        store.billed_past(contracts[code], data.on, "on", f"{data.do.value}")


def _stored(
    session: Session, contracts: Iterable[str]
) -> dict[tuple[str, str], models.ContractAction]:
    """The imported actions of `contracts`, by (contract, reference)."""
    found: dict[tuple[str, str], models.ContractAction] = {}
    table = models.ContractAction
    for part in chunks(sorted(set(contracts))):
        for row in session.scalars(select(table).where(table.contract_code.in_(part))):  # type: ignore[union-attr]
            reference = (row.data or {}).get(REFERENCE)
            if reference is not None and row.contract_code is not None:
                found[(row.contract_code, str(reference))] = row
    return found


def _same(row: models.ContractAction, action: Action, reference: str) -> None:
    """An action stored under this reference must be this one: actions never change."""
    stored = convert.action(row)
    for name, column in _COMPARED.items():
        before, after = getattr(stored, name), getattr(action, name)
        if before != after:
            raise RowError(
                column,
                f"action {reference!r} of contract {row.contract_code} is stored with "
                f"{column} {_text(before)}, not {_text(after)}: an action never changes "
                "(add another action to change the contract again)",
            )


def _text(value: Any) -> str:
    if value is None:
        return "empty"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value.value if hasattr(value, "value") else value)

"""What the contract kinds (headers, lines, actions) share: batched look-ups, the rule that
the billed past never changes, and the billing engine's declarations as validated input.

A batch is looked up in a few queries (not one per row), and every check goes through the
scenario `Builder` that the API's contract service uses, so a file is refused exactly where
a request would be.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select, update
from sqlmodel import Session

from cn285.billing_core.scenario.loader import Problem
from cn285.billing_core.scenario.schema import LineIn
from cn285.billing_core.scenario.yaml_source import parse_path
from cn285.hub.imports.model import RowError
from cn285.hub.services.book import chunks
from cn285.hub.store import models

#: the key prefix of historical invoices (imported, issued by the previous system)
IMPORTED = models.IMPORTED_KEY_PREFIX
#: the fields of a stored line that a file declares (all but its contract and id)
LINE_FIELDS = (
    "code",
    "item_code",
    "kind",
    "quantity",
    "start",
    "end",
    "period",
    "billing_period",
    "timing",
    "alignment",
    "prorate",
    "aggregation",
    "threshold_quantity",
    "threshold_amount",
    "trigger",
    "of",
)


def contracts_by_code(session: Session, codes: Iterable[str]) -> dict[str, models.Contract]:
    found: dict[str, models.Contract] = {}
    for part in chunks(sorted(set(codes))):
        for row in session.scalars(select(models.Contract).where(models.Contract.code.in_(part))):  # type: ignore[attr-defined]
            found[row.code] = row
    return found


def lines_by_contract(
    session: Session, codes: Iterable[str]
) -> dict[str, list[models.ContractLine]]:
    found: dict[str, list[models.ContractLine]] = {}
    table = models.ContractLine
    for part in chunks(sorted(set(codes))):
        for row in session.scalars(
            select(table).where(table.contract_code.in_(part)).order_by(table.id)  # type: ignore[attr-defined,arg-type]
        ):
            found.setdefault(row.contract_code, []).append(row)
    return found


def existing_codes(session: Session, table: Any, codes: Iterable[str]) -> set[str]:
    found: set[str] = set()
    for part in chunks(sorted(set(codes))):
        found.update(session.scalars(select(table.code).where(table.code.in_(part))))
    return found


def line_in(row: models.ContractLine) -> LineIn:
    """A stored line as the declaration it came from (to validate a contract as a whole)."""
    return LineIn.model_validate(line_data(row))


def line_data(row: models.ContractLine) -> dict[str, Any]:
    """A stored line's fields as `LineIn` names them."""
    threshold = None
    if row.threshold_quantity is not None or row.threshold_amount is not None:
        threshold = {"quantity": row.threshold_quantity, "amount": row.threshold_amount}
    data = {
        "code": row.code,
        "item": row.item_code,
        "kind": row.kind,
        "quantity": row.quantity,
        "start": row.start,
        "end": row.end,
        "period": row.period,
        "billing_period": row.billing_period,
        "timing": row.timing,
        "alignment": row.alignment,
        "prorate": row.prorate,
        "aggregation": row.aggregation if row.kind == "usage" else None,
        "threshold": threshold,
        "trigger": row.trigger,
        "of": row.of,
    }
    return data


def line_values(row: models.ContractLine) -> dict[str, Any]:
    return {name: getattr(row, name) for name in LINE_FIELDS}


def differing(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """Names whose values differ; decimals compare by value (1 and 1.00 are equal)."""
    return [name for name in after if not _same(before.get(name), after[name])]


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, Decimal) and isinstance(b, Decimal):
        return a == b
    return type(a) is type(b) and a == b


def problem_errors(problems: list[Problem], columns: dict[str, str]) -> dict[Any, RowError]:
    """The builder's problems by the first part of their path (a line index, or None for the
    contract itself), each as a RowError naming the file's column for the field at fault."""
    errors: dict[Any, RowError] = {}
    for problem in problems:
        path = parse_path(problem.path)
        index: Any = None
        if len(path) >= 2 and path[0] == "lines" and isinstance(path[1], int):
            index, path = path[1], path[2:]
        field = str(path[0]) if path else None
        errors.setdefault(index, RowError(columns.get(field or "", field), problem.message))
    return errors


def history_through(session: Session, refs: Iterable[str]) -> dict[str, dt.date]:
    """The last day of service of each line (CONTRACT/LINE) that imported historical
    invoices bill: Cn285 must not bill the line before the day after."""
    found: dict[str, dt.date] = {}
    line, invoice = models.InvoiceLine, models.Invoice
    for part in chunks(sorted(set(refs))):
        found.update(
            session.execute(
                select(line.line_ref, func.max(line.end))
                .join(invoice, invoice.id == line.invoice_id)
                .where(line.line_ref.in_(part), invoice.key.startswith(IMPORTED))  # type: ignore[attr-defined]
                .group_by(line.line_ref)
            ).all()
        )
    return found


def billed_past(contract: models.Contract, day: dt.date | None, column: str, what: str) -> None:
    """Refuse `what` taking effect on `day` when the contract is billed up to that day."""
    until = contract.billed_until
    if until is not None and (day is None or day <= until):
        raise RowError(
            column,
            f"contract {contract.code} is billed up to {until}: {what} must take effect "
            "after that (issued invoices never change)",
        )


def due_by(session: Session, code: str, day: dt.date | None) -> None:
    """Tell billing runs that the contract changed (its version) and may be due from `day`,
    as the contract service does for actions. The session's copy of the contract is not
    refreshed (that would cost a scan of the session per call): reload it to read these."""
    contract = models.Contract
    plain = {"synchronize_session": False}
    session.execute(
        update(contract).where(contract.code == code).values(version=contract.version + 1),
        execution_options=plain,
    )
    if day is not None:
        session.execute(
            update(contract)
            .where(contract.code == code)
            .where((contract.next_due.is_(None)) | (contract.next_due > day))  # type: ignore[union-attr,operator]
            .values(next_due=day),
            execution_options=plain,
        )

"""Contract lines, one a row, keyed by (contract, code).

Each row is validated as a `LineIn` and then, with the contract's other lines (stored, or in
the same batch), by the builder the API's contract service uses: a known item priced in the
contract's price list, a cascade's `of` line, the combinations FORMAT.md allows. A line is
what billing runs read to recompute a contract, so once the contract is billed a line only
changes through dated actions: a changed row is refused, and a new line must start after
the day the contract is billed up to.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from pydantic import ValidationError
from sqlmodel import Session

from cn285.billing_core.contracts import Line
from cn285.billing_core.scenario.loader import Builder
from cn285.billing_core.scenario.schema import ContractIn, LineIn
from cn285.hub.imports.kinds import _contract_store as store
from cn285.hub.imports.kinds._catalog import Fields
from cn285.hub.imports.model import Checked, Column, Outcome, Row, RowError, Values
from cn285.hub.services import audit, usage
from cn285.hub.services.book import Catalog, load_customers
from cn285.hub.store import convert, models

COLUMNS = (
    Column("contract", True, "code of the contract the line belongs to", "K-1001"),
    Column("code", True, "the line's code in its contract (with contract: the key)", "L1"),
    Column("item", True, "code of the item billed, priced in the contract's price list", "SAAS"),
    Column("kind", True, "recurring, one_shot, usage or cascade", "recurring"),
    Column("quantity", False, "recurring and one-shot quantity (default 1)", "3"),
    Column("start", False, "first day of service (a cascade: its `of` line's)", "2026-01-01"),
    Column("end", False, "last day of service, included (empty: open-ended)", "2026-12-31"),
    Column("period", False, "month, quarter, semester, year or none (default month)", "month"),
    Column("billing_period", False, "how often invoices are issued (default: period)", ""),
    Column("timing", False, "advance or arrears (default advance; usage: arrears)", "advance"),
    Column("alignment", False, "calendar or anniversary (default calendar)", "calendar"),
    Column("prorate", False, "prorate partial periods: true or false (default true)", "true"),
    Column("aggregation", False, "usage: sum, min, max, count, last, distinct:F, duration:U", ""),
    Column("threshold_quantity", False, "usage: invoice as soon as this quantity is reached", ""),
    Column("threshold_amount", False, "usage: invoice as soon as this amount is reached", ""),
    Column("trigger", False, "usage: usage_complete (invoiced when a close_usage says so)", ""),
    Column("of", False, "cascade: code of the line of the same contract it derives from", ""),
)
_TEXT = ("period", "billing_period", "timing", "alignment", "aggregation", "trigger", "of")
#: optional columns -> the `Values` reader of each (an empty cell: the default)
_READERS = {
    "quantity": "decimal",
    "start": "date",
    "end": "date",
    **{name: "text" for name in _TEXT},
}
_COLUMN_OF = {"item_code": "item"}  # a stored field -> its column, where names differ
_CHANGES = "an action (set_quantity, change_period, change_billing_period, terminate, transfer)"


@dataclass(frozen=True)
class LineRecord:
    contract: str
    line: Line  # as the engine bills it, defaults resolved


class KIND:
    name: ClassVar[str] = "contract-lines"
    columns: ClassVar[Sequence[Column]] = COLUMNS
    group: ClassVar[str | None] = None

    def check(self, session: Session, rows: Sequence[Row], values: Values) -> Checked:
        checked = Checked()
        by_contract: dict[str, list[tuple[Row, dict[str, Any]]]] = {}
        first: dict[tuple[str, str], int] = {}
        for row in rows:
            contract, given, errors = _read(row, values)
            key = (contract, str(given.get("code")))
            if not errors and key in first:
                errors.append(RowError("code", f"{key[0]}/{key[1]} is also on line {first[key]}"))
            if errors:
                checked.refused += [(row, error) for error in errors]
                continue
            first[key] = row.line
            by_contract.setdefault(contract, []).append((row, given))
        contracts = store.contracts_by_code(session, by_contract)
        stored = store.lines_by_contract(session, contracts)
        customers = load_customers(session, {c.customer_code for c in contracts.values()})
        catalog = Catalog.load(session) if contracts else None
        history = store.history_through(
            session, [f"{c}/{g['code']}" for c, entries in by_contract.items() for _, g in entries]
        )
        for code, entries in by_contract.items():
            contract = contracts.get(code)
            if contract is None:
                error = RowError("contract", f"unknown contract {code!r}")
                checked.refused += [(row, error) for row, _ in entries]
                continue
            assert catalog is not None
            lines = stored.get(code, [])
            declared = _declare(entries, {ln.code: ln for ln in lines}, checked)
            results = _check_contract(contract, lines, declared, catalog, customers, history)
            for (row, _), result in zip(declared, results, strict=True):
                if isinstance(result, RowError):
                    checked.refused.append((row, result))
                else:
                    checked.accepted.append((row, result))
        return checked

    def write(self, session: Session, records: Sequence[Any], actor: str) -> Outcome:
        outcome = Outcome()
        codes = {r.contract for r in records}
        contracts = store.contracts_by_code(session, codes)
        stored = {
            (ln.contract_code, ln.code): ln
            for lines in store.lines_by_contract(session, codes).values()
            for ln in lines
        }
        due: dict[str, dt.date] = {}  # contract -> first day a change may bill
        for record in records:
            contract = contracts[record.contract]
            new = convert.line_row(record.contract, record.line)
            current = stored.get((record.contract, new.code))
            if current is None:
                store.billed_past(contract, new.start, "start", f"new line {new.code}")
                session.add(new)
                stored[(record.contract, new.code)] = new
                before, after, action = None, audit.snapshot(new), "line:create"
                first_day = new.start
                outcome.created += 1
            else:
                changed = store.differing(store.line_values(current), store.line_values(new))
                if not changed:
                    outcome.unchanged += 1
                    continue
                _refuse_change(contract, current.code, changed)  # billed since checked
                before = audit.snapshot(current)
                first_day = min(current.start, new.start)
                for name in store.LINE_FIELDS:
                    setattr(current, name, getattr(new, name))
                session.add(current)
                after, action = audit.snapshot(current), "line:update"
                outcome.updated += 1
            audit.record(session, actor, action, "contract", contract.code, before, after)
            due[contract.code] = min(first_day, due.get(contract.code, first_day))
        session.flush()
        for code, day in due.items():
            store.due_by(session, code, day)
        if outcome.updated:
            usage.lines_changed(session)  # usage checks read lines from a cache
        return outcome


def _read(row: Row, values: Values) -> tuple[str, dict[str, Any], list[RowError]]:
    """The row's contract and the line fields its columns give (`LineIn` names); a column
    the file does not have is left out, so that the stored value stays."""
    fields = Fields(row)
    contract = fields.read(values.text, "contract", required=True) or ""
    given: dict[str, Any] = {}
    for name in ("code", "item", "kind"):
        given[name] = fields.read(values.text, name, required=True)
    for name, reader in _READERS.items():
        if fields.present(name):
            value = fields.read(getattr(values, reader), name)
            given[name] = None if value == "" else value
    if fields.present("prorate"):
        given["prorate"] = fields.read(values.boolean, "prorate")
    threshold = {}
    for name in ("quantity", "amount"):
        if fields.present(f"threshold_{name}"):
            threshold[name] = fields.read(values.decimal, f"threshold_{name}")
    if threshold:
        given["threshold"] = threshold
    return contract, given, fields.errors


def _declare(
    entries: list[tuple[Row, dict[str, Any]]],
    stored: dict[str, models.ContractLine],
    checked: Checked,
) -> list[tuple[Row, LineIn]]:
    """Each row's line as a `LineIn`: its columns over the stored line (or the defaults)."""
    declared = []
    for row, given in entries:
        current = stored.get(given["code"])
        data = store.line_data(current) if current is not None else {}
        if "threshold" in given:
            base = data.get("threshold") or {}
            given = {**given, "threshold": {**base, **given["threshold"]}}
            if not any(v is not None for v in given["threshold"].values()):
                given["threshold"] = None
        data.update(given)
        try:
            line = LineIn.model_validate({k: v for k, v in data.items() if v is not None})
            declared.append((row, line))
        except ValidationError as exc:
            checked.refused += [(row, error) for error in _pydantic_errors(exc)]
    return declared


def _pydantic_errors(exc: ValidationError) -> list[RowError]:
    errors = []
    for error in exc.errors():
        loc = [str(part) for part in error["loc"]]
        if loc[:1] == ["threshold"] and len(loc) > 1:
            column: str | None = f"threshold_{loc[1]}"
        else:
            column = loc[0] if loc else None
        got = f" (got {error['input']!r})" if error["type"] != "missing" else ""
        errors.append(RowError(column, f"{error['msg']}{got}"))
    return errors


def _check_contract(
    contract: models.Contract,
    stored: list[models.ContractLine],
    entries: list[tuple[Row, LineIn]],
    catalog: Catalog,
    customers: dict[str, Any],
    history: dict[str, dt.date],
) -> list[LineRecord | RowError]:
    """Validate a batch's lines of one contract together with its stored lines (a cascade
    may derive from either) and apply the billed-past rule to each; then again without the
    refused rows, until none is refused, so that no line is accepted that derives from a
    refused one."""
    refused: dict[int, RowError] = {}
    while True:
        active = [(j, declared) for j, (_, declared) in enumerate(entries) if j not in refused]
        declared = [d for _, d in active]
        verdicts = _validate(contract, stored, declared, catalog, customers, history)
        more = {
            j: verdict
            for (j, _), verdict in zip(active, verdicts, strict=True)
            if isinstance(verdict, RowError)
        }
        if not more:
            break
        refused.update(more)
    accepted = dict(zip([j for j, _ in active], verdicts, strict=True))
    return [refused[j] if j in refused else accepted[j] for j in range(len(entries))]


def _validate(
    contract: models.Contract,
    stored: list[models.ContractLine],
    declared: list[LineIn],
    catalog: Catalog,
    customers: dict[str, Any],
    history: dict[str, dt.date],
) -> list[LineRecord | RowError]:
    incoming = {line.code for line in declared}
    kept = [ln for ln in stored if ln.code not in incoming]
    declared_contract = ContractIn.model_construct(
        code=contract.code,
        customer=contract.customer_code,
        price_list=contract.price_list_code,
        timezone=contract.timezone,
        lines=[store.line_in(ln) for ln in kept] + declared,
    )
    builder = Builder()
    built = builder.contract(declared_contract, (), catalog.items, customers, catalog.price_lists)
    errors = store.problem_errors(builder.problems, {"threshold": "threshold_quantity"})
    engine_lines = {line.code: line for line in built.lines}
    current = {ln.code: ln for ln in stored}
    results: list[LineRecord | RowError] = []
    for i, line_in in enumerate(declared, start=len(kept)):
        error = errors.get(i) or errors.get(None)
        if error is None:
            try:
                line = engine_lines[line_in.code]
                _check_billed(contract, current.get(line_in.code), line, history)
                results.append(LineRecord(contract.code, line))
                continue
            except RowError as refused:
                error = refused
        threshold = line_in.threshold
        if error.column == "threshold_quantity" and threshold and threshold.quantity is None:
            error = RowError("threshold_amount", error.message)
        results.append(error)
    return results


def _check_billed(
    contract: models.Contract,
    current: models.ContractLine | None,
    line: Line,
    history: dict[str, dt.date],
) -> None:
    """A new or changed line must not bill what is billed: by Cn285 (the contract's billed
    past) or by the previous system (imported invoices of this line)."""
    new = convert.line_row(contract.code, line)
    changed = store.differing(store.line_values(current), store.line_values(new)) if current else []
    if current is None:
        store.billed_past(contract, line.start, "start", f"new line {line.code}")
    else:
        _refuse_change(contract, current.code, changed)
    through = history.get(new.ref)
    if (current is None or changed) and through is not None and line.start <= through:
        raise RowError(
            "start",
            f"imported invoices bill {new.ref} through {through}: start the line after that "
            "(Cn285 would invoice the period again)",
        )


def _refuse_change(contract: models.Contract, code: str, changed: list[str]) -> None:
    if changed and contract.billed_until is not None:
        column = _COLUMN_OF.get(changed[0], changed[0])
        raise RowError(
            column,
            f"contract {contract.code} is billed up to {contract.billed_until}: line {code} "
            f"cannot change in place (it would rewrite issued invoices); use {_CHANGES}",
        )

"""Reconciliation runs: compare the store with one ERP and record every difference.

Three passes, each in batches of `BATCH` records, so memory stays flat as the store grows:

invoices      issued invoices and credit notes by id: bound ones read back from the ERP in
              one batched call (amounts, customer, payment), unbound ones looked up by number;
              imported history never sent to the ERPs (the previous system's documents) is
              not compared
erp_invoices  the ERP's documents under our numbering series, page by page: numbers Cn285
              has not issued, and second documents for a number bound to another one
customers     by id: bound ones read back and compared field by field, others looked up

The findings of each batch are committed with it. A connector error that outlasts the retry
policy ends the run as `failed`, with its message: a run that could not compare everything
never reads as `ok`.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from itertools import islice
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from cn285.connectors.base import Capability, Connector, CustomerRecord, RemoteInvoice
from cn285.connectors.errors import ConnectorError, RetryableError
from cn285.hub.config import configured_connectors
from cn285.hub.connections import open_connector
from cn285.hub.reconciliation import compare
from cn285.hub.reconciliation.compare import LocalInvoice
from cn285.hub.reconciliation.findings import Finding
from cn285.hub.reconciliation.report import write_reports
from cn285.hub.services.billing import SERIES
from cn285.hub.services.errors import Invalid
from cn285.hub.store import models
from cn285.hub.store.database import session_scope
from cn285.hub.store.types import now
from cn285.hub.sync.retry import RetryPolicy

T = TypeVar("T")
BATCH = 200
DEFAULT_REPORT_DIR = "reports"
#: our numbering series as the ERPs see them: every document Cn285 writes carries one
PREFIXES = tuple(f"{series}-" for series in SERIES.values())
_END = object()


@dataclass
class ReconciliationResult:
    run_id: int
    connector: str
    status: str  # ok | differences | failed
    counts: dict[str, int]  # differences by kind
    checked: dict[str, int]  # records compared, by pass
    error: str | None = None
    reports: dict[str, Path] = field(default_factory=dict)  # format -> file

    @property
    def differences(self) -> int:
        return sum(self.counts.values())


class _Run:
    """A run's row and counters; its findings are written a batch at a time."""

    def __init__(self, engine: Engine, connector: str) -> None:
        self.engine = engine
        self.connector = connector
        self.counts: Counter[str] = Counter()
        self.checked = {"invoices": 0, "erp_invoices": 0, "customers": 0}
        with session_scope(engine) as session:
            row = models.ReconciliationRun(connector=connector)
            session.add(row)
            session.flush()
            assert row.id is not None
            self.id: int = row.id

    def record(self, findings: Sequence[Finding], checked: str, count: int) -> None:
        with session_scope(self.engine) as session:
            session.add_all(
                models.ReconciliationItem(
                    run_id=self.id,
                    kind=str(f.kind),
                    entity=f.entity,
                    local_key=f.local_key,
                    remote_id=f.remote_id,
                    detail=f.detail,
                )
                for f in findings
            )
        self.counts.update(str(f.kind) for f in findings)
        self.checked[checked] += count

    def finish(self, error: str | None) -> ReconciliationResult:
        status = "failed" if error else ("differences" if self.counts else "ok")
        with session_scope(self.engine) as session:
            row = session.get(models.ReconciliationRun, self.id)
            assert row is not None
            row.status, row.error, row.finished_at = status, error, now()
            row.counts, row.checked = dict(self.counts), dict(self.checked)
            session.add(row)
        return ReconciliationResult(
            self.id, self.connector, status, dict(self.counts), dict(self.checked), error
        )


def reconcile(
    engine: Engine,
    connector: Connector,
    *,
    report_dir: Path | str | None = None,
    policy: RetryPolicy | None = None,
) -> ReconciliationResult:
    """Compare the store with `connector`'s ERP, record the run and its differences, and
    write the report files into `report_dir` when given."""
    policy = policy or RetryPolicy()
    run = _Run(engine, connector.name)
    error = None
    try:
        if Capability.PUSH_INVOICES in connector.capabilities:
            _local_invoices(engine, connector, policy, run)
            _erp_invoices(engine, connector, policy, run)
        if {Capability.PUSH_CUSTOMERS, Capability.PULL_CUSTOMERS} & connector.capabilities:
            _customers(engine, connector, policy, run)
    except ConnectorError as exc:
        error = f"{connector.name}: {exc}"
    except Exception as exc:  # a bug: the run says so, then the error goes on up
        run.finish(f"internal error: {type(exc).__name__}: {exc}")
        raise
    result = run.finish(error)
    if report_dir is not None:
        result.reports = write_reports(engine, result.run_id, Path(report_dir))
    return result


def record_failure(
    engine: Engine, connector: str, error: str, *, report_dir: Path | str | None = None
) -> ReconciliationResult:
    """A run that could not start (the ERP refused the login, cannot be reached): recorded
    as failed, so that its absence never passes for a clean comparison."""
    result = _Run(engine, connector).finish(f"{connector}: {error}")
    if report_dir is not None:
        result.reports = write_reports(engine, result.run_id, Path(report_dir))
    return result


def reconcile_configured(
    engine: Engine,
    config: Mapping[str, Any],
    connector: str | None = None,
    *,
    report_dir: Path | str | None = None,
    policy: RetryPolicy | None = None,
) -> list[ReconciliationResult]:
    """One run per configured connector (or only `connector`), each connector opened from
    the configuration as the sync opens it, and closed after its run."""
    names = configured_connectors(config)
    if connector is not None and connector not in names:
        known = ", ".join(names) or "none"
        raise Invalid([("connector", f"{connector!r} is not configured (configured: {known})")])
    if not names:
        message = "no connector configured: add [connectors.NAME] to cn285.toml"
        raise Invalid([("connector", f"{message} or set CN285_<NAME>_URL")])
    policy = policy or RetryPolicy()
    results = []
    for name in [connector] if connector else names:
        try:
            erp = policy.call(partial(open_connector, config, name))
        except ConnectorError as exc:
            results.append(record_failure(engine, name, str(exc), report_dir=report_dir))
            continue
        try:
            results.append(reconcile(engine, erp, report_dir=report_dir, policy=policy))
        finally:
            erp.close()
    return results


def report_folder(config: Mapping[str, Any], override: Path | str | None = None) -> Path:
    """`override`, else `[reconciliation] report_dir`, else `reports/` here."""
    section = config.get("reconciliation") or {}
    return Path(override or section.get("report_dir") or DEFAULT_REPORT_DIR)


# -- reading the store, a batch at a time ----------------------------------------------------


def _batches(engine: Engine, statement: Any, id_column: Any) -> Iterator[list[Any]]:
    """Rows of `statement` by id, `BATCH` at a time, each batch in a short session."""
    last = 0
    while True:
        with Session(engine) as session:
            rows = session.execute(
                statement.where(id_column > last).order_by(id_column).limit(BATCH)
            ).all()
        if not rows:
            return
        last = rows[-1].id
        yield rows


def _bindings(session: Session, connector: str, entity: str, keys: Iterable[str]) -> dict:
    binding = models.ExternalBinding
    rows = session.execute(
        select(binding.local_key, binding.remote_id).where(
            binding.connector == connector,
            binding.entity == entity,
            binding.local_key.in_(list(keys)),  # type: ignore[attr-defined]
        )
    )
    return {key: remote for key, remote in rows}


def _sync_errors(session: Session, connector: str, stream: str, keys: Iterable[str]) -> dict:
    """Open dead letters of `keys`: why the sync could not write them, if it tried."""
    letter = models.DeadLetter
    rows = session.execute(
        select(letter.key, letter.error).where(
            letter.connector == connector,
            letter.stream == stream,
            letter.key.in_(list(keys)),  # type: ignore[attr-defined]
            letter.resolved_at.is_(None),  # type: ignore[union-attr]
        )
    )
    return {key: error for key, error in rows}


# -- invoices ----------------------------------------------------------------------------------

_INVOICE_COLUMNS = select(
    models.Invoice.id,
    models.Invoice.number,
    models.Invoice.kind,
    models.Invoice.customer_code,
    models.Invoice.date,
    models.Invoice.currency,
    models.Invoice.total_excl_tax,
    models.Invoice.tax,
    models.Invoice.total,
    models.Invoice.amount_paid,
    models.Invoice.payment_status,
    models.Invoice.issued_at,
    models.Invoice.key,
).where(models.Invoice.number.is_not(None))  # type: ignore[union-attr]


def _last_invoice_sync(engine: Engine, connector: str) -> dt.datetime | None:
    """When the connector's last completed invoices sync started: invoices issued since
    then are waiting for the next one, not missing (a reconciliation at 04:00 must not
    report the invoices of 03:59)."""
    with Session(engine) as session:
        return session.scalar(
            select(func.max(models.SyncRun.started_at)).where(
                models.SyncRun.connector == connector,
                models.SyncRun.stream == "invoices",
                models.SyncRun.status == "completed",
            )
        )


def _imported(key: str) -> bool:
    return key.startswith(models.IMPORTED_KEY_PREFIX)


def _history(session: Session, numbers: Sequence[str]) -> set[str]:
    """Of these unbound imported invoices, those never sent to the ERPs (no outbox event:
    imported without `push`): the previous system's documents, which Cn285 has nothing to
    reconcile of (they are in the ERP under the previous system's links, or nowhere)."""
    if not numbers:
        return set()
    event = models.OutboxEvent
    pushed = session.scalars(
        select(event.key).where(
            event.entity == "invoice",
            event.key.in_(numbers),  # type: ignore[attr-defined]
        )
    )
    return set(numbers) - set(pushed)


def _local_invoices(engine: Engine, connector: Connector, policy: RetryPolicy, run: _Run) -> None:
    cutoff = _last_invoice_sync(engine, connector.name)
    for rows in _batches(engine, _INVOICE_COLUMNS, models.Invoice.id):
        batch = [LocalInvoice(*row[1:-2]) for row in rows]
        issued_at = {row.number: row.issued_at for row in rows}
        numbers = [inv.number for inv in batch]
        with Session(engine) as session:
            bound = _bindings(session, connector.name, "invoice", numbers)
            customers = _bindings(
                session, connector.name, "customer", {inv.customer_code for inv in batch}
            )
            history = _history(
                session,
                [r.number for r in rows if _imported(r.key) and r.number not in bound],
            )
            unbound = [n for n in numbers if n not in bound and n not in history]
            errors = _sync_errors(session, connector.name, "invoices", unbound)
        remote = {
            r.remote_id: r
            for r in (
                policy.call(partial(connector.fetch_invoices, list(bound.values())))
                if bound
                else []
            )
        }
        found: dict[str, list[RemoteInvoice]] = {}
        for r in policy.call(partial(connector.lookup_invoices, unbound)) if unbound else []:
            found.setdefault(r.number or "", []).append(r)
        findings: list[Finding] = []
        waiting = 0
        for inv in batch:
            if inv.number in history:
                continue
            if inv.number in bound:
                document = remote.get(bound[inv.number])
                if document is None:
                    findings.append(compare.missing_in_erp(inv, "deleted", bound[inv.number]))
                else:
                    customer = customers.get(inv.customer_code)
                    findings += compare.compare_invoice(inv, document, customer)
            elif inv.number in found:
                first, *others = found[inv.number]
                findings.append(compare.unlinked_invoice(inv, first))
                findings += [compare.duplicate_in_erp(other, None) for other in others]
            elif cutoff is not None and (issued_at[inv.number] or cutoff) > cutoff:
                waiting += 1
            else:
                error = errors.get(inv.number)
                findings.append(compare.missing_in_erp(inv, "not_pushed", error=error))
        run.record(findings, "invoices", len(batch) - len(history))
        if waiting:
            run.checked["awaiting_sync"] = run.checked.get("awaiting_sync", 0) + waiting
        if history:
            run.checked["history"] = run.checked.get("history", 0) + len(history)


def _erp_invoices(engine: Engine, connector: Connector, policy: RetryPolicy, run: _Run) -> None:
    stream = _resumable(policy, partial(connector.list_invoices, PREFIXES))
    for page in _chunks(stream, BATCH):
        numbers = [r.number for r in page if r.number]
        with Session(engine) as session:
            issued = set(
                session.scalars(
                    select(models.Invoice.number).where(
                        models.Invoice.number.in_(numbers)  # type: ignore[union-attr]
                    )
                )
            )
            bound = _bindings(session, connector.name, "invoice", numbers)
        findings: list[Finding] = []
        for document in page:
            if document.number not in issued:
                findings.append(compare.missing_in_cn285(document))
            elif bound.get(document.number, document.remote_id) != document.remote_id:
                findings.append(compare.duplicate_in_erp(document, bound[document.number]))
            # issued and bound to it, or issued and unbound: the invoices pass reports it
        run.record(findings, "erp_invoices", len(page))


def _resumable(
    policy: RetryPolicy, open_stream: Callable[..., Iterator[RemoteInvoice]]
) -> Iterator[RemoteInvoice]:
    """`open_stream(after=...)` item by item, each fetch under the retry policy: a stream a
    retryable error broke is opened again after the last document it gave."""
    state: dict[str, Any] = {"after": None, "stream": None}

    def next_item() -> Any:
        if state["stream"] is None:
            state["stream"] = open_stream(after=state["after"])
        try:
            return next(state["stream"], _END)
        except RetryableError:
            state["stream"] = None
            raise

    while True:
        item = policy.call(next_item)
        if item is _END:
            return
        state["after"] = item.remote_id
        yield item


def _chunks(items: Iterable[T], size: int) -> Iterator[list[T]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


# -- customers ---------------------------------------------------------------------------------

_CUSTOMER_COLUMNS = select(
    models.Customer.id,
    models.Customer.code,
    models.Customer.name,
    models.Customer.country,
    models.Customer.vat_number,
    models.Customer.email,
    models.Customer.street,
    models.Customer.zip,
    models.Customer.city,
    models.Customer.is_company,
)


def _customers(engine: Engine, connector: Connector, policy: RetryPolicy, run: _Run) -> None:
    fields, owners = connector.customer_fields, connector.ownership
    for rows in _batches(engine, _CUSTOMER_COLUMNS, models.Customer.id):
        batch = [CustomerRecord(*row[1:]) for row in rows]
        with Session(engine) as session:
            bound = _bindings(session, connector.name, "customer", [c.code for c in batch])
            unbound = [c for c in batch if c.code not in bound]
            errors = _sync_errors(session, connector.name, "customers", [c.code for c in unbound])
        remote = {
            r.remote_id: r
            for r in (
                policy.call(partial(connector.fetch_customers, list(bound.values())))
                if bound
                else []
            )
        }
        found = policy.call(partial(connector.find_customers, unbound)) if unbound else {}
        findings: list[Finding] = []
        for customer in batch:
            if customer.code in bound:
                current = remote.get(bound[customer.code])
                if current is None:
                    findings.append(
                        compare.customer_unlinked(customer.code, "deleted", bound[customer.code])
                    )
                else:
                    difference = compare.compare_customer(customer, current, fields, owners)
                    findings += [difference] if difference else []
            else:
                match = found.get(customer.code)
                reason = "no_binding" if match else "not_in_erp"
                error = errors.get(customer.code)
                findings.append(compare.customer_unlinked(customer.code, reason, match, error))
        run.record(findings, "customers", len(batch))

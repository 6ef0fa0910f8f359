"""Billing runs: issue every invoice due up to a date, exactly once, numbered without gaps.

A run (1) picks the contracts that may be due (`next_due` on or before the date), in
batches of whole groups (contracts of one customer, contracts linked by a transfer or a
change of holder); (2) bills each batch with the engine, which recomputes the contracts'
history deterministically, and stores the invoices it has not stored yet (a unique key per
customer, contract, date and currency), with the contracts' new `next_due`, in one
transaction; (3) numbers the stored, unnumbered invoices in date order, each chunk in the
transaction that advances the series. A run killed anywhere leaves either a whole batch or
nothing, and the next run completes the work: each invoice is issued once, numbers have no
gap.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, as_completed, wait
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import Session

from cn285.billing_core.charges import BillingError
from cn285.billing_core.engine import bill_with_next
from cn285.billing_core.invoicing import Invoice
from cn285.billing_core.pricing import PricingError
from cn285.billing_core.tax import TaxError
from cn285.hub.services import audit
from cn285.hub.services.book import Catalog, DisjointSets, chunks, group_batches, load_book
from cn285.hub.store import models
from cn285.hub.store.bulk import insert_rows
from cn285.hub.store.database import open_engine, session_scope
from cn285.hub.store.types import now
from cn285.hub.sync.outbox import emit

SERIES = {"invoice": "INV", "credit_note": "CN"}
_INVOICES = models.Invoice.__table__  # type: ignore[attr-defined]
_LINES = models.InvoiceLine.__table__  # type: ignore[attr-defined]
_CONTRACTS = models.Contract.__table__  # type: ignore[attr-defined]
_SEQUENCES = models.InvoiceSequence.__table__  # type: ignore[attr-defined]
_ACTIONS = models.ContractAction.__table__  # type: ignore[attr-defined]
_INVOICE_COLUMNS = (
    "key",
    "number",
    "kind",
    "customer_code",
    "contract_code",
    "date",
    "currency",
    "tax_regime",
    "note",
    "total_excl_tax",
    "tax",
    "total",
    "amount_paid",
    "payment_status",
    "run_id",
    "created_at",
    "issued_at",
)
_LINE_COLUMNS = (
    "invoice_id",
    "position",
    "line_ref",
    "contract_code",
    "item_code",
    "description",
    "kind",
    "start",
    "end",
    "quantity",
    "unit_price",
    "amount",
    "tax_rate",
    "tax",
    "adjustment",
)
NUMBER_CHUNK = 5000
QUEUE_CHUNK = 50  # batches enqueued per transaction: workers start before all are queued


@dataclass
class RunResult:
    run_id: int
    until: dt.date
    contracts: int = 0
    invoices_stored: int = 0
    issued: dict[str, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    @property
    def status(self) -> str:
        return "completed" if not self.errors else "completed_with_errors"


def invoice_key(invoice: Invoice) -> str:
    return f"{invoice.customer}|{invoice.contract or '*'}|{invoice.date}|{invoice.currency.code}"


def run_billing(
    engine: Engine,
    until: dt.date,
    *,
    actor: str = "system",
    batch_size: int = 500,
    progress: Callable[[int, int], None] | None = None,
    workers: int = 1,
    queued: bool = False,
    lease_seconds: float = 30.0,
) -> RunResult:
    """Issue every invoice dated on or before `until` that is not issued yet.

    With `workers` > 1, batches are billed by that many processes of this machine (the
    engine's work runs in parallel; writes stay one transaction per batch). With `queued`,
    batches go to the store's work queue, where `cn285 worker` processes on any machine
    claim them while this process works on them too."""
    with session_scope(engine) as session:
        run = models.BillingRun(until=until, actor=actor)
        session.add(run)
        session.flush()
        run_id = run.id
        audit.record(
            session,
            actor,
            "billing_run:start",
            "billing_run",
            str(run_id),
            None,
            {"until": until.isoformat()},
        )
    result = RunResult(run_id=run_id, until=until)  # type: ignore[arg-type]
    done = 0

    def collect(stored_errors: tuple[int, list[str]], size: int) -> None:
        nonlocal done
        result.invoices_stored += stored_errors[0]
        result.errors += stored_errors[1]
        done += size
        if progress:
            progress(done, max(expected, done))

    # The groups stream from a read session kept open for the run: memory holds a few
    # batches, not the store's contracts.
    with Session(engine) as read:
        catalog = Catalog.load(read)
        expected = read.scalar(_due_count(until)) or 0
        batches = group_batches(_due_groups(read, until), batch_size)
        if queued:
            _bill_queued(engine, batches, until, run_id, collect, lease_seconds)
        elif workers > 1:
            url = engine.url.render_as_string(hide_password=False)
            context = multiprocessing.get_context("spawn")
            with ProcessPoolExecutor(workers, mp_context=context) as pool:
                running: dict[Future[tuple[int, list[str]]], int] = {}
                for batch in batches:
                    future = pool.submit(_worker_batch, url, batch, until, run_id)
                    running[future] = sum(len(g) for g in batch)
                    if len(running) >= 2 * workers:  # bounded: a few batches in flight
                        finished, _ = wait(running, return_when=FIRST_COMPLETED)
                        for f in finished:
                            collect(f.result(), running.pop(f))
                for f in as_completed(list(running)):
                    collect(f.result(), running.pop(f))
        else:
            for batch in batches:
                collect(
                    _bill_or_isolate(engine, batch, until, catalog, run_id),
                    sum(len(g) for g in batch),
                )
    total = done
    result.contracts = total
    result.issued = number_pending(engine)
    with session_scope(engine) as session:
        run = session.get(models.BillingRun, run_id)
        assert run is not None
        run.status = result.status
        run.finished_at = now()
        run.contracts = total
        run.invoices_issued = result.issued.get("invoice", 0)
        run.credit_notes_issued = result.issued.get("credit_note", 0)
        run.errors = result.errors
        session.add(run)
        audit.record(
            session,
            actor,
            "billing_run:finish",
            "billing_run",
            str(run_id),
            None,
            {"status": run.status, "issued": result.issued, "errors": result.errors},
        )
    return result


def _due_count(until: dt.date):
    return (
        select(func.count())
        .select_from(_CONTRACTS)
        .where(_CONTRACTS.c.billed_until.is_(None) | (_CONTRACTS.c.next_due <= until))
    )


def idle(engine: Engine, until: dt.date) -> bool:
    """Whether a run up to `until` would have nothing to do: no contract may be due and no
    stored invoice waits for its number (two looks at indexes: scheduled runs skip the
    run's bookkeeping when both are empty)."""
    with engine.connect() as connection:
        if connection.scalar(_due_count(until)):
            return False
        return (
            connection.scalar(select(_INVOICES.c.id).where(_INVOICES.c.number.is_(None)).limit(1))
            is None
        )


def _due_groups(session: Session, until: dt.date) -> Iterator[set[str]]:
    """Groups of contracts billed together (a customer's contracts, joined with those linked
    by a transfer or a change of holder), those with a contract due by `until`.

    Contracts are streamed in customer order and each customer's group is yielded as soon as
    it is complete; only the few groups that links join are held until the end, so memory
    does not grow with the number of contracts.
    """
    links = DisjointSets()
    find, union = links.find, links.union

    for kind, contract, data in session.execute(
        select(_ACTIONS.c.kind, _ACTIONS.c.contract_code, _ACTIONS.c.data).where(
            _ACTIONS.c.kind.in_(["transfer", "change_holder"])
        )
    ):
        if kind == "transfer":
            union(f"k:{contract}", f"k:{data['to']}")
        else:
            union(f"k:{contract}", f"c:{data['customer']}")
    linked: dict[str, tuple[set[str], bool]] = {}  # root -> (contracts, any due)

    def flush(customer: str | None, codes: set[str], due: bool) -> Iterator[set[str]]:
        if customer is None or not codes:
            return
        nodes = [f"c:{customer}", *(f"k:{c}" for c in codes)]
        if not any(node in links for node in nodes):
            if due:
                yield codes
            return
        for node in nodes[1:]:
            union(node, nodes[0])
        root = find(nodes[0])
        members, any_due = linked.get(root, (set(), False))
        linked[root] = (members | codes, any_due or due)

    customer: str | None = None
    codes: set[str] = set()
    due = False
    rows = session.execute(
        select(
            _CONTRACTS.c.code,
            _CONTRACTS.c.customer_code,
            _CONTRACTS.c.next_due,
            _CONTRACTS.c.billed_until,
        )
        .order_by(_CONTRACTS.c.customer_code, _CONTRACTS.c.code)
        .execution_options(yield_per=5000)
    )
    for code, owner, next_due, billed_until in rows:
        if owner != customer:
            yield from flush(customer, codes, due)
            customer, codes, due = owner, set(), False
        codes.add(code)
        due = due or billed_until is None or (next_due is not None and next_due <= until)
    yield from flush(customer, codes, due)
    merged: dict[str, tuple[set[str], bool]] = {}
    for root, (members, any_due) in linked.items():  # roots may have merged since
        final = find(root)
        prior, prior_due = merged.get(final, (set(), False))
        merged[final] = (prior | members, prior_due or any_due)
    for members, any_due in merged.values():
        if any_due:
            yield members


_ENGINES: dict[str, Engine] = {}
_CATALOGS: dict[tuple[str, int], Catalog] = {}


def _worker_batch(
    url: str, batch: list[set[str]], until: dt.date, run_id: int
) -> tuple[int, list[str]]:
    """A batch billed in a worker process, with the process's own engine."""
    engine = _ENGINES.get(url) or _ENGINES.setdefault(url, open_engine(url, migrate=False))
    return bill_groups(engine, batch, until, run_id)


def bill_groups(
    engine: Engine, batch: list[set[str]], until: dt.date, run_id: int
) -> tuple[int, list[str]]:
    """Bill one batch of contract groups of run `run_id` (the catalog is read once per run
    and process); returns the invoices stored and the groups' errors."""
    url = engine.url.render_as_string(hide_password=False)
    catalog = _CATALOGS.get((url, run_id))
    if catalog is None:
        if len(_CATALOGS) >= 4:  # long-lived workers see run after run: keep the latest
            _CATALOGS.pop(next(iter(_CATALOGS)))
        with Session(engine) as session:
            catalog = _CATALOGS[(url, run_id)] = Catalog.load(session)
    return _bill_or_isolate(engine, batch, until, catalog, run_id)


def _bill_queued(
    engine: Engine,
    batches: Iterable[list[set[str]]],
    until: dt.date,
    run_id: int,
    collect: Callable[[tuple[int, list[str]], int], None],
    lease_seconds: float,
) -> None:
    """Put the run's batches in the work queue, work on them alongside any `cn285 worker`
    processes, and wait until every batch is done (a dead worker's batch is claimed again
    when its lease passes)."""
    from cn285.hub.workers import queue
    from cn285.hub.workers.worker import Worker

    pending: list[dict[str, Any]] = []
    for batch in batches:
        pending.append({"until": until.isoformat(), "groups": [sorted(g) for g in batch]})
        if len(pending) == QUEUE_CHUNK:
            with engine.begin() as connection:
                queue.enqueue(connection, "billing", pending, run_id)
            pending = []
    with engine.begin() as connection:
        queue.enqueue(connection, "billing", pending, run_id)
    worker = Worker(engine, lease_seconds=lease_seconds)
    while True:
        worker.run(run_id=run_id, until_idle=True)
        queue.give_up_abandoned(engine, run_id)
        if queue.unfinished(engine, run_id) == 0:
            break
        time.sleep(min(1.0, lease_seconds / 4))  # others are at work, or a lease must pass
    for _status, payload, result in queue.results(engine, run_id):
        result = result or {}
        collect(
            (int(result.get("stored", 0)), list(result.get("errors", []))),
            sum(len(group) for group in payload["groups"]),
        )


def _bill_or_isolate(
    engine: Engine, batch: list[set[str]], until: dt.date, catalog: Catalog, run_id: int
) -> tuple[int, list[str]]:
    """Bill a batch; when it fails, bill its groups one by one so that only the group at
    fault is reported and the others are billed."""
    try:
        return _bill_batch(engine, batch, until, catalog, run_id), []
    except (BillingError, PricingError, TaxError, IntegrityError, OperationalError):
        stored, errors = 0, []
        for group in batch:
            try:
                stored += _bill_batch(engine, [group], until, catalog, run_id)
            except (BillingError, PricingError, TaxError) as exc:
                errors.append(f"contracts {', '.join(sorted(group))}: {exc}")
        return stored, errors


def _compute(session: Session, codes: set[str], until: dt.date, catalog: Catalog):
    """What the engine bills for `codes`, and the versions of the data it read."""
    versions = _versions(session, codes)  # first: a change after this is detected later
    book = load_book(session, codes, catalog)
    return versions, bill_with_next(book, until)


def _versions(session: Session, codes: set[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for part in chunks(sorted(codes)):
        found.update(
            session.execute(
                select(_CONTRACTS.c.code, _CONTRACTS.c.version).where(_CONTRACTS.c.code.in_(part))
            ).all()
        )
    return found


def lock_contracts(session: Session, codes: list[str]) -> None:
    """Lock contracts against concurrent changes until the transaction ends (a row lock
    on PostgreSQL; on SQLite, the database's write lock)."""
    for part in chunks(sorted(codes)):
        session.execute(
            update(_CONTRACTS)
            .where(_CONTRACTS.c.code.in_(part))
            .values(version=_CONTRACTS.c.version)
        )


def _bill_batch(
    engine: Engine, batch: list[set[str]], until: dt.date, catalog: Catalog, run_id: int
) -> int:
    """Compute outside the write transaction, then store under lock if nothing moved."""
    codes = set().union(*batch)
    with Session(engine) as session:
        versions, billed = _compute(session, codes, until, catalog)
    with session_scope(engine) as session:
        lock_contracts(session, sorted(codes))
        if _versions(session, codes) != versions:  # changed meanwhile: compute under lock
            versions, billed = _compute(session, codes, until, catalog)
        candidates = {invoice_key(inv): inv for inv in billed.invoices}
        existing: set[str] = set()
        for part in chunks(sorted(candidates)):
            existing.update(
                session.scalars(select(_INVOICES.c.key).where(_INVOICES.c.key.in_(part)))
            )
        new = [(key, inv) for key, inv in candidates.items() if key not in existing]
        _store(session, new, run_id)
        session.connection().execute(
            update(_CONTRACTS)
            .where(_CONTRACTS.c.code == bindparam("b_code"))
            .values(billed_until=bindparam("b_until"), next_due=bindparam("b_next")),
            [
                {"b_code": code, "b_until": until, "b_next": billed.next_due.get(code)}
                for code in codes
            ],
        )
    return len(new)


def _store(session: Session, new: list[tuple[str, Invoice]], run_id: int) -> None:
    """Insert invoices (unnumbered) and their lines in two statements."""
    if not new:
        return
    connection = session.connection()
    created = now()
    insert_rows(
        connection,
        _INVOICES,
        _INVOICE_COLUMNS,
        [
            (
                key,
                None,
                inv.kind,
                inv.customer,
                inv.contract,
                inv.date,
                inv.currency.code,
                inv.tax_regime.value,
                inv.note,
                inv.total_excl_tax,
                inv.tax,
                inv.total,
                Decimal(0),
                "not_paid",
                run_id,
                created,
                None,
            )
            for key, inv in new
        ],
    )
    id_of: dict[str, int] = {}
    for part in chunks([key for key, _ in new]):
        id_of.update(
            connection.execute(
                select(_INVOICES.c.key, _INVOICES.c.id).where(_INVOICES.c.key.in_(part))
            ).all()
        )
    insert_rows(
        connection,
        _LINES,
        _LINE_COLUMNS,
        [
            (
                id_of[key],
                position,
                line.line,
                line.contract,
                line.item,
                line.description,
                line.kind,
                line.start,
                line.end,
                line.quantity,
                line.unit_price,
                line.amount,
                line.tax_rate,
                line.tax,
                line.adjustment,
            )
            for key, inv in new
            for position, line in enumerate(inv.lines, start=1)
        ],
    )


def number_pending(engine: Engine) -> dict[str, int]:
    """Number every stored, unnumbered invoice in date order; returns counts by kind."""
    issued: dict[str, int] = {}
    while True:
        with session_scope(engine) as session:
            count = _number_chunk(session, issued)
        if count == 0:
            return issued


def _number_chunk(session: Session, issued: dict[str, int]) -> int:
    # Take the write lock first: on SQLite a transaction that read before writing could
    # meet a concurrent writer's commit; on PostgreSQL the rows are locked FOR UPDATE.
    session.execute(update(_SEQUENCES).values(next_number=_SEQUENCES.c.next_number))
    sequences = {}
    for kind, series in SERIES.items():
        statement = select(models.InvoiceSequence).where(models.InvoiceSequence.series == series)
        if session.get_bind().dialect.name == "postgresql":
            statement = statement.with_for_update()
        seq = session.scalars(statement).first()
        if seq is None:
            seq = models.InvoiceSequence(series=series, next_number=1)
            session.add(seq)
            session.flush()
        sequences[kind] = seq
    pending = session.execute(
        select(_INVOICES.c.id, _INVOICES.c.kind)
        .where(_INVOICES.c.number.is_(None))
        .order_by(
            _INVOICES.c.date, _INVOICES.c.customer_code, _INVOICES.c.contract_code, _INVOICES.c.id
        )
        .limit(NUMBER_CHUNK)
    ).all()
    stamp = now()
    updates = []
    for invoice_id, kind in pending:
        seq = sequences[kind]
        updates.append({"b_id": invoice_id, "b_number": f"{seq.series}-{seq.next_number:06d}"})
        seq.next_number += 1
        issued[kind] = issued.get(kind, 0) + 1
    if updates:
        emit(session, "invoice", [u["b_number"] for u in updates], "issued")
        session.connection().execute(
            update(_INVOICES)
            .where(_INVOICES.c.id == bindparam("b_id"))
            .values(number=bindparam("b_number"), issued_at=stamp),
            updates,
        )
    session.add_all(sequences.values())
    return len(pending)

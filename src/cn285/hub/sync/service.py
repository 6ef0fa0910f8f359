"""Sync runs: each stream of a connector, incremental and exactly-once in effect.

items      pulled by modification time from a persisted cursor, with an overlap window
customers  pulled the same way and merged by declared field ownership (else the side
           modified last); local changes pushed from the outbox; a change that came from
           the ERP writes no outbox event, so it is never echoed back
invoices   pushed from the outbox in batches; each is looked up by our number before it is
           created, and its binding is committed right after, so a crash never duplicates
payments   payment state pulled back for bound invoices not fully paid

A record the ERP refuses goes to the dead letters with its error and is retried by later
runs; the run goes on. Retryable failures are retried by the policy; what still fails ends
the stream's run with its error in the ledger.
"""

from __future__ import annotations

import datetime as dt
import itertools
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from decimal import Decimal
from typing import TypeVar

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.engine import Engine
from sqlmodel import Session

from cn285.connectors.base import (
    Capability,
    Connector,
    CustomerRecord,
    InvoiceLineRecord,
    InvoiceRecord,
    PushResult,
)
from cn285.connectors.errors import ConnectorError, RecordRejected, RetryableError
from cn285.hub.store import models
from cn285.hub.store.database import session_scope
from cn285.hub.store.types import now
from cn285.hub.sync.outbox import emit
from cn285.hub.sync.retry import RetryPolicy
from cn285.hub.sync.state import SyncState, fingerprint

P = TypeVar("P")  # a prepared batch
S = TypeVar("S")  # what sending it returned
STREAMS = ("items", "customers", "invoices", "payments", "journal_entries")
NEEDS = {
    "items": {Capability.PULL_ITEMS},
    "customers": {Capability.PULL_CUSTOMERS, Capability.PUSH_CUSTOMERS},
    "invoices": {Capability.PUSH_INVOICES},
    "payments": {Capability.PULL_PAYMENTS},
    "journal_entries": {Capability.PUSH_JOURNAL_ENTRIES},
}
JOURNAL_BATCH = 50
OVERLAP = dt.timedelta(minutes=5)
PAYMENT_BATCH = 200
# dead letters of invoices the ERP holds with other amounts: kept open until a person acts
DIFFERS = "in the ERP with other amounts: "
CUSTOMER_FIELDS = ("name", "country", "vat_number", "email", "street", "zip", "city", "is_company")


@dataclass
class StreamRun:
    stream: str
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0
    status: str = "completed"
    error: str | None = None


Progress = Callable[[str, int, int], None]  # stream, records done, records to do


def sync(
    engine: Engine,
    connector: Connector,
    streams: Iterable[str] = STREAMS,
    *,
    policy: RetryPolicy | None = None,
    progress: Progress | None = None,
) -> list[StreamRun]:
    """Run the given streams of `connector`, each with its ledger entry."""
    policy = policy or RetryPolicy()
    results = []
    for stream in streams:
        if stream not in NEEDS:
            raise ValueError(f"unknown stream {stream!r} (known: {', '.join(STREAMS)})")
        if not NEEDS[stream] & connector.capabilities:
            continue
        results.append(_ledgered(engine, connector, stream, policy, progress))
    return results


def _ledgered(
    engine: Engine,
    connector: Connector,
    stream: str,
    policy: RetryPolicy,
    progress: Progress | None,
) -> StreamRun:
    started = time.monotonic()
    with session_scope(engine) as session:
        ledger = models.SyncRun(connector=connector.name, stream=stream)
        session.add(ledger)
        session.flush()
        ledger_id = ledger.id
    run = StreamRun(stream)
    try:
        _STREAMS[stream](engine, connector, policy, run, progress)
        if progress:  # the stream's bar completes
            handled = run.created + run.updated + run.unchanged + run.failed
            progress(stream, handled, handled)
    except (RetryableError, ConnectorError) as exc:
        run.status, run.error = "failed", str(exc)
    with session_scope(engine) as session:
        ledger = session.get(models.SyncRun, ledger_id)
        assert ledger is not None
        ledger.status, ledger.error = run.status, run.error
        ledger.created, ledger.updated = run.created, run.updated
        ledger.unchanged, ledger.failed = run.unchanged, run.failed
        ledger.finished_at = now()
        ledger.duration_ms = int((time.monotonic() - started) * 1000)
        session.add(ledger)
    return run


def _since(state: SyncState, stream: str) -> dt.datetime | None:
    value = state.cursor(stream)
    return dt.datetime.fromisoformat(value) - OVERLAP if value else None


# -- items --------------------------------------------------------------------------------


def _items(
    engine: Engine,
    connector: Connector,
    policy: RetryPolicy,
    run: StreamRun,
    progress: Progress | None,
) -> None:
    with Session(engine) as session:
        since = _since(SyncState(session, connector.name), "items")
    remote = policy.call(lambda: list(connector.pull_items(since)))
    with session_scope(engine) as session:
        state = SyncState(session, connector.name)
        latest = since
        for item in remote:
            row = session.scalars(select(models.Item).where(models.Item.code == item.code)).first()
            values = {"name": item.name, "tax_category": item.tax_category, "active": item.active}
            if row is None:
                session.add(models.Item(code=item.code, **values))
                run.created += 1
            elif any(getattr(row, k) != v for k, v in values.items()):
                for k, v in values.items():
                    setattr(row, k, v)
                row.updated_at = now()
                session.add(row)
                run.updated += 1
            else:
                run.unchanged += 1
            state.bind("item", item.code, item.remote_id, fingerprint(values))
            latest = item.modified_at if latest is None else max(latest, item.modified_at)
        if latest is not None:
            state.set_cursor("items", latest.isoformat())


# -- customers ----------------------------------------------------------------------------


def _record(row: models.Customer) -> CustomerRecord:
    return CustomerRecord(
        row.code,
        row.name,
        row.country,
        row.vat_number,
        row.email,
        row.street,
        row.zip,
        row.city,
        row.is_company,
    )


def _customers(
    engine: Engine,
    connector: Connector,
    policy: RetryPolicy,
    run: StreamRun,
    progress: Progress | None,
) -> None:
    if Capability.PULL_CUSTOMERS in connector.capabilities:
        _pull_customers(engine, connector, policy, run)
    if Capability.PUSH_CUSTOMERS in connector.capabilities:
        _push_customers(engine, connector, policy, run)


def _pull_customers(
    engine: Engine, connector: Connector, policy: RetryPolicy, run: StreamRun
) -> None:
    with Session(engine) as session:
        since = _since(SyncState(session, connector.name), "customers")
    remote = policy.call(lambda: list(connector.pull_customers(since)))
    owners = connector.ownership
    with session_scope(engine) as session:
        state = SyncState(session, connector.name)
        latest = since
        for customer in remote:
            latest = customer.modified_at if latest is None else max(latest, customer.modified_at)
            binding = state.binding_by_remote("customer", customer.remote_id)
            incoming = customer.record
            if binding is not None and binding.fingerprint == fingerprint(incoming):
                run.unchanged += 1  # our own push read back, or nothing new
                continue
            row = _match_local(session, state, binding, incoming)
            if row is None:
                row = models.Customer(
                    code=incoming.code, **{f: getattr(incoming, f) for f in CUSTOMER_FIELDS}
                )
                session.add(row)
                run.created += 1
                # the other ERPs hear of it too (this one finds it bound and unchanged)
                emit(session, "customer", [incoming.code], "created")
            else:
                remote_newer = customer.modified_at > row.updated_at
                changed = False
                for field in CUSTOMER_FIELDS:
                    owner = owners.get(field)
                    take = owner == "erp" or (owner is None and remote_newer)
                    value = getattr(incoming, field)
                    if take and getattr(row, field) != value:
                        setattr(row, field, value)
                        changed = True
                if changed:
                    row.updated_at = now()
                    session.add(row)
                    run.updated += 1
                else:
                    run.unchanged += 1
            session.flush()
            # the binding keeps the last remote state seen: unchanged remote records are skipped
            state.bind("customer", row.code, customer.remote_id, fingerprint(incoming))
        if latest is not None:
            state.set_cursor("customers", latest.isoformat())


def _match_local(
    session: Session,
    state: SyncState,
    binding: models.ExternalBinding | None,
    incoming: CustomerRecord,
) -> models.Customer | None:
    """The local customer a remote one is: by binding, then reference, then VAT number —
    never one already bound to another record of this ERP."""
    customers = models.Customer
    if binding is not None:
        row = session.scalars(select(customers).where(customers.code == binding.local_key)).first()
        if row is not None:
            return row
    candidates = [session.scalars(select(customers).where(customers.code == incoming.code)).first()]
    if incoming.vat_number:
        candidates += session.scalars(
            select(customers).where(customers.vat_number == incoming.vat_number)
        ).all()
    for row in candidates:
        if row is not None and state.binding("customer", row.code) is None:
            return row
    return None


def _outbox(session: Session, entity: str, after: int, limit: int) -> list[models.OutboxEvent]:
    return list(
        session.scalars(
            select(models.OutboxEvent)
            .where(models.OutboxEvent.entity == entity, models.OutboxEvent.id > after)  # type: ignore[operator]
            .order_by(models.OutboxEvent.id)
            .limit(limit)
        )
    )


def _outbox_batches(
    engine: Engine, entity: str, after: int, size: int
) -> Iterator[tuple[list[str], int]]:
    """The keys of `entity`'s outbox events after `after`, `size` events at a time, each
    batch with its last event id: the cursor to save once the batch is done."""
    while True:
        with Session(engine) as session:
            events = _outbox(session, entity, after, size)
        if not events:
            return
        after = events[-1].id or after
        yield list(dict.fromkeys(e.key for e in events)), after


def _pipelined(
    batches: Iterable[tuple[list[str], int | None]],
    prepare: Callable[[list[str], int | None], P],
    send: Callable[[P], S],
    finish: Callable[[P, S], None],
) -> None:
    """Prepare each batch (database, here) while the one before is sent (network only, in a
    worker thread), then finish that one (bindings and cursor): the ERP's slots stay busy
    instead of waiting for our own reads and writes. A send's error stops the loop."""
    with ThreadPoolExecutor(1, thread_name_prefix="sync-send") as sender:
        in_flight: tuple[P, Future[S]] | None = None
        for keys, cursor in batches:
            prepared = prepare(keys, cursor)
            if in_flight is not None:
                finish(in_flight[0], in_flight[1].result())
            in_flight = (prepared, sender.submit(send, prepared))
        if in_flight is not None:
            finish(in_flight[0], in_flight[1].result())


def _push_customers(
    engine: Engine, connector: Connector, policy: RetryPolicy, run: StreamRun
) -> None:
    """Dead letters first, then the outbox. As with invoices, the customers to create of
    the next batch are read while the current batch is being created in the ERP."""
    with Session(engine) as session:
        retry = SyncState(session, connector.name).open_dead_letters("customers")
        after = int(SyncState(session, connector.name).cursor("customers:outbox") or 0)
    _push_customer_keys(engine, connector, policy, run, retry)  # what failed before, first

    _pipelined(
        _outbox_batches(engine, "customer", after, connector.customer_batch),
        lambda keys, cursor: _CustomerBatch(
            keys, cursor, *_unbound_customers(engine, connector, keys)
        ),
        lambda batch: _send_customers(connector, policy, batch.records),
        lambda batch, sent: _finish_customers(engine, connector, policy, run, batch, sent),
    )


@dataclass
class _CustomerBatch:
    keys: list[str]
    cursor: int | None
    unbound: list[str]
    records: dict[str, CustomerRecord]


def _finish_customers(
    engine: Engine,
    connector: Connector,
    policy: RetryPolicy,
    run: StreamRun,
    batch: _CustomerBatch,
    sent: tuple[dict[str, str], list[PushResult]],
) -> None:
    """Bind what was created, update those already bound that changed, move the cursor."""
    found, results = sent
    created = _bind_customers(engine, connector, run, batch.records, found, results)
    _update_customers(engine, connector, policy, run, batch.keys, batch.unbound, created)
    if batch.cursor is not None:
        with session_scope(engine) as session:
            SyncState(session, connector.name).set_cursor("customers:outbox", str(batch.cursor))


def _push_customer_keys(
    engine: Engine, connector: Connector, policy: RetryPolicy, run: StreamRun, keys: list[str]
) -> None:
    """Customers never sent are looked up and created in batches (a few calls for
    hundreds); those already bound are updated one by one, when they changed."""
    keys = list(dict.fromkeys(keys))
    unbound, records = _unbound_customers(engine, connector, keys)
    found, results = _send_customers(connector, policy, records)
    created = _bind_customers(engine, connector, run, records, found, results)
    _update_customers(engine, connector, policy, run, keys, unbound, created)


def _unbound_customers(
    engine: Engine, connector: Connector, keys: list[str]
) -> tuple[list[str], dict[str, CustomerRecord]]:
    """The keys not bound yet, and their records as they are to be sent."""
    with Session(engine) as session:
        state = SyncState(session, connector.name)
        state.preload("customer", keys)
        unbound = [k for k in keys if state.binding("customer", k) is None]
        rows = session.scalars(
            select(models.Customer).where(models.Customer.code.in_(unbound))  # type: ignore[attr-defined]
        ).all()
        return unbound, {row.code: _record(row) for row in rows}


def _update_customers(
    engine: Engine,
    connector: Connector,
    policy: RetryPolicy,
    run: StreamRun,
    keys: list[str],
    unbound: list[str],
    created: set[str],
) -> None:
    for key in keys:
        if key in created:  # just written from the same row: nothing left to send
            continue
        with session_scope(engine) as session:
            _push_customer(
                session,
                SyncState(session, connector.name),
                connector,
                policy,
                run,
                key,
                counted=key not in unbound,
            )


def _create_customers(
    engine: Engine, connector: Connector, policy: RetryPolicy, run: StreamRun, codes: list[str]
) -> set[str]:
    """Look up and create `codes` in batches; the codes created (bound, up to date)."""
    if not codes:
        return set()
    _, records = _unbound_customers(engine, connector, codes)
    found, results = _send_customers(connector, policy, records)
    return _bind_customers(engine, connector, run, records, found, results)


def _send_customers(
    connector: Connector, policy: RetryPolicy, records: dict[str, CustomerRecord]
) -> tuple[dict[str, str], list[PushResult]]:
    """Network only: look up, then create what is missing — again on a retry (an answer
    may be lost after the ERP created them)."""
    found: dict[str, str] = {}

    def attempt() -> list[PushResult]:
        if not records:
            return []
        found.update(connector.find_customers(list(records.values())))
        todo = [r for code, r in records.items() if code not in found]
        return connector.create_customers(todo) if todo else []

    return found, policy.call(attempt)


def _bind_customers(
    engine: Engine,
    connector: Connector,
    run: StreamRun,
    records: dict[str, CustomerRecord],
    found: dict[str, str],
    results: list[PushResult],
) -> set[str]:
    if not records:
        return set()
    with session_scope(engine) as session:
        state = SyncState(session, connector.name)
        state.preload("customer", list(records))
        for code, remote_id in found.items():
            other = state.binding_by_remote("customer", remote_id)
            if other is None:
                state.bind("customer", code, remote_id, None)  # matched: updated next
        for result in results:
            if result.remote_id is not None:
                state.bind(
                    "customer", result.key, result.remote_id, fingerprint(records[result.key])
                )
                state.resolved("customers", result.key)
                run.created += 1
            else:
                state.dead("customers", result.key, result.error or "refused")
                run.failed += 1
    return {r.key for r in results if r.remote_id is not None}


def _push_customer(
    session: Session,
    state: SyncState,
    connector: Connector,
    policy: RetryPolicy,
    run: StreamRun,
    code: str,
    *,
    counted: bool = True,
) -> str | None:
    """Send one customer; with `counted` False, an unchanged one is not counted (it was
    just created by the batch)."""
    row = session.scalars(select(models.Customer).where(models.Customer.code == code)).first()
    if row is None:
        return None
    record = _record(row)
    print_ = fingerprint(record)
    binding = state.binding("customer", code)
    if binding is not None and binding.fingerprint == print_:
        run.unchanged += counted
        return binding.remote_id
    # fields the ERP owns are never overwritten there (they are only set on creation)
    ours = [f for f in ("code", *CUSTOMER_FIELDS) if connector.ownership.get(f) != "erp"]
    known: list[str | None] = [binding.remote_id if binding else None]

    def attempt() -> str:
        """Look up before creating, on every attempt: an attempt whose answer was lost may
        have created the partner already."""
        remote_id = known[0]
        if binding is None:
            remote_id = connector.find_customer(record)
            other = state.binding_by_remote("customer", remote_id) if remote_id else None
            if other is not None and other.local_key != code:
                remote_id = None  # a partner another customer is bound to: a new one
            known[0] = remote_id
        return connector.push_customer(record, remote_id, ours)

    try:
        pushed = policy.call(attempt)
    except RecordRejected as exc:
        state.dead("customers", code, exc.reason)
        run.failed += 1
        return None
    remote_id = known[0]
    theirs = [f for f in CUSTOMER_FIELDS if connector.ownership.get(f) == "erp"]
    if remote_id is not None and theirs:  # the ERP's values stand for the fields it owns
        current = policy.call(lambda: connector.get_customer(pushed))
        if current is not None:
            for field in theirs:
                setattr(row, field, getattr(current.record, field))
            session.add(row)
            record = _record(row)
    state.bind("customer", code, pushed, fingerprint(record))
    state.resolved("customers", code)
    if binding is None and remote_id is None:
        run.created += 1
    else:
        run.updated += 1
    return pushed


# -- invoices -----------------------------------------------------------------------------


def _invoices(
    engine: Engine,
    connector: Connector,
    policy: RetryPolicy,
    run: StreamRun,
    progress: Progress | None,
) -> None:
    """Dead letters first, then the outbox, batch after batch. While one batch is being
    sent (network only, in a worker thread), the next is read and prepared here (database
    only): the ERP's slots stay busy instead of waiting for our own reads and writes."""
    with Session(engine) as session:
        state = SyncState(session, connector.name)
        retry = state.open_dead_letters("invoices")
        after = int(state.cursor("invoices:outbox") or 0)
        total = len(retry) + (
            session.scalar(
                select(func.count())
                .select_from(models.OutboxEvent)
                .where(models.OutboxEvent.entity == "invoice", models.OutboxEvent.id > after)
            )  # type: ignore[operator]
            or 0
        )
    size = connector.invoice_batch

    retried = ((retry[part : part + size], None) for part in range(0, len(retry), size))
    done = 0

    def finish(batch: tuple[list[str], int | None, list[InvoiceRecord]], sent: _Sent) -> None:
        nonlocal done
        _finish_invoices(engine, connector, run, sent, batch[1])
        done += len(batch[0])
        if progress:
            progress("invoices", min(done, total), total)

    _pipelined(
        itertools.chain(retried, _outbox_batches(engine, "invoice", after, size)),
        lambda numbers, cursor: (
            numbers,
            cursor,
            _prepare_invoices(engine, connector, policy, run, numbers),
        ),
        lambda batch: _send_invoices(connector, policy, batch[2]),
        finish,
    )


@dataclass
class _Sent:
    found: dict[str, str]
    results: list[PushResult]
    pending: list[InvoiceRecord]


def _prepare_invoices(
    engine: Engine, connector: Connector, policy: RetryPolicy, run: StreamRun, numbers: list[str]
) -> list[InvoiceRecord]:
    """The records of the batch still to send, their customers created or updated first."""
    with Session(engine) as session:  # their customers first, created in one batch
        state = SyncState(session, connector.name)
        customers = session.scalars(
            select(models.Invoice.customer_code).where(models.Invoice.number.in_(numbers))  # type: ignore[union-attr]
        ).all()
        state.preload("customer", customers)
        unbound = [c for c in dict.fromkeys(customers) if state.binding("customer", c) is None]
    _create_customers(engine, connector, policy, StreamRun("customers"), unbound)
    pending: list[InvoiceRecord] = []
    with session_scope(engine) as session:
        state = SyncState(session, connector.name)
        state.preload("invoice", numbers)
        state.preload("customer", customers)
        invoices = {
            row.number: row
            for row in session.scalars(
                select(models.Invoice).where(models.Invoice.number.in_(numbers))  # type: ignore[union-attr]
            )
        }
        for number in dict.fromkeys(numbers):
            if state.binding("invoice", number) is not None:
                if (state.open_error("invoices", number) or "").startswith(DIFFERS):
                    run.failed += 1  # in the ERP with other amounts: a person must look
                    continue
                run.unchanged += 1
                state.resolved("invoices", number)
                continue
            invoice = invoices.get(number)
            if invoice is None:
                continue
            customer = _push_customer(
                session, state, connector, policy, StreamRun("customers"), invoice.customer_code
            )
            if customer is None:
                state.dead(
                    "invoices", number, f"customer {invoice.customer_code} is not in the ERP"
                )
                run.failed += 1
                continue
            pending.append(_invoice_record(session, invoice, customer))
    return pending


def _send_invoices(
    connector: Connector, policy: RetryPolicy, pending: list[InvoiceRecord]
) -> _Sent:
    """Network only: look up by our numbers, then create what is missing — on every
    attempt, since an attempt that failed half way (or whose answer was lost) may have
    created some."""
    found: dict[str, str] = {}

    def attempt() -> list[PushResult]:
        if not pending:
            return []
        found.update(connector.find_invoices([r.number for r in pending]))
        todo = [r for r in pending if r.number not in found]
        return connector.push_invoices(todo) if todo else []

    return _Sent(found, policy.call(attempt), pending)


def _finish_invoices(
    engine: Engine, connector: Connector, run: StreamRun, sent: _Sent, cursor: int | None
) -> None:
    """Bindings and the outbox cursor, committed together right after the batch's writes."""
    with session_scope(engine) as session:
        state = SyncState(session, connector.name)
        state.preload("invoice", [r.number for r in sent.pending])
        for number, remote_id in sent.found.items():  # created before a crash or lost answer
            state.bind("invoice", number, remote_id)
            state.resolved("invoices", number)
            run.unchanged += 1
        for result in sent.results:
            if result.remote_id is not None and result.error is None:
                state.bind("invoice", result.key, result.remote_id)
                state.resolved("invoices", result.key)
                run.created += 1
            elif result.remote_id is not None:  # created, but the ERP's amounts differ
                state.bind("invoice", result.key, result.remote_id)  # never created twice
                state.dead("invoices", result.key, f"{DIFFERS}{result.error}")
                run.failed += 1
            else:
                state.dead("invoices", result.key, result.error or "refused")
                run.failed += 1
        if cursor is not None:
            state.set_cursor("invoices:outbox", str(cursor))


def _invoice_record(session: Session, invoice: models.Invoice, customer: str) -> InvoiceRecord:
    lines = session.scalars(
        select(models.InvoiceLine)
        .where(models.InvoiceLine.invoice_id == invoice.id)
        .order_by(models.InvoiceLine.position)
    )
    return InvoiceRecord(
        number=invoice.number or "",
        kind=invoice.kind,
        customer_remote_id=customer,
        date=invoice.date,
        currency=invoice.currency,
        lines=tuple(
            InvoiceLineRecord(
                ln.description,
                ln.item_code,
                ln.quantity or Decimal(1),
                ln.amount,
                ln.tax_rate,
                ln.tax,
            )
            for ln in lines
        ),
        total_excl_tax=invoice.total_excl_tax,
        tax=invoice.tax,
        total=invoice.total,
    )


# -- payments -----------------------------------------------------------------------------


def _payments(
    engine: Engine,
    connector: Connector,
    policy: RetryPolicy,
    run: StreamRun,
    progress: Progress | None,
) -> None:
    invoices = models.Invoice.__table__  # type: ignore[attr-defined]
    with Session(engine) as session:
        rows = session.execute(
            select(models.Invoice.number, models.ExternalBinding.remote_id)
            .join(
                models.ExternalBinding,
                (models.ExternalBinding.local_key == models.Invoice.number)
                & (models.ExternalBinding.entity == "invoice")
                & (models.ExternalBinding.connector == connector.name),
            )
            .where(models.Invoice.payment_status != "paid")
            .order_by(models.Invoice.id)
        ).all()
    by_remote = {remote: number for number, remote in rows}
    remote_ids = list(by_remote)
    for part in range(0, len(remote_ids), PAYMENT_BATCH):
        chunk = remote_ids[part : part + PAYMENT_BATCH]
        statuses = policy.call(lambda chunk=chunk: connector.pull_payments(chunk))
        with session_scope(engine) as session:
            # one read and one write per chunk, not a round trip per invoice
            current = {
                row.number: row
                for row in session.execute(
                    select(
                        invoices.c.id,
                        invoices.c.number,
                        invoices.c.total,
                        invoices.c.payment_status,
                        invoices.c.amount_paid,
                    ).where(invoices.c.number.in_([by_remote[r] for r in chunk]))
                )
            }
            changes = []
            for status in statuses:
                invoice = current.get(by_remote[status.remote_id])
                if invoice is None:
                    continue
                paid = abs(invoice.total) - status.amount_residual
                if invoice.total < 0:
                    paid = -paid
                if invoice.payment_status == status.state and invoice.amount_paid == paid:
                    run.unchanged += 1
                    continue
                changes.append({"b_id": invoice.id, "b_state": status.state, "b_paid": paid})
                run.updated += 1
            if changes:
                session.connection().execute(
                    update(invoices)
                    .where(invoices.c.id == bindparam("b_id"))
                    .values(payment_status=bindparam("b_state"), amount_paid=bindparam("b_paid")),
                    changes,
                )


# -- journal entries ----------------------------------------------------------------------


def _journal_entries(
    engine: Engine,
    connector: Connector,
    policy: RetryPolicy,
    run: StreamRun,
    progress: Progress | None,
) -> None:
    """Closed months' recognition entries, from the outbox, as posted: pushed once (the
    connector looks each up by reference before creating it), then bound."""
    with Session(engine) as session:
        retry = SyncState(session, connector.name).open_dead_letters("journal_entries")
    if retry:
        _push_journal_batch(engine, connector, policy, run, retry, None)
    with Session(engine) as session:
        after = int(SyncState(session, connector.name).cursor("journal_entries:outbox") or 0)
    for keys, cursor in _outbox_batches(engine, "journal_entry", after, JOURNAL_BATCH):
        _push_journal_batch(engine, connector, policy, run, keys, cursor)
        if progress:
            handled = run.created + run.failed + run.unchanged
            progress("journal_entries", handled, handled)


def _push_journal_batch(
    engine: Engine,
    connector: Connector,
    policy: RetryPolicy,
    run: StreamRun,
    keys: list[str],
    cursor: int | None,
) -> None:
    from cn285.hub.services.revrec import closed_entry

    keys = list(dict.fromkeys(keys))
    with Session(engine) as session:
        state = SyncState(session, connector.name)
        state.preload("journal_entry", keys)
        todo = [k for k in keys if state.binding("journal_entry", k) is None]
    run.unchanged += len(keys) - len(todo)
    entries = [e for e in (closed_entry(engine, k) for k in todo) if e is not None]
    results = policy.call(lambda: connector.push_journal_entries(entries)) if entries else []
    with session_scope(engine) as session:
        state = SyncState(session, connector.name)
        for result in results:
            if result.remote_id is not None and result.error is None:
                state.bind("journal_entry", result.key, result.remote_id)
                state.resolved("journal_entries", result.key)
                run.created += 1
            else:
                state.dead("journal_entries", result.key, result.error or "refused")
                run.failed += 1
        if cursor is not None:
            state.set_cursor("journal_entries:outbox", str(cursor))


_STREAMS = {
    "items": _items,
    "customers": _customers,
    "invoices": _invoices,
    "payments": _payments,
    "journal_entries": _journal_entries,
}

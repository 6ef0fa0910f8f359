"""Termination notifications: find what is due, record it, send it, exactly once.

Each run (`send_due`) looks only at terminations whose effective date can fall in
[today - grace_days, today + the largest reminder offset]: since service stops at the
earliest on the request day and at the latest `lookback_days` after it, the `on` column
bounds the query, and a run's cost grows with the terminations near their date, not with
all those ever recorded. Effective dates come from the billing engine
(`notify.terminations`); what is due from `notify.schedule`.

Exactly once: a notification row (unique per action, kind, offset and channel) is written
with status `pending` in its own transaction BEFORE the message leaves, then marked `sent`
or `failed`. A failed or still-pending row (a crash mid-send) is tried again by later runs,
up to `max_attempts` in all; a sent one never again. One process sends at a time (a lease
in the store), so a pending row seen by a run is always a leftover, never a send in
flight. The one window left is a crash after the server accepted a message and before it
was marked sent: that message goes again, with the same Message-ID / delivery id, which
mail clients and receivers use to drop the repeat.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from cn285.billing_core.charges import BillingError
from cn285.hub.notify import DeliveryError, email, webhook
from cn285.hub.notify.schedule import NOTICE, Due, due_item
from cn285.hub.notify.settings import NotifySettings
from cn285.hub.notify.templates import context, render
from cn285.hub.notify.terminations import Termination, terminations
from cn285.hub.scheduler import leases
from cn285.hub.services.book import Catalog, DisjointSets, group_batches, load_book
from cn285.hub.services.errors import ServiceError
from cn285.hub.store import models
from cn285.hub.store.bulk import select_in
from cn285.hub.store.database import session_scope
from cn285.hub.store.types import now

LEASE = "notifications"
_TTL = 120.0  # seconds; renewed every 40 s while a run sends
_BATCH = 200  # contracts per book
_A = models.ContractAction.__table__  # type: ignore[attr-defined]
_N = models.Notification.__table__  # type: ignore[attr-defined]
_CU = models.Customer.__table__  # type: ignore[attr-defined]
_NOT_IN_PAYLOAD = {"kind", "what", "days_before", "days_left"}  # prose, or named otherwise


class NotificationsBusy(ServiceError):
    """Another process holds the notifications lease; try again when it is done."""


@dataclass
class Summary:
    """What a run did; `failed` notifications are retried by the next runs."""

    day: dt.date
    terminations: int = 0  # computed: those whose dates may be near `day`
    sent: int = 0
    failed: int = 0
    superseded: int = 0  # end nothing: another change ends the lines sooner
    errors: list[str] = field(default_factory=list)  # terminations the engine refused


@dataclass(frozen=True)
class _Customer:
    code: str
    name: str
    email: str | None


def send_due(engine: Engine, today: dt.date, settings: NotifySettings) -> Summary:
    """Send the reminders and notices due on `today` (again: nothing twice)."""
    holder = leases.holder_name()
    if not leases.acquire(engine, LEASE, holder, _TTL):
        raise NotificationsBusy(
            f"notifications are being sent by {leases.current_holder(engine, LEASE)}"
        )
    try:
        with leases.Renewal(engine, LEASE, holder, _TTL) as renewal:
            return _run(engine, today, settings, renewal)
    finally:
        leases.release(engine, LEASE, holder)


def _run(
    engine: Engine, today: dt.date, settings: NotifySettings, renewal: leases.Renewal
) -> Summary:
    summary = Summary(today)
    candidates = _candidates(engine, today, settings)
    rows = _rows(engine, list(candidates))
    open_ids = {i: c for i, c in candidates.items() if not _finished(rows.get(i, []), settings)}
    if not open_ids:
        return summary
    with Session(engine) as session:
        catalog = Catalog.load(session)
        links = _transfer_links(session)
    for batch in group_batches(_groups(open_ids, links), _BATCH):
        computed = _compute(engine, batch, open_ids, catalog, summary)
        customers = _customers(engine, {t.customer for t in computed.values() if t})
        for action_id, termination in sorted(computed.items()):
            summary.terminations += 1
            if termination is None:
                summary.superseded += 1
                continue
            due = due_item(termination, today, settings.reminder_days, settings.grace_days)
            if due is None:
                continue
            customer = customers.get(termination.customer) or _Customer(
                termination.customer, termination.customer, None
            )
            for channel in settings.channels:
                if renewal.lost.is_set():
                    raise NotificationsBusy("the notifications lease was lost; run stopped")
                existing = _row_for(rows.get(action_id, []), due, channel)
                if existing is None and _later_recorded(rows.get(action_id, []), due, channel):
                    continue
                _deliver(engine, termination, due, channel, customer, existing, settings, summary)
    return summary


def termination_dates(engine: Engine, action_ids: Iterable[int]) -> dict[int, Termination | None]:
    """What each termination action does, per the billing engine (None: it ends no line);
    the same computation `send_due` makes, for display and checks."""
    ids = sorted(set(action_ids))
    with engine.connect() as connection:
        rows = select_in(connection, _A, "id", ids)
    wanted = {r.id: r.contract_code for r in rows if r.kind == "terminate" and r.on is not None}
    summary = Summary(dt.date.min)
    with Session(engine) as session:
        catalog = Catalog.load(session)
        links = _transfer_links(session)
    result: dict[int, Termination | None] = {}
    for batch in group_batches(_groups(wanted, links), _BATCH):
        result.update(_compute(engine, batch, wanted, catalog, summary))
    if summary.errors:
        raise ServiceError("; ".join(summary.errors))
    return result


# -- finding the terminations ----------------------------------------------------------------


def _candidates(engine: Engine, today: dt.date, settings: NotifySettings) -> dict[int, str]:
    """Termination ids (with their contract) whose effective date may be near `today`."""
    first = today - dt.timedelta(days=settings.grace_days + settings.lookback_days)
    last = today + dt.timedelta(days=settings.max_offset)
    statement = select(_A.c.id, _A.c.contract_code).where(
        _A.c.kind == "terminate", _A.c.on >= first, _A.c.on <= last
    )
    with engine.connect() as connection:
        return {row.id: row.contract_code for row in connection.execute(statement)}


def _rows(engine: Engine, action_ids: list[int]) -> dict[int, list[Any]]:
    rows: dict[int, list[Any]] = {}
    with engine.connect() as connection:
        for row in select_in(connection, _N, "action_id", sorted(action_ids)):
            rows.setdefault(row.action_id, []).append(row)
    return rows


def _finished(rows: list[Any], settings: NotifySettings) -> bool:
    """Every channel's notice sent or given up: nothing more will ever go out."""
    done = {
        r.channel
        for r in rows
        if r.kind == NOTICE and (r.status == "sent" or r.attempts >= settings.max_attempts)
    }
    return all(channel in done for channel in settings.channels)


def _transfer_links(session: Session) -> list[tuple[str, str]]:
    """Contracts joined by a transfer: a book must hold both (few rows in any store)."""
    statement = select(_A.c.contract_code, _A.c.data).where(_A.c.kind == "transfer")
    return [(code, str(data["to"])) for code, data in session.execute(statement)]


def _groups(open_ids: dict[int, str], links: list[tuple[str, str]]) -> list[set[str]]:
    """The contracts to load together: each candidate's contract and those linked to it."""
    sets = DisjointSets()
    find = sets.find
    for a, b in links:
        sets.union(a, b)
    wanted = {find(code) for code in open_ids.values()}
    groups: dict[str, set[str]] = {root: set() for root in wanted}
    for node in sets.nodes():
        root = find(node)
        if root in groups:
            groups[root].add(node)
    for code in open_ids.values():
        groups[find(code)].add(code)
    return sorted(groups.values(), key=min)


def _compute(
    engine: Engine,
    batch: list[set[str]],
    open_ids: dict[int, str],
    catalog: Catalog,
    summary: Summary,
) -> dict[int, Termination | None]:
    """Terminations of a batch of groups; a group the engine refuses is reported, alone."""
    codes = set().union(*batch)
    ids = [i for i, code in open_ids.items() if code in codes]
    with Session(engine) as session:
        try:
            return terminations(load_book(session, codes, catalog), ids)
        except BillingError:
            pass  # find the group at fault, and compute the others
        result: dict[int, Termination | None] = {}
        for group in batch:
            group_ids = [i for i, code in open_ids.items() if code in group]
            try:
                result.update(terminations(load_book(session, group, catalog), group_ids))
            except BillingError as exc:
                summary.errors.append(f"contracts {', '.join(sorted(group))}: {exc}")
        return result


def _customers(engine: Engine, codes: Iterable[str]) -> dict[str, _Customer]:
    with engine.connect() as connection:
        rows = select_in(connection, _CU, "code", sorted(codes))
    return {r.code: _Customer(r.code, r.name, (r.email or "").strip() or None) for r in rows}


def _row_for(rows: list[Any], due: Due, channel: str) -> Any | None:
    for row in rows:
        if (row.kind, row.offset_days, row.channel) == (due.kind, due.offset_days, channel):
            return row
    return None


def _later_recorded(rows: list[Any], due: Due, channel: str) -> bool:
    """A later item (smaller offset) already recorded: the effective date moved since."""
    return any(r.channel == channel and r.offset_days < due.offset_days for r in rows)


# -- recording and sending -------------------------------------------------------------------


def _deliver(
    engine: Engine,
    termination: Termination,
    due: Due,
    channel: str,
    customer: _Customer,
    existing: Any | None,
    settings: NotifySettings,
    summary: Summary,
) -> None:
    if existing is not None and (
        existing.status == "sent" or existing.attempts >= settings.max_attempts
    ):
        return
    values = context(termination, due.kind, due.offset_days, customer.name, summary.day)
    message = render(values)
    recipient, problem = _recipient(channel, customer, settings)
    fields = {
        "recipient": recipient,
        "effective_date": termination.effective,
        "subject": message.subject,
        "body": message.body,
    }
    row_id = _claim(engine, termination, due, channel, existing, fields, problem)
    if row_id is None:
        return  # another run recorded it first
    if problem is not None:
        summary.failed += 1
        return
    try:
        if channel == "email":
            smtp = settings.smtp
            assert smtp is not None
            key = f"notification-{row_id}"
            email.send(smtp, email.build(smtp, recipient, message.subject, message.body, key))
        else:
            assert settings.webhook is not None
            payload = {
                "event": f"termination.{due.kind}",
                "days_before": due.offset_days,
                **{
                    k: v
                    for k, v in values.items()
                    if k not in ("kind", "what", "days_before", "days_left")
                },
                "customer_email": customer.email,
            }
            webhook.post(settings.webhook, payload, f"notification-{row_id}")
    except DeliveryError as exc:
        _finish(engine, row_id, "failed", str(exc))
        summary.failed += 1
    except Exception as exc:  # a bug must not stop the other notifications; it is recorded
        _finish(engine, row_id, "failed", f"{type(exc).__name__}: {exc}")
        summary.failed += 1
    else:
        _finish(engine, row_id, "sent", None)
        summary.sent += 1


def _recipient(
    channel: str, customer: _Customer, settings: NotifySettings
) -> tuple[str, str | None]:
    """Where the message goes, or why it cannot go."""
    if channel == "webhook":
        assert settings.webhook is not None
        return settings.webhook.url.split("?", 1)[0], None
    if customer.email is None:
        return "", f"customer {customer.code} has no e-mail address: set `email` on the customer"
    return customer.email, None


def _claim(
    engine: Engine,
    termination: Termination,
    due: Due,
    channel: str,
    existing: Any | None,
    fields: dict[str, Any],
    problem: str | None,
) -> int | None:
    """Record the attempt before sending, in its own transaction; the row's id, or None
    when another run got there first."""
    status = "failed" if problem else "pending"
    try:
        with session_scope(engine) as session:
            if existing is None:
                row = models.Notification(
                    action_id=termination.action_id,
                    contract_code=termination.contract,
                    kind=due.kind,
                    offset_days=due.offset_days,
                    channel=channel,
                    status=status,
                    attempts=1,
                    error=problem,
                    **fields,
                )
                session.add(row)
                session.flush()
                return row.id
            claimed = session.execute(
                update(models.Notification)
                .where(
                    models.Notification.id == existing.id,  # type: ignore[arg-type]
                    models.Notification.attempts == existing.attempts,  # type: ignore[arg-type]
                )
                .values(attempts=existing.attempts + 1, status=status, error=problem, **fields)
            )
            return existing.id if claimed.rowcount == 1 else None  # type: ignore[attr-defined]
    except IntegrityError:
        return None


def _finish(engine: Engine, row_id: int, status: str, error: str | None) -> None:
    with session_scope(engine) as session:
        session.execute(
            update(models.Notification)
            .where(models.Notification.id == row_id)  # type: ignore[arg-type]
            .values(status=status, error=error, sent_at=now() if status == "sent" else None)
        )


# -- reading ---------------------------------------------------------------------------------


def list_notifications(
    session: Session,
    contract: str | None = None,
    status: str | None = None,
    limit: int = 100,
) -> list[models.Notification]:
    """The latest notifications, newest first (the CLI's view; the API pages them)."""
    statement = select(models.Notification)
    if contract:
        statement = statement.where(models.Notification.contract_code == contract)
    if status:
        statement = statement.where(models.Notification.status == status)
    order = models.Notification.id.desc()  # type: ignore[union-attr]
    return list(session.scalars(statement.order_by(order).limit(limit)))

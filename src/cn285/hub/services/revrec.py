"""Month closes of revenue recognition, from the issued invoices in the store.

Closing month M posts, for every line of every invoice and credit note issued on or before
M's last day, what its schedule recognises from the start up to M minus what earlier closes
already posted of it. A document dated in a month already closed therefore lands in the
first open month, and a close run twice posts nothing new. Months close in order; a closed
month is locked. The close's journal entry (`REVREC-YYYY-MM`) goes to the outbox for the
ERPs.

The start (the cut-over) is the first month Cn285 closes: what schedules recognise before
it was recognised by the previous system (imported history), so it is never posted again.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import func, insert, not_, select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from cn285.billing_core.journal import JournalEntry, JournalLine
from cn285.billing_core.revrec import (
    AccountPlan,
    Recognition,
    RevenueLine,
    RevrecError,
    close_entry,
    schedule,
)
from cn285.billing_core.revrec.months import month_end, month_of, next_month
from cn285.hub.services.errors import Conflict, Invalid, NotFound
from cn285.hub.store import models
from cn285.hub.store.database import session_scope
from cn285.hub.sync.outbox import emit

CHUNK = 5_000  # invoice lines read, scheduled and posted at a time (memory stays flat)
ZERO = Decimal(0)
START = "start"  # the `[revrec]` key of the cut-over month
_MONTH = re.compile(r"\d{4}-\d{2}")


@dataclass(frozen=True)
class Close:
    month: dt.date
    reference: str
    recognised: Decimal
    entry: JournalEntry | None
    created: bool  # False: the month was closed already, nothing was posted


def account_plan(config: Mapping[str, Any]) -> AccountPlan:
    """The `[revrec]` section of cn285.toml (account codes; French defaults)."""
    section = _section(config)
    section.pop(START, None)
    try:
        return AccountPlan(**section)
    except (RevrecError, TypeError) as exc:
        raise Invalid([("revrec", str(exc))]) from None


def start_setting(config: Mapping[str, Any]) -> dt.date | None:
    """`[revrec] start = "YYYY-MM"`: the first month Cn285 closes (None: not set, the
    default applies; see `cutover`)."""
    value = _section(config).get(START)
    if value is None:
        return None
    if isinstance(value, str) and _MONTH.fullmatch(value):
        try:
            return dt.date.fromisoformat(f"{value}-01")
        except ValueError:
            pass
    raise Invalid([(f"revrec.{START}", f'must be a month, "YYYY-MM" (got {value!r})')])


def _section(config: Mapping[str, Any]) -> dict[str, Any]:
    section = dict(config.get("revrec") or {})
    known = {*AccountPlan.__dataclass_fields__, START}
    unknown = sorted(set(section) - known)
    if unknown:
        raise Invalid(
            [(f"revrec.{unknown[0]}", f"unknown key (known: {', '.join(sorted(known))})")]
        )
    return section


@dataclass(frozen=True)
class Cutover:
    """Where Cn285's revenue recognition takes over from the previous system's.

    `start` is the first month Cn285 closes: schedules' months before it are left out of
    every close (the previous system recognised them). None: no cut-over, closes recognise
    everything (a store with no imported history and no `[revrec] start`, as always).
    `waiting`: only imported history and no start, so no month can be closed yet.
    """

    start: dt.date | None
    source: str = ""  # where the start comes from, for messages
    waiting: bool = False


def cutover(session: Session, configured: dt.date | None) -> Cutover:
    """The start in force: once a month is closed, the first closed month (it cannot move:
    a close already posted what the start left out or kept); before that, `[revrec] start`,
    else the month of the first invoice Cn285 issued when the store holds imported history.
    """
    first_closed = session.scalar(select(func.min(models.RevrecPeriod.month)))
    if first_closed is not None:
        if configured is not None and configured != first_closed:
            raise Conflict(
                f"[revrec] start is {configured:%Y-%m}, but Cn285 has closed the months since "
                f"{first_closed:%Y-%m}: the start cannot move once a month is closed (set it "
                f"to {first_closed:%Y-%m} or remove it)"
            )
        if configured is not None or _holds_history(session):
            return Cutover(first_closed, "the first month closed")
        return Cutover(None)
    if configured is not None:
        return Cutover(configured, "[revrec] start")
    if not _holds_history(session):
        return Cutover(None)
    own = session.scalar(
        select(func.min(models.Invoice.date)).where(
            models.Invoice.number.is_not(None),  # type: ignore[union-attr]
            not_(models.Invoice.key.startswith(models.IMPORTED_KEY_PREFIX, autoescape=True)),  # type: ignore[attr-defined]
        )
    )
    if own is None:
        return Cutover(None, waiting=True)
    return Cutover(month_of(own), "the month of the first invoice Cn285 issued")


def _holds_history(session: Session) -> bool:
    """Whether imported invoices (the previous system's) are stored."""
    return (
        session.scalar(
            select(models.Invoice.id)
            .where(models.Invoice.key.startswith(models.IMPORTED_KEY_PREFIX, autoescape=True))  # type: ignore[attr-defined]
            .limit(1)
        )
        is not None
    )


def reference(month: dt.date) -> str:
    return f"REVREC-{month:%Y-%m}"


def revenue_line(line: models.InvoiceLine, invoice: models.Invoice) -> RevenueLine:
    return RevenueLine(
        invoice_number=invoice.number or "",
        invoice_date=invoice.date,
        kind=invoice.kind,
        position=line.position,
        item_code=line.item_code,
        line_kind=line.kind,
        start=line.start,
        end=line.end,
        amount=line.amount,
        tax=line.tax,
        currency=invoice.currency,
        customer=invoice.customer_code,
    )


def close_month(
    engine: Engine, day: dt.date, plan: AccountPlan, start: dt.date | None = None
) -> Close:
    """Close the month of `day` (idempotent: a closed month is returned as it was).

    `start` is `[revrec] start` (`start_setting`): with a start, the first close must be
    the start's month, and nothing before it is ever closed.
    """
    month = month_of(day)
    with session_scope(engine) as session:
        closed = session.get(models.RevrecPeriod, month)
        if closed is not None:
            return Close(
                month, closed.reference, closed.recognised, stored_entry(session, closed), False
            )
        latest = session.scalar(
            select(models.RevrecPeriod.month).order_by(models.RevrecPeriod.month.desc()).limit(1)
        )  # type: ignore[attr-defined]
        cut = cutover(session, start)
        _check_start(month, cut, first_close=latest is None)
        if latest is not None and month != next_month(latest):
            if month < latest:
                raise Conflict(
                    f"{month:%Y-%m} precedes the last closed month {latest:%Y-%m}: it is locked"
                )
            raise Conflict(
                f"months close in order: the next month to close is {next_month(latest):%Y-%m}"
            )
        period = models.RevrecPeriod(month=month, reference=reference(month), recognised=ZERO)
        session.add(period)
        session.flush()
        posted = [ZERO]  # summed while posting: the month's postings are never re-read
        entry = close_entry(month, _post_due(session, month, cut.start, posted), plan)
        period.recognised = posted[0]
        session.add(period)
        if entry is not None:
            for position, line in enumerate(entry.lines, start=1):
                session.add(
                    models.RevrecEntryLine(
                        month=month,
                        position=position,
                        account=line.account,
                        label=line.label,
                        debit=line.debit,
                        credit=line.credit,
                    )
                )
            emit(session, "journal_entry", [entry.reference], "created")
        return Close(month, period.reference, period.recognised, entry, True)


def _check_start(month: dt.date, cut: Cutover, first_close: bool) -> None:
    """No month before the start is ever closed (the previous system closed it), and the
    first close is the start's month (a later one would catch up, so post, the months
    between: the start would no longer be the first month closed)."""
    if cut.waiting:
        raise Conflict(
            "no month to close yet: the store holds only imported invoices, recognised by the"
            ' previous system; set [revrec] start = "YYYY-MM" (the first month Cn285 closes)'
            " or close once Cn285 has issued its first invoice"
        )
    if cut.start is None:
        return
    start = f"{cut.start:%Y-%m} ({cut.source})"
    if month < cut.start:
        raise Conflict(
            f"{month:%Y-%m} is before the revenue recognition start {start}: months before"
            " it are the previous system's, never closed by Cn285"
        )
    if first_close and month != cut.start:
        raise Conflict(f"months close in order: the first month to close is the start {start}")


def _post_due(
    session: Session, month: dt.date, start: dt.date | None, posted_total: list[Decimal]
) -> Iterator[tuple[RevenueLine, Recognition]]:
    """Post (and yield) what each line owes month `month`, a chunk of lines at a time:
    what its schedule recognises from `start` (the cut-over; None: from the beginning)
    up to `month`, less what earlier closes posted."""
    first = start or dt.date.min
    last_id = 0
    while True:
        rows = session.execute(
            select(models.InvoiceLine, models.Invoice)
            .join(models.Invoice, models.Invoice.id == models.InvoiceLine.invoice_id)
            .where(
                models.Invoice.number.is_not(None),  # type: ignore[union-attr]
                models.Invoice.date <= month_end(month),
                models.InvoiceLine.id > last_id,  # type: ignore[operator]
            )
            .order_by(models.InvoiceLine.id)
            .limit(CHUNK)
        ).all()
        if not rows:
            return
        last_id = rows[-1][0].id
        posted: dict[int, Decimal] = {}
        for line_id, amount in session.execute(
            select(models.RevrecPosting.invoice_line_id, models.RevrecPosting.amount).where(
                models.RevrecPosting.invoice_line_id.in_([r[0].id for r in rows])  # type: ignore[attr-defined]
            )
        ):
            posted[line_id] = posted.get(line_id, ZERO) + amount
        postings: list[dict[str, object]] = []
        for line, invoice in rows:
            revenue = revenue_line(line, invoice)
            due = sum((r.amount for r in schedule(revenue) if first <= r.month <= month), ZERO)
            due -= posted.get(line.id, ZERO)  # type: ignore[arg-type]
            if due:
                postings.append({"invoice_line_id": line.id, "month": month, "amount": due})
                posted_total[0] += due
                yield revenue, Recognition(month, due)
        if postings:  # one bulk insert per chunk; nothing kept in the session
            session.execute(insert(models.RevrecPosting), postings)
        session.expunge_all()


def stored_entry(session: Session, period: models.RevrecPeriod) -> JournalEntry | None:
    """The entry of a closed month, as it was posted."""
    lines = session.scalars(
        select(models.RevrecEntryLine)
        .where(models.RevrecEntryLine.month == period.month)
        .order_by(models.RevrecEntryLine.position)
    ).all()
    if not lines:
        return None
    return JournalEntry(
        period.reference,
        month_end(period.month),
        tuple(JournalLine(x.account, x.label, x.debit, x.credit) for x in lines),
    )


def closed_entry(engine: Engine, ref: str) -> JournalEntry | None:
    """The journal entry of the closed month named `ref` (REVREC-YYYY-MM), as posted."""
    with Session(engine) as session:
        period = session.scalars(
            select(models.RevrecPeriod).where(models.RevrecPeriod.reference == ref)
        ).first()
        return stored_entry(session, period) if period is not None else None


def invoice_schedule(
    engine: Engine, number: str
) -> list[tuple[RevenueLine, tuple[Recognition, ...]]]:
    """Each line of an issued invoice with its recognition schedule."""
    with Session(engine) as session:
        invoice = session.scalars(
            select(models.Invoice).where(models.Invoice.number == number)
        ).first()
        if invoice is None:
            raise NotFound("invoice", number)
        lines = session.scalars(
            select(models.InvoiceLine)
            .where(models.InvoiceLine.invoice_id == invoice.id)
            .order_by(models.InvoiceLine.position)
        ).all()
        return [
            (revenue_line(line, invoice), schedule(revenue_line(line, invoice))) for line in lines
        ]


def close_through(
    engine: Engine, last: dt.date, plan: AccountPlan, start: dt.date | None = None
) -> list[Close]:
    """Close, in order, every month not closed yet up to the month of `last`: the month
    after the latest closed one, else the start (`cutover`), else the month of the first
    invoice. What a scheduler that was down for a while catches up with. A store holding
    only imported history, with no `[revrec] start`, has nothing to close yet."""
    with Session(engine) as session:
        latest = session.scalar(
            select(models.RevrecPeriod.month).order_by(models.RevrecPeriod.month.desc()).limit(1)
        )  # type: ignore[attr-defined]
        if latest is not None:
            month = next_month(latest)
        else:
            cut = cutover(session, start)
            first = cut.start or session.scalar(select(func.min(models.Invoice.date)))
            if cut.waiting or first is None:
                return []
            month = month_of(first)
    closes = []
    while month <= month_of(last):
        closes.append(close_month(engine, month, plan, start))
        month = next_month(month)
    return closes

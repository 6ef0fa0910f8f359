"""Rating: from a line's terms, schedule and usage to charges, date after date.

Each line is simulated on the dates where something happens to it (an invoice date, an
action taking effect, a usage record for threshold billing). On each date the engine
compares what is due under what is known that day with what was already charged, and
charges the difference: a new period, or a credit or charge for a change inside a period
already billed. That one mechanism gives prorated credits for pauses, terminations,
downsells, discounts and free periods, charges for upsells and resumes, and never bills
the same day twice.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from itertools import pairwise
from zoneinfo import ZoneInfo

from cn285.billing_core.calendar import ONE_DAY
from cn285.billing_core.charges import BillingError, Charge
from cn285.billing_core.contracts import Action, Line, LineKind, Timing
from cn285.billing_core.money import CONTEXT, ZERO, round_money
from cn285.billing_core.pricing import PricingError, PricingInput, PricingModel
from cn285.billing_core.schedule import ServicePeriod, schedule
from cn285.billing_core.terms import LineTerms
from cn285.billing_core.usage import Accumulator, UsageRecord

# (first day, last day, value per day × denominator, period key)
Segment = tuple[date, date, Decimal, tuple[date, date, int]]


@dataclass
class LineContext:
    """Everything the rating of one line needs, already indexed."""

    line: Line
    ref: str
    order: int
    terms_at: Callable[[Sequence[Action], date], LineTerms]
    holder_at: Callable[[str, date], str]
    early: list[Action]  # known from the start (no `on`)
    dated: list[Action]  # sorted by (on, seq)
    records: list[UsageRecord] = field(default_factory=list)
    timezone: ZoneInfo | None = None

    def model(self, terms: LineTerms, day: date, item: str | None = None) -> PricingModel:
        price_list = terms.price_list(day)
        try:
            return price_list.prices[item or self.line.item]
        except KeyError:
            raise BillingError(
                f"{self.line.source}: item {item or self.line.item} has no price in price list "
                f"{price_list.code}"
            ) from None

    def price(self, model: PricingModel, given: PricingInput) -> Decimal:
        try:
            return model.amount(given)
        except PricingError as exc:
            raise BillingError(f"{self.line.source}: {exc}") from None


class _Clock:
    """Walks a line's dates: invoice dates, action dates and, when asked, usage days."""

    def __init__(self, ctx: LineContext, until: date) -> None:
        self.ctx = ctx
        self.until = until
        self.next_action = 0
        self.terms = ctx.terms_at(ctx.early, date.min)

    def advance(self, day: date) -> bool:
        """Take in the actions effective on or before `day`; True when the terms changed."""
        dated = self.ctx.dated
        start = self.next_action
        while self.next_action < len(dated) and dated[self.next_action].on <= day:  # type: ignore[operator]
            self.next_action += 1
        if self.next_action == start:
            return False
        self.terms = self.ctx.terms_at([*self.ctx.early, *dated[: self.next_action]], day)
        return True

    def action_date(self) -> date | None:
        dated = self.ctx.dated
        return dated[self.next_action].on if self.next_action < len(dated) else None


def _earliest(*days: date | None) -> date | None:
    present = [d for d in days if d is not None]
    return min(present) if present else None


def _contract_for(terms: LineTerms, day: date, end: date) -> str:
    return terms.contract(min(day, end))


# -- recurring lines -----------------------------------------------------------------------


def rate_recurring(ctx: LineContext, until: date) -> list[Charge]:
    line = ctx.line
    clock = _Clock(ctx, until)
    periods = schedule(clock.terms, until, line.timing)
    ledger: list[Segment] = []
    processed: set[tuple[date, date, int]] = set()
    charges: list[Charge] = []
    while True:
        next_invoice = min(
            (p.invoice_date for p in periods if p.invoice_date and p.key not in processed),
            default=None,
        )
        day = _earliest(next_invoice, clock.action_date())
        if day is None or day > until:
            return charges
        changed = clock.advance(day)
        if changed:
            periods = schedule(clock.terms, until, line.timing)
        due = [p for p in periods if p.invoice_date is not None and p.invoice_date <= day]
        targets = due if changed else [p for p in due if p.key not in processed]
        _charge_differences(
            ctx, clock.terms, day, targets, periods if changed else None, ledger, charges
        )
        processed.update(p.key for p in due)


def _key(line: Line, period: ServicePeriod) -> tuple[date, date, int]:
    return (period.start, period.full_end, period.full_days if line.prorate else 1)


def _desired(ctx: LineContext, terms: LineTerms, period: ServicePeriod) -> list[Segment]:
    """What the days of `period` are worth under `terms` (value per day × denominator)."""
    line = ctx.line
    key = _key(line, period)
    if terms.simple:
        quantity = terms.quantities[0][1]
        value = ctx.price(
            ctx.model(terms, period.start), PricingInput(quantity=quantity, line_quantity=quantity)
        )
        first, last = period.start, (period.end if line.prorate else period.start)
        return [(first, last, value, key)] if value else []
    segments: list[Segment] = []
    points = [period.start, *terms.breakpoints(period.start, period.end), period.end + ONE_DAY]
    for first, after in pairwise(points):
        if terms.paused(first):
            continue
        quantity = terms.quantity(first)
        value = ctx.price(
            ctx.model(terms, first), PricingInput(quantity=quantity, line_quantity=quantity)
        )
        value *= terms.factor(first)
        if not line.prorate:  # the whole period on the terms of its first served day
            return [(first, first, value, key)] if value else []
        last = after - ONE_DAY
        if segments and segments[-1][2] == value and segments[-1][1] + ONE_DAY == first:
            segments[-1] = (segments[-1][0], last, value, key)
        elif value:
            segments.append((first, last, value, key))
    return segments


def _charge_differences(
    ctx: LineContext,
    terms: LineTerms,
    day: date,
    targets: list[ServicePeriod],
    all_periods: list[ServicePeriod] | None,
    ledger: list[Segment],
    charges: list[Charge],
) -> None:
    """Charge, on `day`, the difference between what `targets` are worth and what was charged.

    With `all_periods` (the terms changed), days charged before that no period covers any
    more (after a termination, say) are credited too.
    """
    groups: dict[tuple[date, date, int], list[Segment]] = {}
    ends = {_key(ctx.line, p): p.end for p in targets}
    for period in targets:
        desired = _desired(ctx, terms, period)
        overlapping = [s for s in ledger if s[0] <= period.end and s[1] >= period.start]
        if not overlapping:
            if desired:
                groups.setdefault(desired[0][3], []).extend(desired)
            continue
        _difference(period, desired, overlapping, groups)
    if all_periods is not None:
        _credit_uncovered(all_periods, ledger, groups)
    line = ctx.line
    for key, pieces in groups.items():
        denominator = key[2]
        numerator = sum(((s[2] * ((s[1] - s[0]).days + 1)) for s in pieces), ZERO)
        currency = terms.price_list(key[0]).currency
        amount = round_money(CONTEXT.divide(numerator, denominator), currency)
        if not amount:
            continue
        nonzero = [s for s in pieces if s[2]]
        first = min(s[0] for s in nonzero)
        last = ends.get(key, key[1]) if denominator == 1 else max(s[1] for s in nonzero)
        adjustment = any(s[3] == key for s in ledger)
        quantity = terms.quantity(first)
        model = ctx.model(terms, first)
        contract = _contract_for(terms, day, last)
        charges.append(
            Charge(
                line=ctx.ref,
                item=line.item,
                kind=line.kind.value,
                date=day,
                start=first,
                end=last,
                amount=amount,
                currency=currency,
                contract=contract,
                period=key,
                quantity=None if adjustment else quantity,
                unit_price=None if adjustment else model.unit_price(),
                adjustment=adjustment,
                basis_quantity=terms.quantity(min(key[1], terms.end or key[1])),
                order=ctx.order,
            )
        )
        ledger.extend(pieces)


def _difference(
    period: ServicePeriod,
    desired: list[Segment],
    billed: list[Segment],
    groups: dict[tuple[date, date, int], list[Segment]],
) -> None:
    """Add desired − billed over the days of `period`, by period key."""
    points = {period.start, period.end + ONE_DAY}
    for s in (*desired, *billed):
        points.add(max(s[0], period.start))
        points.add(min(s[1], period.end) + ONE_DAY)
    ordered = sorted(points)
    for first, after in pairwise(ordered):
        last = after - ONE_DAY
        want = next((s for s in desired if s[0] <= first <= s[1]), None)
        value = want[2] if want else ZERO
        key = want[3] if want else None
        for s in billed:
            if s[0] <= first <= s[1]:
                if key is None or s[3] == key:
                    value -= s[2]
                    key = s[3] if key is None else key
                else:
                    groups.setdefault(s[3], []).append((first, last, -s[2], s[3]))
        if value and key is not None:
            groups.setdefault(key, []).append((first, last, value, key))


def _credit_uncovered(
    periods: list[ServicePeriod],
    ledger: list[Segment],
    groups: dict[tuple[date, date, int], list[Segment]],
) -> None:
    """Credit charged days that no service period covers any more."""
    covered = [(p.start, p.end) for p in periods]
    starts = [c[0] for c in covered]
    for first, last, value, key in ledger:
        day = first
        while day <= last:
            i = bisect_right(starts, day) - 1
            if i >= 0 and covered[i][0] <= day <= covered[i][1]:
                day = covered[i][1] + ONE_DAY
                continue
            nxt = covered[i + 1][0] if i + 1 < len(covered) else None
            stop = last if nxt is None or nxt > last else nxt - ONE_DAY
            groups.setdefault(key, []).append((day, stop, -value, key))
            day = stop + ONE_DAY


# -- one-shot lines ------------------------------------------------------------------------


def rate_one_shot(ctx: LineContext, until: date) -> list[Charge]:
    line = ctx.line
    if line.start > until:
        return []
    clock = _Clock(ctx, until)
    clock.advance(line.start)
    terms = clock.terms
    if terms.end is not None and terms.end < line.start:
        return []
    model = ctx.model(terms, line.start)
    price_list = terms.price_list(line.start)
    value = ctx.price(model, PricingInput(quantity=line.quantity, line_quantity=line.quantity))
    amount = round_money(value, price_list.currency)
    if not amount:
        return []
    return [
        Charge(
            line=ctx.ref,
            item=line.item,
            kind=line.kind.value,
            date=line.start,
            start=line.start,
            end=line.start,
            amount=amount,
            currency=price_list.currency,
            contract=terms.contract(line.start),
            period=("one_shot",),
            quantity=line.quantity,
            unit_price=model.unit_price(),
            basis_quantity=line.quantity,
            order=ctx.order,
        )
    ]


# -- usage lines ---------------------------------------------------------------------------


@dataclass
class _Billed:
    quantity: Decimal = ZERO
    amount: Decimal = ZERO
    through: date | None = None


def rate_usage(ctx: LineContext, until: date) -> list[Charge]:
    line = ctx.line
    tz = ctx.timezone
    records = sorted(ctx.records, key=lambda r: (r.at, r.seq))
    days = [_local_day(r.at, tz) for r in records]
    clock = _Clock(ctx, until)
    periods = schedule(clock.terms, until, Timing.ARREARS, cut=True)
    progressive = (
        line.threshold_quantity is not None
        or line.threshold_amount is not None
        or line.period.months == 0
    )
    # keyed by first day: a period keeps it when a termination or a cut shortens it
    billed: dict[date, _Billed] = {}
    processed: set[date] = set()
    charges: list[Charge] = []
    record_days = sorted(set(days)) if progressive else []
    day_index = 0
    while True:
        next_invoice = min(
            (p.invoice_date for p in periods if p.invoice_date and p.start not in processed),
            default=None,
        )
        next_record = record_days[day_index] if day_index < len(record_days) else None
        day = _earliest(next_invoice, clock.action_date(), next_record)
        if day is None or day > until:
            break
        if clock.advance(day):
            periods = schedule(clock.terms, until, Timing.ARREARS, cut=True)
        while day_index < len(record_days) and record_days[day_index] <= day:
            day_index += 1
        for period in periods:
            if period.start in processed:
                continue
            due = period.invoice_date is not None and period.invoice_date <= day
            running = progressive and period.start <= day <= period.end
            if not (due or running):
                continue
            last = period.end if due else day
            lo = bisect_left(days, period.start)
            hi = bisect_right(days, last)
            acc = line.aggregation.accumulator().extend(records[lo:hi])
            state = billed.setdefault(period.start, _Billed())
            if due or _threshold_reached(ctx, clock.terms, period, acc, state):
                _charge_usage(ctx, clock.terms, period, acc, state, day, last, charges)
            if due:
                processed.add(period.start)
    _check_records_served(ctx, clock.terms, records, days, until)
    return charges


def _local_day(at: datetime, tz: ZoneInfo | None) -> date:
    return at.astimezone(tz).date() if tz is not None else at.date()


def _usage_amount(
    ctx: LineContext, terms: LineTerms, period: ServicePeriod, acc: Accumulator
) -> tuple[Decimal, Decimal]:
    model = ctx.model(terms, period.start)
    quantity = acc.value()
    value = ctx.price(
        model,
        PricingInput(
            quantity=quantity, aggregates=acc.aggregates(), line_quantity=ctx.line.quantity
        ),
    )
    return quantity, round_money(value, terms.price_list(period.start).currency)


def _threshold_reached(
    ctx: LineContext, terms: LineTerms, period: ServicePeriod, acc: Accumulator, state: _Billed
) -> bool:
    line = ctx.line
    if (
        line.period.months == 0
        and line.threshold_quantity is None
        and line.threshold_amount is None
    ):
        return True  # billed as it arrives
    quantity, amount = _usage_amount(ctx, terms, period, acc)
    if line.threshold_quantity is not None and quantity - state.quantity >= line.threshold_quantity:
        return True
    return line.threshold_amount is not None and amount - state.amount >= line.threshold_amount


def _charge_usage(
    ctx: LineContext,
    terms: LineTerms,
    period: ServicePeriod,
    acc: Accumulator,
    state: _Billed,
    day: date,
    last: date,
    charges: list[Charge],
) -> None:
    quantity, amount = _usage_amount(ctx, terms, period, acc)
    delta = amount - state.amount
    first = period.start if state.through is None else state.through + ONE_DAY
    if ctx.line.period.months == 0:
        first = last = day
    if delta:
        model = ctx.model(terms, period.start)
        charges.append(
            Charge(
                line=ctx.ref,
                item=ctx.line.item,
                kind=ctx.line.kind.value,
                date=day,
                start=first,
                end=last,
                amount=delta,
                currency=terms.price_list(period.start).currency,
                contract=_contract_for(terms, day, last),
                period=("usage", period.start),
                quantity=quantity - state.quantity,
                unit_price=model.unit_price(),
                basis_quantity=quantity,
                order=ctx.order,
            )
        )
        state.amount = amount
        state.quantity = quantity
        state.through = last


def _check_records_served(
    ctx: LineContext, terms: LineTerms, records: list[UsageRecord], days: list[date], until: date
) -> None:
    """Usage outside the line's service is an error, never silently dropped."""
    line = ctx.line
    for record, day in zip(records, days, strict=True):
        if day > until:
            continue
        if day < line.start or (terms.end is not None and day > terms.end):
            served = f"{line.start} – {terms.end}" if terms.end else f"from {line.start}"
            raise BillingError(
                f"{record.source}: usage on {day} is outside the service of {ctx.ref} ({served})"
            )


# -- cascade lines -------------------------------------------------------------------------


def rate_cascade(ctx: LineContext, source: list[Charge], until: date) -> list[Charge]:
    """Follow the source line's charges period by period, on the same dates."""
    line = ctx.line
    clock = _Clock(ctx, until)
    by_date: dict[tuple[date, tuple[object, ...]], list[Charge]] = {}
    for charge in sorted(source, key=lambda c: c.date):
        by_date.setdefault((charge.date, charge.period), []).append(charge)
    amounts: dict[tuple[object, ...], Decimal] = {}
    billed: dict[tuple[object, ...], Decimal] = {}
    charges: list[Charge] = []
    for (day, period), group in by_date.items():
        clock.advance(day)
        terms = clock.terms
        amounts[period] = amounts.get(period, ZERO) + sum((c.amount for c in group), ZERO)
        basis = group[-1].basis_quantity or ZERO
        first = min(c.start for c in group)
        model = ctx.model(terms, first)
        value = ctx.price(
            model,
            PricingInput(quantity=basis, base_amount=amounts[period], line_quantity=line.quantity),
        )
        currency = terms.price_list(first).currency
        total = round_money(value, currency)
        delta = total - billed.get(period, ZERO)
        if not delta:
            continue
        billed[period] = total
        last = max(c.end for c in group)
        charges.append(
            Charge(
                line=ctx.ref,
                item=line.item,
                kind=line.kind.value,
                date=day,
                start=first,
                end=last,
                amount=delta,
                currency=currency,
                contract=group[0].contract,
                period=period,
                quantity=basis if not model.needs_base_amount else None,
                unit_price=model.unit_price(),
                basis_quantity=basis,
                order=ctx.order,
            )
        )
    return charges


RATERS = {
    LineKind.RECURRING: rate_recurring,
    LineKind.ONE_SHOT: rate_one_shot,
    LineKind.USAGE: rate_usage,
}

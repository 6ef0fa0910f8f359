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
from cn285.billing_core.usage import UsageRecord

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
    #: the first date after the billing date on which the line may charge something
    next_event: date | None = None

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
    done = 0  # periods[:done] were due and charged; invoice dates never decrease
    ledger = _Ledger()
    charges: list[Charge] = []
    while True:
        next_invoice = periods[done].invoice_date if done < len(periods) else None
        day = _earliest(next_invoice, clock.action_date())
        if day is None or day > until:
            ctx.next_event = day
            return charges
        changed = clock.advance(day)
        if changed:  # what is known changed: compare every period due so far again
            periods = schedule(clock.terms, until, line.timing)
            first = 0
            done = 0
        else:
            first = done
        while done < len(periods) and periods[done].invoice_date <= day:  # type: ignore[operator]
            done += 1
        _charge_differences(
            ctx,
            clock.terms,
            day,
            periods[first:done],
            periods if changed else None,
            ledger,
            charges,
        )


class _Ledger:
    """What was charged for a line, as day segments, with quick answers to common questions."""

    __slots__ = ("keys", "last_day", "segments")

    def __init__(self) -> None:
        self.segments: list[Segment] = []
        self.keys: set[tuple[date, date, int]] = set()
        self.last_day = date.min

    def overlapping(self, first: date, last: date) -> list[Segment]:
        if first > self.last_day:  # the usual case: a new period after everything charged
            return []
        return [s for s in self.segments if s[0] <= last and s[1] >= first]

    def add(self, pieces: list[Segment]) -> None:
        self.segments.extend(pieces)
        for piece in pieces:
            self.keys.add(piece[3])
            if piece[1] > self.last_day:
                self.last_day = piece[1]


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
    ledger: _Ledger,
    charges: list[Charge],
) -> None:
    """Charge, on `day`, the difference between what `targets` are worth and what was charged.

    With `all_periods` (the terms changed), days charged before that no period covers any
    more (after a termination, say) are credited too.
    """
    line = ctx.line
    if all_periods is None and len(targets) == 1 and targets[0].start > ledger.last_day:
        # the usual case, a new period after everything charged: no comparison needed
        period = targets[0]
        desired = _desired(ctx, terms, period)
        if len(desired) == 1:
            first, last, value, key = desired[0]
            days = (last - first).days + 1
            exact = value if days == key[2] else CONTEXT.divide(value * days, key[2])
            _emit(
                ctx,
                terms,
                day,
                key,
                desired,
                exact,
                first,
                period.end if key[2] == 1 else last,
                ledger,
                charges,
            )
            return
    groups: dict[tuple[date, date, int], list[Segment]] = {}
    ends = {_key(line, p): p.end for p in targets}
    for period in targets:
        desired = _desired(ctx, terms, period)
        overlapping = ledger.overlapping(period.start, period.end)
        if not overlapping:
            if desired:
                groups.setdefault(desired[0][3], []).extend(desired)
            continue
        _difference(period, desired, overlapping, groups)
    if all_periods is not None:
        _credit_uncovered(all_periods, ledger.segments, groups)
    for key, pieces in groups.items():
        nonzero = [s for s in pieces if s[2]]
        if not nonzero:
            continue
        numerator = sum([s[2] * ((s[1] - s[0]).days + 1) for s in pieces], ZERO)
        first = min(s[0] for s in nonzero)
        last = ends.get(key, key[1]) if key[2] == 1 else max(s[1] for s in nonzero)
        exact = numerator if key[2] == 1 else CONTEXT.divide(numerator, key[2])
        _emit(ctx, terms, day, key, pieces, exact, first, last, ledger, charges)


def _emit(
    ctx: LineContext,
    terms: LineTerms,
    day: date,
    key: tuple[date, date, int],
    pieces: list[Segment],
    exact: Decimal,
    first: date,
    last: date,
    ledger: _Ledger,
    charges: list[Charge],
) -> None:
    """Charge the exact amount of `pieces`, rounded, unless it rounds to nothing."""
    currency = terms.price_list(key[0]).currency
    amount = round_money(exact, currency)
    if not amount:
        return
    line = ctx.line
    adjustment = key in ledger.keys
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
            contract=_contract_for(terms, day, last),
            period=key,
            quantity=None if adjustment else terms.quantity(first),
            unit_price=None if adjustment else ctx.model(terms, first).unit_price(),
            adjustment=adjustment,
            basis_quantity=terms.quantity(min(key[1], terms.end or key[1])),
            order=ctx.order,
        )
    )
    ledger.add(pieces)


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
        ctx.next_event = line.start
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
    closed: bool = False  # the period was invoiced on its date


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
    done = 0  # periods[:done] were invoiced; invoice dates never decrease (None last)
    charges: list[Charge] = []
    record_days = sorted(set(days)) if progressive else []
    day_index = 0
    while True:
        next_invoice = periods[done].invoice_date if done < len(periods) else None
        next_record = record_days[day_index] if day_index < len(record_days) else None
        day = _earliest(next_invoice, clock.action_date(), next_record)
        if day is None or day > until:
            ctx.next_event = day
            break
        if clock.advance(day):
            periods = schedule(clock.terms, until, Timing.ARREARS, cut=True)
            invoiced = {start for start, state in billed.items() if state.closed}
            done = 0
            while done < len(periods) and periods[done].start in invoiced:
                done += 1
        while day_index < len(record_days) and record_days[day_index] <= day:
            day_index += 1
        i = done
        while i < len(periods) and periods[i].start <= day:
            period = periods[i]
            due = period.invoice_date is not None and period.invoice_date <= day
            if due or (progressive and day <= period.end):
                last = period.end if due else day
                window = records[bisect_left(days, period.start) : bisect_right(days, last)]
                quantity, amount = _usage_amount(ctx, clock.terms, period, window)
                state = billed.setdefault(period.start, _Billed())
                if due or _threshold_reached(line, quantity, amount, state):
                    _charge_usage(
                        ctx, clock.terms, period, quantity, amount, state, day, last, charges
                    )
                if due:
                    state.closed = True
                    if i == done:
                        done += 1
            i += 1
    _check_records_served(ctx, clock.terms, records, days, until)
    return charges


def _local_day(at: datetime, tz: ZoneInfo | None) -> date:
    return at.astimezone(tz).date() if tz is not None else at.date()


def _usage_amount(
    ctx: LineContext, terms: LineTerms, period: ServicePeriod, window: list[UsageRecord]
) -> tuple[Decimal, Decimal]:
    """The period's aggregated quantity and its rounded amount, for the records in `window`."""
    model = ctx.model(terms, period.start)
    aggregation = ctx.line.aggregation
    aggregates: dict[str, Decimal] | None = None
    if model.needs_aggregates:
        acc = aggregation.accumulator().extend(window)
        quantity, aggregates = acc.value(), acc.aggregates()
    else:
        quantity = aggregation.value_of(window)
    value = ctx.price(
        model,
        PricingInput(quantity=quantity, aggregates=aggregates, line_quantity=ctx.line.quantity),
    )
    return quantity, round_money(value, terms.price_list(period.start).currency)


def _threshold_reached(line: Line, quantity: Decimal, amount: Decimal, state: _Billed) -> bool:
    if line.threshold_quantity is not None:
        return quantity - state.quantity >= line.threshold_quantity
    if line.threshold_amount is not None:
        return amount - state.amount >= line.threshold_amount
    return True  # period: none without threshold, billed as it arrives


def _charge_usage(
    ctx: LineContext,
    terms: LineTerms,
    period: ServicePeriod,
    quantity: Decimal,
    amount: Decimal,
    state: _Billed,
    day: date,
    last: date,
    charges: list[Charge],
) -> None:
    delta = amount - state.amount
    if not delta:
        return
    first = period.start if state.through is None else state.through + ONE_DAY
    if ctx.line.period.months == 0:
        first = last = day
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
            unit_price=ctx.model(terms, period.start).unit_price(),
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
    early = bisect_left(days, line.start)  # records before the start come first
    late = len(days)
    if terms.end is not None:
        late = bisect_right(days, terms.end)  # records after the end come last
    bad = 0 if early else (late if late < len(days) and days[late] <= until else None)
    if bad is None:
        return
    served = f"{line.start} – {terms.end}" if terms.end else f"from {line.start}"
    raise BillingError(
        f"{records[bad].source}: usage on {days[bad]} is outside the service of {ctx.ref} "
        f"({served})"
    )


# -- cascade lines -------------------------------------------------------------------------


def rate_cascade(ctx: LineContext, source: list[Charge], until: date) -> list[Charge]:
    """Follow the source line's charges period by period, on the same dates."""
    line = ctx.line
    clock = _Clock(ctx, until)
    by_date: dict[tuple[date, tuple[object, ...]], list[Charge]] = {}
    for charge in source:  # in date order: rating charges day after day
        by_date.setdefault((charge.date, charge.period), []).append(charge)
    amounts: dict[tuple[object, ...], Decimal] = {}
    billed: dict[tuple[object, ...], Decimal] = {}
    charges: list[Charge] = []
    for (day, period), group in by_date.items():
        clock.advance(day)
        terms = clock.terms
        if len(group) == 1:
            amount, first, last = group[0].amount, group[0].start, group[0].end
        else:
            amount = sum([c.amount for c in group], ZERO)
            first, last = min(c.start for c in group), max(c.end for c in group)
        amounts[period] = amounts.get(period, ZERO) + amount
        basis = group[-1].basis_quantity or ZERO
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

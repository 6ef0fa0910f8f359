"""What is known of a line's terms at a date: the state of each of its service days.

Terms are rebuilt from the actions known at a date (those taking effect on or before it,
and those known from the start); the rating code then asks, day by day, whether the line
is served, at what quantity, discount and price list, and on which contract.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import TypeVar

from cn285.billing_core.calendar import ONE_DAY, Period, add_notice, block
from cn285.billing_core.catalog import PriceList
from cn285.billing_core.contracts import Action, ActionKind, Line

T = TypeVar("T")
HUNDRED = Decimal(100)
ONE = Decimal(1)


class TermsError(ValueError):
    """An action that cannot apply to the line as it stands (names the action)."""


@dataclass(frozen=True, slots=True)
class Regime:
    """Service periods of `months` months from `start`, anchored on `anchor`."""

    start: date
    months: int
    anchor: date


@dataclass(slots=True)
class LineTerms:
    line: Line
    end: date | None
    pauses: list[tuple[date, date | None]] = field(default_factory=list)  # [from, to)
    quantities: list[tuple[date, Decimal]] = field(default_factory=list)
    discounts: list[tuple[date, date, Decimal]] = field(default_factory=list)  # factor
    frees: list[tuple[date, date]] = field(default_factory=list)
    regimes: list[Regime] = field(default_factory=list)
    billing: list[tuple[date, Period | None]] = field(default_factory=list)
    price_lists: list[tuple[date, PriceList]] = field(default_factory=list)
    contracts: list[tuple[date, str]] = field(default_factory=list)
    cuts: list[date] = field(default_factory=list)
    closes: list[tuple[date, date]] = field(default_factory=list)  # (through, on)
    simple: bool = True  # no day-by-day change inside periods

    # -- day lookups ---------------------------------------------------------------------
    def paused(self, day: date) -> bool:
        return any(a <= day and (b is None or day < b) for a, b in self.pauses)

    def quantity(self, day: date) -> Decimal:
        quantities = self.quantities
        return quantities[0][1] if len(quantities) == 1 else _at(quantities, day)

    def factor(self, day: date) -> Decimal:
        factor = ONE
        for a, b in self.frees:
            if a <= day <= b:
                return Decimal(0)
        for a, b, f in self.discounts:
            if a <= day <= b:
                factor *= f
        return factor

    def price_list(self, day: date) -> PriceList:
        lists = self.price_lists
        return lists[0][1] if len(lists) == 1 else _at(lists, day)

    def contract(self, day: date) -> str:
        return _at(self.contracts, day)

    def regime_index(self, day: date) -> int:
        return max(bisect_right([r.start for r in self.regimes], day) - 1, 0)

    def billing_months(self, day: date, service_months: int) -> int:
        billing = self.billing
        period = billing[0][1] if len(billing) == 1 else _at(billing, day)
        return service_months if period is None else max(period.months, service_months)

    def breakpoints(self, first: date, last: date) -> list[date]:
        """Days in (first, last] on which the state of a day may differ from the day before."""
        points: set[date] = set()
        for a, b in self.pauses:
            points.add(a)
            if b is not None:
                points.add(b)
        points.update(d for d, _ in self.quantities)
        for a, b, _ in self.discounts:
            points.update((a, b + ONE_DAY))
        for a, b in self.frees:
            points.update((a, b + ONE_DAY))
        points.update(d for d, _ in self.price_lists)
        return sorted(d for d in points if first < d <= last)


def _at(timeline: list[tuple[date, T]], day: date) -> T:
    """Value in force on `day` in a timeline of (from, value), sorted by `from`."""
    value = timeline[0][1]
    if len(timeline) == 1:
        return value
    for start, candidate in timeline:
        if start > day:
            break
        value = candidate
    return value


@dataclass(frozen=True, slots=True)
class ContractTimelines:
    """Contract-level facts over time: holders and price lists, with the day they change."""

    holders: Mapping[str, list[tuple[date, str]]]
    price_lists: Mapping[str, list[tuple[date, PriceList]]]

    def holder(self, contract: str, day: date) -> str:
        return _at(self.holders[contract], day)

    def price_list(self, contract: str, day: date, known: date) -> PriceList:
        timeline = [(d, p) for d, p in self.price_lists[contract] if d <= known or d == date.min]
        return _at(timeline, day)


def build_terms(
    line: Line,
    contract: str,
    known: Iterable[Action],
    timelines: ContractTimelines,
    knowledge: date,
    period_of: Callable[[Line], Period],
) -> LineTerms:
    """The terms of `line` given the actions known at `knowledge`, applied in order."""
    terms = LineTerms(line=line, end=line.end)
    terms.quantities.append((line.start, line.quantity))
    terms.regimes.append(Regime(line.start, period_of(line).months, line.start))
    terms.billing.append((line.start, line.billing_period))
    terms.contracts.append((date.min, contract))
    paused_since: date | None = None
    for action in known:
        on = action.on
        kind = action.kind
        if kind is ActionKind.PAUSE:
            if paused_since is not None:
                raise TermsError(
                    f"{action.source}: the line is already paused since {paused_since}"
                )
            paused_since = on
        elif kind is ActionKind.RESUME:
            if paused_since is None:
                raise TermsError(f"{action.source}: the line is not paused")
            if on > paused_since:  # type: ignore[operator]
                terms.pauses.append((paused_since, on))
            paused_since = None
        elif kind is ActionKind.TERMINATE:
            terms.end = _min_date(terms.end, _termination_end(action, terms))
        elif kind is ActionKind.SET_QUANTITY:
            terms.quantities.append((on, action.quantity))  # type: ignore[arg-type]
        elif kind is ActionKind.DISCOUNT:
            factor = ONE - action.percent / HUNDRED  # type: ignore[operator]
            terms.discounts.append((action.from_, action.to, factor))  # type: ignore[arg-type]
        elif kind is ActionKind.FREE:
            terms.frees.append((action.from_, action.to))  # type: ignore[arg-type]
        elif kind is ActionKind.CHANGE_PERIOD:
            terms.regimes.append(Regime(on, action.period.months, on))  # type: ignore[arg-type,union-attr]
        elif kind is ActionKind.CHANGE_BILLING_PERIOD:
            terms.billing.append((on, action.billing_period))  # type: ignore[arg-type]
        elif kind is ActionKind.TRANSFER:
            terms.contracts.append((on, action.to_contract))  # type: ignore[arg-type]
            terms.cuts.append(on)  # type: ignore[arg-type]
        elif kind is ActionKind.CHANGE_PRICE_LIST:
            terms.cuts.append(on)  # type: ignore[arg-type]
        elif kind is ActionKind.CLOSE_USAGE:
            terms.closes.append((action.through, on))  # type: ignore[arg-type]
    if paused_since is not None:
        terms.pauses.append((paused_since, None))
    terms.quantities.sort(key=lambda qd: qd[0])
    terms.cuts = sorted(set(terms.cuts))
    terms.price_lists = _line_price_lists(terms.contracts, timelines, knowledge)
    terms.simple = not (
        terms.pauses
        or len(terms.quantities) > 1
        or terms.discounts
        or terms.frees
        or len(terms.price_lists) > 1
    )
    return terms


def _line_price_lists(
    contracts: list[tuple[date, str]], timelines: ContractTimelines, knowledge: date
) -> list[tuple[date, PriceList]]:
    """Price list in force on each day: that of the contract holding the line that day."""
    result: list[tuple[date, PriceList]] = []
    for i, (start, contract) in enumerate(contracts):
        stop = contracts[i + 1][0] if i + 1 < len(contracts) else None
        for change, price_list in timelines.price_lists[contract]:
            if change > knowledge and change != date.min:
                continue
            if stop is not None and change >= stop:
                continue
            day = max(change, start)
            if result and result[-1][0] == day:
                result[-1] = (day, price_list)
            elif not result or result[-1][1] is not price_list:
                result.append((day, price_list))
    return result


def _termination_end(action: Action, terms: LineTerms) -> date:
    notice = action.notice
    on = action.on
    assert on is not None
    if notice is None:  # immediate: the request day is the first day without service
        return on - ONE_DAY
    if notice.unit != "end_of_period":
        return add_notice(on, notice.amount, notice.unit)
    regime = terms.regimes[terms.regime_index(on)]
    if regime.months == 0:  # billed as usage arrives: ends the day before the request
        return on - ONE_DAY
    _, last = block(on, regime.months, terms.line.alignment, regime.anchor)
    return last


def _min_date(a: date | None, b: date) -> date:
    return b if a is None or b < a else a

"""A line's service periods and the day each is invoiced, from its terms.

Service periods follow the line's period and alignment (and any change of period); they
are cut by the line's start and end, and, for usage, by price list changes and transfers.
Billing periods group consecutive service periods on one invoice: in advance on the first
day of the group, in arrears on the day after its last day of service.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from cn285.billing_core.calendar import ONE_DAY, block, days_between
from cn285.billing_core.contracts import Timing
from cn285.billing_core.terms import LineTerms


@dataclass(slots=True)
class ServicePeriod:
    start: date
    end: date
    full_end: date  # last day of the full period containing it
    full_days: int  # days of that full period: the proration denominator
    group: tuple[object, ...]
    invoice_date: date | None = None

    @property
    def key(self) -> tuple[date, date, int]:
        """Identity of the period; stable when a termination moves its end."""
        return (self.start, self.full_end, self.full_days)


def service_periods(terms: LineTerms, *, cut: bool) -> Iterator[ServicePeriod]:
    """Service periods in order (endless for a line without an end: consume lazily)."""
    line = terms.line
    regimes = terms.regimes
    cuts = terms.cuts if cut else []
    for i, regime in enumerate(regimes):
        last = regimes[i + 1].start - ONE_DAY if i + 1 < len(regimes) else None
        if terms.end is not None and (last is None or terms.end < last):
            last = terms.end
        day = max(regime.start, line.start)
        while last is None or day <= last:
            if regime.months == 0:  # period: none, one open period
                first, full_last = day, last
                full_days = 0
            else:
                first, full_last = block(day, regime.months, line.alignment, regime.anchor)
                full_days = days_between(first, full_last)
            end = (
                full_last if last is None or (full_last is not None and full_last < last) else last
            )
            if end is None:
                end = date.max
            for c in cuts:
                if day < c <= end:
                    end = c - ONE_DAY
                    break
            billing = terms.billing_months(day, regime.months)
            epoch = sum(1 for c in cuts if c <= day) if cuts else 0
            if regime.months == 0:
                group: tuple[object, ...] = (i, epoch, day)
            elif billing == regime.months:
                group = (i, epoch, first)
            else:
                group = (i, epoch, billing, block(day, billing, line.alignment, regime.anchor)[0])
            yield ServicePeriod(day, end, full_last or date.max, full_days, group)
            if end == date.max:
                return
            day = end + ONE_DAY


def schedule(
    terms: LineTerms, horizon: date, timing: Timing, *, cut: bool = False
) -> list[ServicePeriod]:
    """Service periods with their invoice dates; groups closed past `horizon` are complete."""
    periods: list[ServicePeriod] = []
    open_group: object = None
    lookahead = False
    for p in service_periods(terms, cut=cut):
        # Past the horizon: the rest of the group still open there (its invoice date and
        # lines depend on all its members), then one more group, whose invoice date is
        # when the line is next due.
        if p.start > horizon and p.group != open_group:
            if lookahead:
                break
            lookahead = True
        periods.append(p)
        open_group = p.group
    if terms.line.usage_complete_trigger:
        for p in periods:
            p.invoice_date = _close_date(terms, p)
        return periods
    advance = timing is Timing.ADVANCE
    i = 0
    count = len(periods)
    while i < count:
        j = i
        group = periods[i].group
        while j + 1 < count and periods[j + 1].group == group:
            j += 1
        if advance:
            invoice: date | None = periods[i].start
        elif periods[j].end == date.max:
            invoice = None
        else:
            invoice = periods[j].end + ONE_DAY
        for k in range(i, j + 1):
            periods[k].invoice_date = invoice
        i = j + 1
    return periods


def _close_date(terms: LineTerms, period: ServicePeriod) -> date | None:
    """The day a close_usage action declared the period's usage complete, if any."""
    days = [on for through, on in terms.closes if through >= period.end]
    return min(days) if days else None

"""The year's contract changes: every lifecycle action of FORMAT.md, on plausible days.

Each story (a pause and its resume, a termination, an upsell…) takes a contract no other
story touches, so that the actions never contradict each other, and every action is
recorded on the day it takes effect: never in the billed past. Terminations are asked
early enough that their end, and the reminders 30 and 7 days before it, fall in the year.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from random import Random

from dateutil.relativedelta import relativedelta

from cn285.billing_core.calendar import Alignment, Period
from cn285.billing_core.contracts import ActionKind, LineKind
from cn285.billing_core.scenario.schema import ActionIn, ContractIn, CustomerIn, LineIn
from cn285.hub.demo.catalog import PARTNER, STANDARD
from cn285.hub.demo.model import ContractChange
from cn285.hub.demo.windows import ONE_DAY, service_end, usage_windows

Pick = Callable[[ContractIn], bool]


def line_of(contract: ContractIn, code: str) -> LineIn | None:
    return next((ln for ln in contract.lines if ln.code == code), None)


class Planner:
    """Plans the stories of the year over the initial contracts; `templates` says which
    offer each contract is, `windows` when its usage lines are metered."""

    def __init__(
        self,
        rng: Random,
        start: date,
        end: date,
        contracts: list[ContractIn],
        templates: dict[str, str],
        customers: dict[str, CustomerIn],
    ) -> None:
        self.rng = rng
        self.start, self.end = start, end
        self.contracts = {c.code: c for c in contracts}
        self.templates = templates
        self.customers = customers
        # customers whose invoices are grouped: their contracts are kept for the transfer
        self.groups = {code for code, c in customers.items() if c.group_invoices}
        self.busy: set[str] = set()
        self.changes: list[ContractChange] = []
        self.windows = {ref: w for c in contracts for ref, w in usage_windows(c, end).items()}

    # -- dates -----------------------------------------------------------------------------
    def month(self, k: int) -> date:
        """First day of the k-th month after the start's month."""
        return self.start.replace(day=1) + relativedelta(months=k)

    def in_month(self, k: int, first: int, last: int) -> date:
        return self.month(k) + timedelta(days=self.rng.randint(first, last) - 1)

    def quarter_start(self, after: date) -> date:
        """First calendar quarter start on or after `after`."""
        day = after.replace(day=1)
        if day < after:
            day += relativedelta(months=1)
        while day.month % 3 != 1:
            day += relativedelta(months=1)
        return day

    # -- targets ---------------------------------------------------------------------------
    def pick(self, templates: tuple[str, ...], extra: Pick = lambda c: True) -> ContractIn:
        """An untouched contract of one of `templates` (not a grouped customer's)."""
        found = [
            c
            for code, c in sorted(self.contracts.items())
            if code not in self.busy
            and self.templates[code] in templates
            and c.customer not in self.groups
            and extra(c)
        ]
        if not found:
            raise ValueError(f"the demo book has no free {'/'.join(templates)} contract left")
        chosen = self.rng.choice(found)
        self.busy.add(chosen.code)
        return chosen

    def add(self, owner: str, /, **fields: object) -> None:
        """Record an action on contract `owner`, on the day it takes effect."""
        action = ActionIn.model_validate(fields)
        assert action.on is not None
        self.changes.append(ContractChange(action.on, owner, action))

    # -- stories ---------------------------------------------------------------------------
    def pause_and_resume(self, month: int) -> None:
        c = self.pick(("starter", "fleet"))
        pause = self.in_month(month, 5, 25)
        resume = pause + timedelta(days=self.rng.randint(30, 75))
        self.add(c.code, do=ActionKind.PAUSE, on=pause, contract=c.code)
        self.add(c.code, do=ActionKind.RESUME, on=resume, contract=c.code)
        for ref in self._usage_refs(c):  # trackers switched off meanwhile
            self.windows[ref].gaps.append((pause, resume))

    def pause_and_resume_line(self) -> None:
        c = self.pick(("starter", "enterprise"))
        self.add(c.code, do="pause", on=self.in_month(5, 3, 20), line=f"{c.code}/SEATS")
        self.add(c.code, do="resume", on=self.month(7), line=f"{c.code}/SEATS")

    def terminate(self, templates: tuple[str, ...], month: int, notice: str | None) -> None:
        c = self.pick(templates)
        on = self.in_month(month, 5, 20)
        fields: dict[str, object] = {"do": "terminate", "on": on, "contract": c.code}
        if notice is not None:
            fields["notice"] = notice
        self.add(c.code, **fields)
        for line in c.lines:
            ref = f"{c.code}/{line.code}"
            if ref in self.windows:
                last = service_end(line, line.start or on, on, notice)
                self.windows[ref].last = min(self.windows[ref].last, last)

    def terminate_line(self) -> None:
        c = self.pick(("enterprise",))
        on = self.in_month(9, 1, 15)
        self.add(c.code, do="terminate", on=on, line=f"{c.code}/SEATS", notice="30 days")

    def set_quantity(self, templates: tuple[str, ...], month: int, change: int) -> None:
        c = self.pick(templates, lambda c: line_of(c, "SEATS") is not None)
        seats = line_of(c, "SEATS")
        assert seats is not None
        quantity = max(Decimal(1), seats.quantity + change)
        on = self.in_month(month, 8, 20)
        self.add(c.code, do="set_quantity", on=on, line=f"{c.code}/SEATS", quantity=quantity)

    def discount_ahead(self) -> None:
        """A negotiated 15 % over a quarter, agreed before it starts: no credit needed."""
        c = self.pick(("starter", "fleet"))
        on, first = self.in_month(3, 15, 25), self.month(4)
        last = self.month(7) - ONE_DAY
        self.add(c.code, do="discount", on=on, contract=c.code, percent="15", **_span(first, last))

    def discount_now(self) -> None:
        """Half price from today on a platform already paid for the month: a credit."""
        c = self.pick(("starter",), _calendar_platform)
        on = self.in_month(9, 5, 12)
        span = _span(on, on + timedelta(days=59))
        self.add(c.code, do="discount", on=on, line=f"{c.code}/PLATFORM", percent="50", **span)

    def free_now(self) -> None:
        """A service outage compensated by the rest of the quarter free: a credit."""
        c = self.pick(("fleet",))
        on = self.in_month(4, 5, 15)
        last = self.quarter_start(on + ONE_DAY) - ONE_DAY
        self.add(c.code, do="free", on=on, line=f"{c.code}/PLATFORM", **_span(on, last))

    def free_ahead(self) -> None:
        c = self.pick(("starter", "developer", "prepaid"))
        on, first = self.in_month(5, 20, 25), self.month(6)
        self.add(c.code, do="free", on=on, contract=c.code, **_span(first, self.month(7) - ONE_DAY))

    def change_period(self) -> None:
        c = self.pick(("starter",), _calendar_platform)
        on = self.quarter_start(self.month(3))
        self.add(c.code, do="change_period", on=on, line=f"{c.code}/PLATFORM", period="quarter")

    def change_billing_period(self) -> None:
        c = self.pick(("starter", "enterprise"))
        on = self.quarter_start(self.month(5))
        ref = f"{c.code}/SEATS"
        self.add(c.code, do="change_billing_period", on=on, line=ref, billing_period="quarter")

    def transfer(self) -> None:
        """A grouped customer moves seats from one of its contracts to the other."""
        by_customer: dict[str, list[ContractIn]] = {}
        for code, c in sorted(self.contracts.items()):
            if c.customer in self.groups and code not in self.busy:
                by_customer.setdefault(c.customer, []).append(c)
        pairs = [cs for _, cs in sorted(by_customer.items()) if len(cs) >= 2]
        source, target = self.rng.choice(pairs)[:2]
        line = _monthly_recurring(source)
        self.busy.update((source.code, target.code))
        ref = f"{source.code}/{line.code}"
        self.add(source.code, do="transfer", on=self.month(6), line=ref, to=target.code)

    def change_holder(self, to_customer: str) -> None:
        c = self.pick(("starter", "fleet"), lambda c: self.customers[c.customer].country == "FR")
        self.add(
            c.code, do="change_holder", on=self.month(7), contract=c.code, customer=to_customer
        )

    def change_price_list(self, month: int) -> None:
        c = self.pick(("starter", "fleet", "enterprise"), lambda c: c.price_list == STANDARD)
        self.add(
            c.code,
            do="change_price_list",
            on=self.month(month),
            contract=c.code,
            price_list=PARTNER,
        )

    def close_usage(self, contract: ContractIn) -> None:
        """Readings of a month are complete a few days after it ends."""
        for line in contract.lines:
            if line.trigger != "usage_complete" or line.start is None:
                continue
            ref = f"{contract.code}/{line.code}"
            through = line.start.replace(day=1) + relativedelta(months=1) - ONE_DAY
            while True:
                on = through + timedelta(days=self.rng.randint(2, 6))
                if on > self.end:
                    break
                self.add(contract.code, do="close_usage", on=on, line=ref, through=through)
                through = through + ONE_DAY + relativedelta(months=1) - ONE_DAY

    def _usage_refs(self, c: ContractIn) -> list[str]:
        return [f"{c.code}/{ln.code}" for ln in c.lines if ln.kind is LineKind.USAGE]


def _span(first: date, last: date) -> dict[str, object]:
    return {"from": first, "to": last.isoformat()}


def _calendar_platform(c: ContractIn) -> bool:
    line = line_of(c, "PLATFORM")
    return line is not None and line.alignment is Alignment.CALENDAR


def _monthly_recurring(c: ContractIn) -> LineIn:
    recurring = [ln for ln in c.lines if ln.kind is LineKind.RECURRING]
    monthly = [ln for ln in recurring if ln.period is Period.MONTH]
    return (monthly or recurring)[0]


def plan_year(planner: Planner, parent: str) -> list[ContractChange]:
    """Every story once or more; `parent` is the customer taking over a contract."""
    p = planner  # the most particular targets are taken first
    p.transfer()
    p.change_period()
    p.discount_now()
    p.change_holder(parent)
    p.terminate(("developer",), 7, None)
    p.terminate(("enterprise",), 5, "1 month")
    p.terminate_line()
    p.terminate(("fleet",), 3, "30 days")
    p.terminate(("starter",), 8, "end_of_period")
    p.free_now()
    p.pause_and_resume(3)
    p.pause_and_resume(7)
    p.pause_and_resume_line()
    p.set_quantity(("starter",), 2, 6)
    p.set_quantity(("enterprise", "starter"), 9, 10)
    p.set_quantity(("starter", "enterprise"), 6, -4)
    p.discount_ahead()
    p.free_ahead()
    p.change_billing_period()
    p.change_price_list(5)
    p.change_price_list(9)
    return p.changes

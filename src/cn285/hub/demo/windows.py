"""When each usage line is in service: from its start to the end of the year or of its
service after a termination, minus the weeks its contract is paused. The meters send
nothing outside these windows, as real trackers would not."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from cn285.billing_core.calendar import add_notice, block
from cn285.billing_core.contracts import LineKind, Notice
from cn285.billing_core.scenario.schema import ContractIn, LineIn

ONE_DAY = timedelta(days=1)


def service_end(line: LineIn, start: date, on: date, notice: str | None) -> date:
    """Last day of service of `line` (starting `start`) after a termination requested on
    `on`, as FORMAT.md defines it (no notice: the request day is the first day without)."""
    if notice is None:
        return on - ONE_DAY
    parsed = Notice.parse(notice)
    if parsed.unit != "end_of_period":
        return add_notice(on, parsed.amount, parsed.unit)
    if line.period.months == 0:
        return on - ONE_DAY
    return block(on, line.period.months, line.alignment, start)[1]


@dataclass
class Window:
    """Days a usage line is metered: [first, last] without the paused spans [from, to)."""

    first: date
    last: date
    gaps: list[tuple[date, date]] = field(default_factory=list)

    def serves(self, day: date) -> bool:
        if not self.first <= day <= self.last:
            return False
        return not any(a <= day < b for a, b in self.gaps)


def usage_windows(contract: ContractIn, end: date) -> dict[str, Window]:
    """A window per usage line of `contract`, from its start to `end`."""
    return {
        f"{contract.code}/{ln.code}": Window(ln.start, ln.end or end)
        for ln in contract.lines
        if ln.kind is LineKind.USAGE and ln.start is not None
    }

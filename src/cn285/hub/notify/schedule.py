"""Which message of a termination is due on a day: the rule, in one pure function.

A termination with effective date E has a schedule: a reminder on E - d for each configured
d (default 30 and 7), and the notice on E. On a run for `today`:

- items dated before the termination was requested are dropped (a 10-day notice gets no
  30-day reminder);
- only the latest item dated on or before `today` is due: when runs were missed, the
  customer gets the most current message, not a backlog of stale ones (a reminder whose
  date passed while the notice is already due is never sent);
- and only while its date is at most `grace_days` old: a notice found months late (a
  back-dated termination) is not sent at all.

Sending each due item once per channel is the store's job (one row per action, kind,
offset and channel).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from cn285.hub.notify.terminations import Termination

REMINDER = "reminder"
NOTICE = "notice"


@dataclass(frozen=True, slots=True)
class Due:
    kind: str  # reminder | notice
    offset_days: int  # days before the effective date (0: the notice)
    day: date  # the date the item is scheduled for


def schedule(termination: Termination, reminder_days: tuple[int, ...]) -> list[Due]:
    """Every item of the termination's schedule, earliest first."""
    effective = termination.effective
    items = [Due(REMINDER, d, effective - timedelta(days=d)) for d in reminder_days]
    items.append(Due(NOTICE, 0, effective))
    return sorted(items, key=lambda item: item.day)


def due_item(
    termination: Termination, today: date, reminder_days: tuple[int, ...], grace_days: int
) -> Due | None:
    """The item to send on `today`, if any (see the module's rule)."""
    due = [
        item
        for item in schedule(termination, reminder_days)
        if termination.requested_on <= item.day <= today
    ]
    if not due or (today - due[-1].day).days > grace_days:
        return None
    return due[-1]

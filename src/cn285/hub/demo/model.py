"""What the demo company is made of: its declarations, and its events dated day by day.

Declarations use the schemas the API accepts (scenario schema, usage records), so that the
demo writes through the same validation as a real user would.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cached_property

from dateutil.relativedelta import relativedelta

from cn285.billing_core.scenario.schema import (
    ActionIn,
    ContractIn,
    CustomerIn,
    ItemIn,
    PriceListIn,
    TaxIn,
)
from cn285.hub.api.schemas import UsageRecordIn


@dataclass(frozen=True)
class NewCustomer:
    """A customer signed during the year."""

    day: date
    customer: CustomerIn


@dataclass(frozen=True)
class NewContract:
    """A contract signed during the year (its lines start on or after `day`)."""

    day: date
    contract: ContractIn


@dataclass(frozen=True)
class ContractChange:
    """A lifecycle action, recorded on `day` (its `on` is `day`: never in the billed past)."""

    day: date
    contract: str
    action: ActionIn


@dataclass(frozen=True)
class UsageBatch:
    """The meters' records of one day; `resend` is a gateway retry of a batch already sent,
    which the store must ignore."""

    day: date
    records: tuple[UsageRecordIn, ...]
    resend: bool = False


Event = NewCustomer | NewContract | ContractChange | UsageBatch
# within a day: who exists before what refers to it, usage last (it may reach thresholds)
EVENT_ORDER: dict[type, int] = {NewCustomer: 0, NewContract: 1, ContractChange: 2, UsageBatch: 3}


@dataclass(frozen=True)
class Company:
    """The sample company: settings, catalog, initial book and a year of dated events."""

    name: str
    start: date
    seed: int
    timezone: str
    tax: TaxIn
    items: tuple[ItemIn, ...]
    price_lists: tuple[PriceListIn, ...]
    customers: tuple[CustomerIn, ...]
    contracts: tuple[ContractIn, ...]
    events: tuple[Event, ...]  # sorted by day, then EVENT_ORDER
    _by_day: Mapping[date, tuple[Event, ...]] = field(
        init=False, repr=False, compare=False, default_factory=dict
    )

    def __post_init__(self) -> None:
        by_day: dict[date, list[Event]] = {}
        for event in self.events:
            by_day.setdefault(event.day, []).append(event)
        object.__setattr__(self, "_by_day", {d: tuple(e) for d, e in by_day.items()})

    @property
    def end(self) -> date:
        """The last day of the simulated year."""
        return self.start + relativedelta(years=1) - timedelta(days=1)

    @cached_property
    def event_days(self) -> tuple[date, ...]:
        return tuple(sorted(self._by_day))

    def events_on(self, day: date) -> tuple[Event, ...]:
        return self._by_day.get(day, ())

    @cached_property
    def all_customers(self) -> tuple[CustomerIn, ...]:
        signed = tuple(e.customer for e in self.events if isinstance(e, NewCustomer))
        return self.customers + signed

    @cached_property
    def all_contracts(self) -> tuple[ContractIn, ...]:
        signed = tuple(e.contract for e in self.events if isinstance(e, NewContract))
        return self.contracts + signed


def sort_events(events: list[Event]) -> tuple[Event, ...]:
    """Events by day, then by kind (stable: the order of a kind within a day is kept)."""
    return tuple(sorted(events, key=lambda e: (e.day, EVENT_ORDER[type(e)])))

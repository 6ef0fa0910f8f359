"""The sample company of `cn285 demo`, built from a seed: the same seed gives the same
company, so a demo can be replayed and its figures compared.

`build_company` declares it (catalog, customers, contracts, a year of events);
`load_company` and `apply_events` write it through the hub's services.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import date, timedelta
from itertools import count
from random import Random
from typing import Any

from dateutil.relativedelta import relativedelta

from cn285.billing_core.catalog import Customer
from cn285.billing_core.contracts import ActionKind
from cn285.billing_core.scenario.schema import ContractIn, CustomerIn
from cn285.billing_core.tax import TaxRules
from cn285.hub.demo import catalog, deals, people
from cn285.hub.demo.events import Planner, plan_year
from cn285.hub.demo.loading import EventRejected, apply_events, load_company
from cn285.hub.demo.meters import usage_batches
from cn285.hub.demo.model import (
    Company,
    ContractChange,
    Event,
    NewContract,
    NewCustomer,
    UsageBatch,
    sort_events,
)
from cn285.hub.demo.windows import usage_windows

__all__ = [
    "Company",
    "EventRejected",
    "apply_events",
    "build_company",
    "coverage",
    "load_company",
]

# offers of the French customers: the grouped customers' two contracts each, then the rest
_GROUPED_OFFERS = (
    "starter",
    "fleet",
    "enterprise",
    "field",
    "starter",
    "prepaid",
    "fleet",
    "developer",
)
_FRENCH_OFFERS = (
    ("starter",) * 12 + ("fleet",) * 6 + ("enterprise",) * 3 + ("field", "developer", "prepaid")
)
# offers abroad, in the order of `people._ABROAD`
_ABROAD_OFFERS = (
    "enterprise",
    "fleet",
    "developer",
    "fleet",
    "starter",
    "enterprise",
    "developer",
    "prepaid",
    "starter",
    "developer",
    "enterprise",
    "starter",
)
_SIGNED_OFFERS = ("starter", "fleet", "field", "enterprise", "starter", "developer", "fleet")
_PARTNER_SHARE = 0.1  # contracts on partner prices from the start
_RESENDS = 12  # usage batches the gateway sends twice


def build_company(start: date, *, seed: int = 285) -> Company:
    """The company, its book on `start` and its events over the year from `start`."""
    rng = Random(seed)
    numbers = (f"CT-{n}" for n in count(1001))
    customers = people.customers(rng)
    french = [c for c in customers if c.country == "FR"]
    grouped = [c for c in french if c.group_invoices]
    holders = [c for c in grouped for _ in range(2)] + [c for c in french if not c.group_invoices]
    offers = [
        *rng.sample(_GROUPED_OFFERS, len(_GROUPED_OFFERS)),
        *rng.sample(_FRENCH_OFFERS, len(_FRENCH_OFFERS)),
    ]
    holders += [c for c in customers if c.country != "FR"]
    offers += _ABROAD_OFFERS
    contracts: list[ContractIn] = []
    templates: dict[str, str] = {}
    for holder, offer in zip(holders, offers, strict=True):
        price_list = catalog.PARTNER if rng.random() < _PARTNER_SHARE else catalog.STANDARD
        first = start + timedelta(days=0 if rng.random() < 0.5 else rng.randint(1, 27))
        contract = deals.contract(rng, next(numbers), holder.code, price_list, offer, first)
        contracts.append(contract)
        templates[contract.code] = offer
    end = start + relativedelta(years=1) - timedelta(days=1)
    planner = Planner(rng, start, end, contracts, templates, {c.code: c for c in customers})
    parent = next(c.code for c in customers if c.country == "BE")  # takes over a contract
    plan_year(planner, parent)
    signed = _signings(rng, planner, customers, numbers)
    book = [*contracts, *(e.contract for e in signed if isinstance(e, NewContract))]
    windows = dict(planner.windows)
    for contract in book[len(contracts) :]:
        windows.update(usage_windows(contract, end))
    for contract in book:
        planner.close_usage(contract)
    events: list[Event] = [*planner.changes, *signed]
    events += usage_batches(rng, book, windows, _RESENDS)
    return Company(
        name=catalog.COMPANY_NAME,
        start=start,
        seed=seed,
        timezone=catalog.TIMEZONE,
        tax=catalog.TAX,
        items=catalog.ITEMS,
        price_lists=catalog.PRICE_LISTS,
        customers=tuple(customers),
        contracts=tuple(contracts),
        events=sort_events(events),
    )


def _signings(
    rng: Random, planner: Planner, customers: list[CustomerIn], numbers: Iterator[str]
) -> list[Event]:
    """New customers signed during the year, and two more contracts for existing ones."""
    new = people.signed_customers(rng, customers, len(_SIGNED_OFFERS))
    months = sorted(rng.sample(range(1, 11), len(new)))
    events: list[Event] = []
    for customer, offer, month in zip(new, _SIGNED_OFFERS, months, strict=True):
        day = planner.in_month(month, 1, 25)
        first = day + timedelta(days=rng.choice((0, 0, 3, 7)))
        events.append(NewCustomer(day, customer))
        contract = deals.contract(rng, next(numbers), customer.code, catalog.STANDARD, offer, first)
        events.append(NewContract(day, contract))
    # the customers signing again are happy ones: none of their contracts has a story
    taken = {c.customer for c in planner.contracts.values() if c.code in planner.busy}
    loyal = [c for c in customers if c.country == "FR" and not c.group_invoices]
    for month, offer in ((4, "fleet"), (8, "starter")):
        holder = rng.choice([c for c in loyal if c.code not in taken])
        taken.add(holder.code)
        day = planner.in_month(month, 2, 20)
        contract = deals.contract(rng, next(numbers), holder.code, catalog.STANDARD, offer, day)
        events.append(NewContract(day, contract))
    return events


def coverage(company: Company) -> dict[str, Any]:
    """What the company exercises: pricing models in use, line set-ups, action kinds and
    termination notices, tax regimes, and how many of each thing it holds."""
    price_lists = {p.code: p for p in company.price_lists}
    contracts = company.all_contracts
    models = {
        price_lists[c.price_list].prices[ln.item]["model"] for c in contracts for ln in c.lines
    }
    changes = [e for e in company.events if isinstance(e, ContractChange)]
    models |= {  # a contract moved to another price list is priced by that one too
        price_lists[str(e.action.price_list)].prices[ln.item]["model"]
        for e in changes
        if e.action.do is ActionKind.CHANGE_PRICE_LIST
        for c in contracts
        if c.code == e.contract
        for ln in c.lines
    }
    lines = [ln for c in contracts for ln in c.lines]
    batches = [e for e in company.events if isinstance(e, UsageBatch)]
    rules = TaxRules(company.tax.seller_country, {k: dict(v) for k, v in company.tax.rates.items()})
    regimes = Counter(
        rules.regime(Customer(c.code, c.name, c.country, c.vat_number)).value
        for c in company.all_customers
    )
    return {
        "pricing_models": sorted(models),
        "line_kinds": sorted({ln.kind.value for ln in lines}),
        "periods": sorted({ln.period.value for ln in lines}),
        "timings": sorted({ln.timing.value for ln in lines if ln.timing}),
        "alignments": sorted({ln.alignment.value for ln in lines}),
        "action_kinds": sorted({e.action.do.value for e in changes}),
        "notices": sorted(
            {str(e.action.notice or "immediate") for e in changes if e.action.do == "terminate"}
        ),
        "tax_regimes": dict(sorted(regimes.items())),
        "customers": len(company.customers),
        "customers_signed": sum(isinstance(e, NewCustomer) for e in company.events),
        "contracts": len(company.contracts),
        "contracts_signed": sum(isinstance(e, NewContract) for e in company.events),
        "actions": len(changes),
        "actions_by_kind": dict(sorted(Counter(e.action.do.value for e in changes).items())),
        "usage_records": sum(len(b.records) for b in batches if not b.resend),
        "usage_resent": sum(len(b.records) for b in batches if b.resend),
        "event_days": len(company.event_days),
    }

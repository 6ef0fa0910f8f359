"""Writing the demo company into a store through the hub's services, as a user would: the
same validation, audit records and ERP outbox entries as the API.

The company loads into an empty store only (loading it twice is refused, and changes
nothing); its events are applied a day at a time, each day in one transaction with the
store's note of the last day applied, so a day is never applied twice (a demo restarted
after a crash is told where it stopped).
"""

from __future__ import annotations

from collections import Counter
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from cn285.hub.demo.model import Company, ContractChange, Event, NewContract, NewCustomer
from cn285.hub.services import catalog, contracts, settings, usage
from cn285.hub.services.errors import Conflict, ServiceError
from cn285.hub.store import models
from cn285.hub.store.database import session_scope

ACTOR = "demo"
MARK = "demo"  # setting: which company the store holds, and the last day applied


class EventRejected(ServiceError):
    """An event of the demo company that the services refused: a bug of the company (or of
    a service), never something to skip quietly."""

    def __init__(self, event: Event, error: ServiceError) -> None:
        super().__init__(f"{_describe(event)}: {error}")
        self.event = event
        self.error = error


def load_company(engine: Engine, company: Company) -> dict[str, int]:
    """Write settings, catalog, initial customers and contracts (three transactions);
    returns how many of each were created."""
    with session_scope(engine) as session:
        _refuse_unless_empty(session)
        settings.update(session, company.tax.model_dump(mode="json"), company.timezone, ACTOR)
        settings.put(session, MARK, {**_identity(company), "applied_through": None})
        for item in company.items:
            catalog.create_item(session, item, ACTOR)
        for price_list in company.price_lists:
            catalog.create_price_list(session, price_list, ACTOR)
    with session_scope(engine) as session:
        for customer in company.customers:
            catalog.create_customer(session, customer, ACTOR)
    with session_scope(engine) as session:
        for contract in company.contracts:
            contracts.create_contract(session, contract, ACTOR)
    return {
        "items": len(company.items),
        "price_lists": len(company.price_lists),
        "prices": sum(len(p.prices) for p in company.price_lists),
        "customers": len(company.customers),
        "contracts": len(company.contracts),
        "lines": sum(len(c.lines) for c in company.contracts),
    }


def apply_events(engine: Engine, company: Company, day: date) -> dict[str, int]:
    """Apply the events dated `day` (signings, contract changes, usage) in one transaction;
    returns counts. Days go forward: a day already applied is refused (Conflict); a service
    refusing an event raises EventRejected; either way nothing is written."""
    counts: Counter[str] = Counter()
    with session_scope(engine) as session:
        _advance(session, company, day)
        for event in company.events_on(day):
            try:
                _apply(session, event, counts)
            except ServiceError as exc:
                raise EventRejected(event, exc) from exc
    return dict(counts)


def _apply(session: Session, event: Event, counts: Counter[str]) -> None:
    if isinstance(event, NewCustomer):
        catalog.create_customer(session, event.customer, ACTOR)
        counts["customers"] += 1
    elif isinstance(event, NewContract):
        contracts.create_contract(session, event.contract, ACTOR)
        counts["contracts"] += 1
    elif isinstance(event, ContractChange):
        contracts.add_action(session, event.contract, event.action, ACTOR)
        counts["actions"] += 1
    else:
        result = usage.ingest(session, [r.model_dump(exclude_none=True) for r in event.records])
        counts["usage_received"] += result.received
        counts["usage_created"] += result.created
        counts["usage_duplicates"] += result.duplicates


def _identity(company: Company) -> dict[str, str | int]:
    return {"company": company.name, "seed": company.seed, "start": company.start.isoformat()}


def _advance(session: Session, company: Company, day: date) -> None:
    """Check that the store holds `company` and has not applied `day` yet; note it has."""
    mark = settings.get(session, MARK)
    if mark is None:
        raise Conflict("the demo company is not loaded in this store: load it first")
    if {k: mark.get(k) for k in _identity(company)} != _identity(company):
        raise Conflict(
            f"this store holds another demo company (seed {mark.get('seed')}, "
            f"from {mark.get('start')})"
        )
    if not company.start <= day <= company.end:
        raise Conflict(f"{day} is outside the demo year ({company.start} – {company.end})")
    applied = mark.get("applied_through")
    if applied is not None and day <= date.fromisoformat(applied):
        raise Conflict(f"the events of {day} are already applied (up to {applied})")
    settings.put(session, MARK, {**mark, "applied_through": day.isoformat()})


def _refuse_unless_empty(session: Session) -> None:
    held = {
        name: session.scalar(select(func.count()).select_from(table)) or 0
        for name, table in (
            ("items", models.Item),
            ("price lists", models.PriceList),
            ("customers", models.Customer),
            ("contracts", models.Contract),
        )
    }
    if any(held.values()):
        found = ", ".join(f"{n} {name}" for name, n in held.items() if n)
        raise Conflict(f"the demo company loads into an empty store only; this one holds {found}")


def _describe(event: Event) -> str:
    if isinstance(event, NewCustomer):
        return f"{event.day}: new customer {event.customer.code}"
    if isinstance(event, NewContract):
        return f"{event.day}: new contract {event.contract.code}"
    if isinstance(event, ContractChange):
        target = event.action.line or event.contract
        return f"{event.day}: {event.action.do.value} on {target}"
    return f"{event.day}: usage batch of {len(event.records)} records"

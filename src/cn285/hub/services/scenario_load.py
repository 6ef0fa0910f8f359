"""Loading a billing scenario into the store, so that `cn285 bill` bills what it describes."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from cn285.billing_core.scenario import Scenario
from cn285.billing_core.tax import TaxRules
from cn285.hub.services import audit, settings
from cn285.hub.services.errors import Conflict
from cn285.hub.services.usage import insert_records
from cn285.hub.store import convert, models
from cn285.hub.store.database import session_scope
from cn285.hub.sync.outbox import emit


@dataclass
class Loaded:
    created: dict[str, int] = field(default_factory=dict)
    unchanged: dict[str, int] = field(default_factory=dict)

    def count(self, entity: str, created: bool) -> None:
        target = self.created if created else self.unchanged
        target[entity] = target.get(entity, 0) + 1


def load_scenario(engine: Engine, scenario: Scenario, actor: str = "cli") -> Loaded:
    """Write the scenario's catalog, customers, contracts, actions and usage in one
    transaction. Loading the same file again changes nothing; a different definition of a
    code already stored is a conflict and nothing is written."""
    result = Loaded()
    with session_scope(engine) as session:
        _settings(session, scenario)
        book = scenario.book
        source = scenario.source
        assert source is not None
        for c in book.customers.values():
            _put(
                session,
                result,
                "customer",
                c.code,
                models.Customer(
                    code=c.code,
                    name=c.name,
                    country=c.country,
                    vat_number=c.vat_number,
                    group_invoices=c.group_invoices,
                ),
                actor,
                ("name", "country", "vat_number", "group_invoices"),
            )
        for i in book.items.values():
            _put(
                session,
                result,
                "item",
                i.code,
                models.Item(code=i.code, name=i.name, tax_category=i.tax_category),
                actor,
                ("name", "tax_category"),
            )
        session.flush()
        for p in source.price_lists:
            _put(
                session,
                result,
                "price_list",
                p.code,
                models.PriceList(code=p.code, currency=book.price_lists[p.code].currency.code),
                actor,
                ("currency",),
            )
            session.flush()
            for item_code, spec in p.prices.items():
                _put_price(session, result, p.code, item_code, spec, actor)
        session.flush()
        for c in book.contracts.values():
            created = _put(
                session,
                result,
                "contract",
                c.code,
                models.Contract(
                    code=c.code,
                    customer_code=c.customer,
                    price_list_code=c.price_list,
                    timezone=c.timezone,
                ),
                actor,
                ("customer_code", "price_list_code", "timezone"),
            )
            session.flush()
            if not created:
                continue
            for line in c.lines:
                session.add(convert.line_row(c.code, line))
        session.flush()
        _actions(session, scenario, result, actor)
        _usage(session, scenario, result)
    return result


def _settings(session: Session, scenario: Scenario) -> None:
    """Store the scenario's VAT rules and time zone; several files can be loaded into one
    store when they agree (rates of different countries or categories add up)."""
    book = scenario.book
    stored_tax = settings.tax_rules(session)
    stored_tz = settings.get(session, settings.TIMEZONE)
    if stored_tz is not None and stored_tz != book.timezone:
        raise Conflict(f"the store's time zone is {stored_tz}, the scenario's {book.timezone}")
    rules = book.tax
    if stored_tax is not None and rules is not None:
        if stored_tax.seller_country != rules.seller_country:
            raise Conflict(
                f"the store's seller country is {stored_tax.seller_country}, "
                f"the scenario's {rules.seller_country}"
            )
        merged = {c: dict(r) for c, r in stored_tax.rates.items()}
        for country, rates in rules.rates.items():
            for category, rate in rates.items():
                known = merged.setdefault(country, {}).get(category)
                if known is not None and known != rate:
                    raise Conflict(
                        f"tax.rates.{country}.{category}: the store has {known}, "
                        f"the scenario {rate}"
                    )
                merged[country][category] = rate
        rules = TaxRules(rules.seller_country, merged)
    elif rules is None:
        rules = stored_tax
    settings.store_tax_rules(session, rules)
    settings.put(session, settings.TIMEZONE, book.timezone)


def _put(
    session: Session,
    result: Loaded,
    entity: str,
    code: str,
    row: object,
    actor: str,
    fields: tuple[str, ...],
) -> bool:
    table = type(row)
    existing = session.scalars(select(table).where(table.code == code)).first()  # type: ignore[attr-defined]
    if existing is None:
        session.add(row)
        audit.record(session, actor, "create", entity, code, None, audit.snapshot(row))  # type: ignore[arg-type]
        if entity == "customer":  # to be sent to the ERPs
            emit(session, "customer", [code], "created")
        result.count(entity, True)
        return True
    differing = [f for f in fields if getattr(existing, f) != getattr(row, f)]
    if differing:
        raise Conflict(f"{entity} {code} is already stored with another {differing[0]}")
    result.count(entity, False)
    return False


def _put_price(
    session: Session, result: Loaded, price_list: str, item: str, spec: dict, actor: str
) -> None:
    stored = session.scalars(
        select(models.Price).where(
            models.Price.price_list_code == price_list, models.Price.item_code == item
        )
    ).first()
    spec = _plain(spec)
    if stored is None:
        row = models.Price(price_list_code=price_list, item_code=item, spec=spec)
        session.add(row)
        audit.record(session, actor, "create", "price", f"{price_list}/{item}", None, spec)
        result.count("price", True)
    elif stored.spec != spec:
        raise Conflict(f"price of {item} in {price_list} is already stored with another model")
    else:
        result.count("price", False)


def _plain(value: object) -> object:
    """Declared values as JSON would store them (decimals and dates as strings)."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, bool | str):
        return value
    return str(value)


def _actions(session: Session, scenario: Scenario, result: Loaded, actor: str) -> None:
    stored = {
        (a.kind, a.on, a.contract_code, a.line_ref, repr(sorted(a.data.items())))
        for a in session.scalars(select(models.ContractAction))
    }
    for action in sorted(scenario.book.actions, key=lambda a: a.seq):
        contract = action.contract or (action.line.split("/")[0] if action.line else None)
        data = _plain(convert.action_data(action))
        key = (action.kind.value, action.on, contract, action.line, repr(sorted(data.items())))  # type: ignore[union-attr]
        if key in stored:
            result.count("action", False)
            continue
        session.add(
            models.ContractAction(
                kind=action.kind.value,
                on=action.on,
                contract_code=contract,
                line_ref=action.line,
                data=data,
                actor=actor,
            )
        )
        audit.record(
            session,
            actor,
            f"action:{action.kind.value}",
            "contract",
            contract or "",
            None,
            {"on": action.on, **data},
        )  # type: ignore[dict-item]
        result.count("action", True)
    session.flush()


def _usage(session: Session, scenario: Scenario, result: Loaded) -> None:
    rows = []
    for ref, records in scenario.book.usage.items():
        for record in records:
            rows.append(
                {
                    "line_ref": ref,
                    "client_id": record.id or f"scenario-{record.seq}",
                    "at": record.at,
                    "end": record.end,
                    "quantity": record.quantity,
                    "properties": dict(record.properties) or None,
                }
            )
    created = insert_records(session, rows)
    result.created["usage"] = created
    result.unchanged["usage"] = len(rows) - created

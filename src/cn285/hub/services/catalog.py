"""Customers, items and price lists: create and change them, with their audit records."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlmodel import Session, SQLModel

from cn285.billing_core.scenario.loader import Builder
from cn285.billing_core.scenario.schema import CustomerIn, ItemIn, PriceListIn
from cn285.hub.services import audit
from cn285.hub.services.errors import Conflict, Invalid, NotFound
from cn285.hub.store import convert, models
from cn285.hub.store.types import now
from cn285.hub.sync.outbox import emit

CONTACT_FIELDS = ("email", "street", "zip", "city", "is_company")


def _problems(builder: Builder) -> Invalid:
    return Invalid([(p.path, p.message) for p in builder.problems])


def get_by_code(session: Session, table: type[SQLModel], code: str, entity: str) -> Any:
    row = session.scalars(select(table).where(table.code == code)).first()  # type: ignore[attr-defined]
    if row is None:
        raise NotFound(entity, code)
    return row


def _exists(session: Session, table: type[SQLModel], code: str) -> bool:
    return session.scalars(select(table.id).where(table.code == code)).first() is not None  # type: ignore[attr-defined]


def create_customer(session: Session, data: CustomerIn, actor: str) -> models.Customer:
    builder = Builder()
    customer = builder.customer(data, ())
    if builder.problems:
        raise _problems(builder)
    if _exists(session, models.Customer, data.code):
        raise Conflict(f"customer {data.code!r} already exists")
    row = models.Customer(
        code=customer.code,
        name=customer.name,
        country=customer.country,
        vat_number=customer.vat_number,
        group_invoices=customer.group_invoices,
        **{field: getattr(data, field) for field in CONTACT_FIELDS},
    )
    session.add(row)
    session.flush()
    audit.record(session, actor, "create", "customer", row.code, None, audit.snapshot(row))
    emit(session, "customer", [row.code], "created")
    return row


def update_customer(
    session: Session, code: str, changes: dict[str, Any], actor: str
) -> models.Customer:
    row = get_by_code(session, models.Customer, code, "customer")
    before = audit.snapshot(row)
    merged = {
        **CustomerIn.model_validate(
            {k: v for k, v in before.items() if k in CustomerIn.model_fields}  # type: ignore[union-attr]
        ).model_dump(),
        **changes,
    }
    data = CustomerIn.model_validate(merged)
    if data.code != code:
        raise Invalid([("code", "a customer's code cannot change")])
    builder = Builder()
    customer = builder.customer(data, ())
    if builder.problems:
        raise _problems(builder)
    row.name, row.country, row.vat_number = customer.name, customer.country, customer.vat_number
    row.group_invoices = customer.group_invoices
    for field in CONTACT_FIELDS:
        setattr(row, field, getattr(data, field))
    row.updated_at = now()
    session.add(row)
    session.flush()
    audit.record(session, actor, "update", "customer", code, before, audit.snapshot(row))
    emit(session, "customer", [code], "updated")
    return row


def create_item(session: Session, data: ItemIn, actor: str) -> models.Item:
    if _exists(session, models.Item, data.code):
        raise Conflict(f"item {data.code!r} already exists")
    row = models.Item(code=data.code, name=data.name, tax_category=data.tax_category)
    session.add(row)
    session.flush()
    audit.record(session, actor, "create", "item", row.code, None, audit.snapshot(row))
    return row


def update_item(session: Session, code: str, changes: dict[str, Any], actor: str) -> models.Item:
    row = get_by_code(session, models.Item, code, "item")
    before = audit.snapshot(row)
    for name in ("name", "tax_category", "active"):
        if name in changes:
            setattr(row, name, changes[name])
    row.updated_at = now()
    session.add(row)
    session.flush()
    audit.record(session, actor, "update", "item", code, before, audit.snapshot(row))
    return row


def create_price_list(session: Session, data: PriceListIn, actor: str) -> models.PriceList:
    if _exists(session, models.PriceList, data.code):
        raise Conflict(f"price list {data.code!r} already exists")
    items = {
        r.code: convert.item(r)
        for r in session.scalars(
            select(models.Item).where(models.Item.code.in_(list(data.prices)))  # type: ignore[attr-defined]
        )
    }
    builder = Builder()
    built = builder.price_list(data, (), items)
    if builder.problems or built is None:
        raise _problems(builder)
    row = models.PriceList(code=data.code, currency=built.currency.code)
    session.add(row)
    session.flush()
    for item_code, spec in data.prices.items():
        session.add(models.Price(price_list_code=data.code, item_code=item_code, spec=_plain(spec)))
    session.flush()
    audit.record(
        session,
        actor,
        "create",
        "price_list",
        data.code,
        None,
        {"currency": row.currency, "prices": _plain(data.prices)},
    )
    return row


def prices_of(session: Session, code: str) -> dict[str, Any]:
    return {
        p.item_code: p.spec
        for p in session.scalars(select(models.Price).where(models.Price.price_list_code == code))
    }


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, bool | str):
        return value
    return str(value)

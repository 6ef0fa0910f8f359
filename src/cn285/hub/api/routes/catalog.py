"""Customers, items and price lists."""

from __future__ import annotations

from fastapi import APIRouter, status
from sqlalchemy import select

from cn285.billing_core.scenario.schema import CustomerIn, ItemIn, PriceListIn
from cn285.hub.api.deps import DB, CallerDep
from cn285.hub.api.pagination import Cursor, Limit, Page, page
from cn285.hub.api.schemas import CustomerOut, CustomerUpdate, ItemOut, ItemUpdate, PriceListOut
from cn285.hub.services import catalog
from cn285.hub.store import models

router = APIRouter(prefix="/v1")


@router.get("/customers", response_model=Page[CustomerOut], tags=["customers"])
def list_customers(
    db: DB,
    _: CallerDep,
    limit: int = Limit,
    cursor: str | None = Cursor,
    country: str | None = None,
) -> dict:
    statement = select(models.Customer)
    if country:
        statement = statement.where(models.Customer.country == country.upper())
    return page(db, statement, models.Customer, limit, cursor)


@router.post(
    "/customers",
    response_model=CustomerOut,
    status_code=status.HTTP_201_CREATED,
    tags=["customers"],
)
def create_customer(body: CustomerIn, db: DB, who: CallerDep) -> models.Customer:
    return catalog.create_customer(db, body, who.name)


@router.get("/customers/{code}", response_model=CustomerOut, tags=["customers"])
def get_customer(code: str, db: DB, _: CallerDep) -> models.Customer:
    return catalog.get_by_code(db, models.Customer, code, "customer")


@router.patch("/customers/{code}", response_model=CustomerOut, tags=["customers"])
def update_customer(code: str, body: CustomerUpdate, db: DB, who: CallerDep) -> models.Customer:
    return catalog.update_customer(db, code, body.model_dump(exclude_unset=True), who.name)


@router.get("/items", response_model=Page[ItemOut], tags=["items"])
def list_items(db: DB, _: CallerDep, limit: int = Limit, cursor: str | None = Cursor) -> dict:
    return page(db, select(models.Item), models.Item, limit, cursor)


@router.post("/items", response_model=ItemOut, status_code=status.HTTP_201_CREATED, tags=["items"])
def create_item(body: ItemIn, db: DB, who: CallerDep) -> models.Item:
    return catalog.create_item(db, body, who.name)


@router.get("/items/{code}", response_model=ItemOut, tags=["items"])
def get_item(code: str, db: DB, _: CallerDep) -> models.Item:
    return catalog.get_by_code(db, models.Item, code, "item")


@router.patch("/items/{code}", response_model=ItemOut, tags=["items"])
def update_item(code: str, body: ItemUpdate, db: DB, who: CallerDep) -> models.Item:
    return catalog.update_item(db, code, body.model_dump(exclude_unset=True), who.name)


def _price_list(db: DB, row: models.PriceList) -> PriceListOut:
    return PriceListOut(
        code=row.code, currency=row.currency, prices=catalog.prices_of(db, row.code)
    )


@router.get("/price-lists", response_model=Page[PriceListOut], tags=["price lists"])
def list_price_lists(db: DB, _: CallerDep, limit: int = Limit, cursor: str | None = Cursor) -> dict:
    return page(
        db,
        select(models.PriceList),
        models.PriceList,
        limit,
        cursor,
        lambda row: _price_list(db, row),
    )


@router.post(
    "/price-lists",
    response_model=PriceListOut,
    status_code=status.HTTP_201_CREATED,
    tags=["price lists"],
)
def create_price_list(body: PriceListIn, db: DB, who: CallerDep) -> PriceListOut:
    return _price_list(db, catalog.create_price_list(db, body, who.name))


@router.get("/price-lists/{code}", response_model=PriceListOut, tags=["price lists"])
def get_price_list(code: str, db: DB, _: CallerDep) -> PriceListOut:
    return _price_list(db, catalog.get_by_code(db, models.PriceList, code, "price list"))

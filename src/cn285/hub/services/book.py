"""Turning stored contracts back into a `Book` the engine bills, a batch at a time."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass

from sqlalchemy import select
from sqlmodel import Session

from cn285.billing_core.catalog import Customer, Item, PriceList
from cn285.billing_core.contracts import Contract
from cn285.billing_core.engine import Book
from cn285.billing_core.money import currency
from cn285.billing_core.pricing import build_model
from cn285.billing_core.tax import TaxRules
from cn285.billing_core.usage import UsageRecord
from cn285.hub.services import settings
from cn285.hub.store import convert, models

_CHUNK = 500  # bound parameters per IN (...) query


def chunks(values: list[str], size: int = _CHUNK) -> Iterator[list[str]]:
    for i in range(0, len(values), size):
        yield values[i : i + size]


@dataclass
class Catalog:
    """Items and price lists: small, read once per billing run."""

    items: dict[str, Item]
    price_lists: dict[str, PriceList]
    tax: TaxRules | None
    timezone: str

    @classmethod
    def load(cls, session: Session) -> Catalog:
        items = {r.code: convert.item(r) for r in session.scalars(select(models.Item))}
        prices: dict[str, dict[str, object]] = {}
        for price in session.scalars(select(models.Price)):
            prices.setdefault(price.price_list_code, {})[price.item_code] = build_model(price.spec)
        price_lists = {
            r.code: PriceList(r.code, currency(r.currency), prices.get(r.code, {}))  # type: ignore[arg-type]
            for r in session.scalars(select(models.PriceList))
        }
        return cls(items, price_lists, settings.tax_rules(session), settings.timezone(session))


def load_book(session: Session, codes: Collection[str], catalog: Catalog) -> Book:
    """The book of the contracts `codes` (which must include every contract they are linked
    to by a transfer or share invoices with)."""
    code_list = sorted(codes)
    contract_rows: list[models.Contract] = []
    line_rows: list[models.ContractLine] = []
    action_rows: list[models.ContractAction] = []
    for part in chunks(code_list):
        contract_rows += session.scalars(
            select(models.Contract).where(models.Contract.code.in_(part))  # type: ignore[attr-defined]
        ).all()
        line_rows += session.scalars(
            select(models.ContractLine)
            .where(models.ContractLine.contract_code.in_(part))  # type: ignore[attr-defined]
            .order_by(models.ContractLine.id)
        ).all()
        action_rows += session.scalars(
            select(models.ContractAction)
            .where(models.ContractAction.contract_code.in_(part))  # type: ignore[union-attr]
            .order_by(models.ContractAction.id)
        ).all()
    lines_by_contract: dict[str, list[models.ContractLine]] = {}
    for row in line_rows:
        lines_by_contract.setdefault(row.contract_code, []).append(row)
    contracts = {
        row.code: Contract(
            row.code,
            row.customer_code,
            row.price_list_code,
            tuple(convert.line(ln) for ln in lines_by_contract.get(row.code, [])),
            row.timezone,
            f"contracts.{row.code}",
        )
        for row in sorted(contract_rows, key=lambda r: r.id or 0)
    }
    actions = [convert.action(row) for row in action_rows]
    customer_codes = {c.customer for c in contracts.values()}
    customer_codes.update(a.customer for a in actions if a.customer)
    customers = load_customers(session, customer_codes)
    refs = [f"{row.contract_code}/{row.code}" for row in line_rows if row.kind == "usage"]
    usage = load_usage(session, refs)
    return Book(
        customers,
        catalog.items,
        catalog.price_lists,
        contracts,
        usage,
        actions,
        catalog.tax,
        catalog.timezone,
    )


def load_customers(session: Session, codes: Iterable[str]) -> dict[str, Customer]:
    result: dict[str, Customer] = {}
    for part in chunks(sorted(codes)):
        for row in session.scalars(
            select(models.Customer).where(models.Customer.code.in_(part))  # type: ignore[attr-defined]
        ):
            result[row.code] = convert.customer(row)
    return result


def load_usage(session: Session, refs: list[str]) -> dict[str, list[UsageRecord]]:
    usage: dict[str, list[UsageRecord]] = {}
    for part in chunks(refs):
        for row in session.scalars(
            select(models.UsageRecord)
            .where(models.UsageRecord.line_ref.in_(part))  # type: ignore[attr-defined]
            .order_by(models.UsageRecord.id)
        ):
            usage.setdefault(row.line_ref, []).append(convert.usage(row))
    return usage

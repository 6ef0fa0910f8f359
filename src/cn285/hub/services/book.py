"""Turning stored contracts back into a `Book` the engine bills, a batch at a time."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

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
from cn285.hub.store.bulk import select_in

_CHUNK = 500  # bound parameters per IN (...) query
_C = models.Contract.__table__  # type: ignore[attr-defined]
_L = models.ContractLine.__table__  # type: ignore[attr-defined]
_A = models.ContractAction.__table__  # type: ignore[attr-defined]
_CU = models.Customer.__table__  # type: ignore[attr-defined]
_U = models.UsageRecord.__table__  # type: ignore[attr-defined]


def chunks(values: list[str], size: int = _CHUNK) -> Iterator[list[str]]:
    for i in range(0, len(values), size):
        yield values[i : i + size]


class DisjointSets:
    """Union-find over names: contracts that must be billed or read together because a
    transfer or a change of holder links them."""

    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def __contains__(self, node: str) -> bool:
        return node in self.parent

    def nodes(self) -> list[str]:
        return list(self.parent)

    def find(self, node: str) -> str:
        parent = self.parent
        while parent.setdefault(node, node) != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    def union(self, a: str, b: str) -> None:
        self.parent[self.find(a)] = self.find(b)


def group_batches(groups: Iterable[set[str]], size: int) -> Iterator[list[set[str]]]:
    """Whole groups of contracts, gathered until a batch holds `size` contracts or more."""
    batch: list[set[str]] = []
    count = 0
    for group in groups:
        batch.append(group)
        count += len(group)
        if count >= size:
            yield batch
            batch, count = [], 0
    if batch:
        yield batch


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
    # Plain rows (not ORM instances): a run reads hundreds of thousands of them.
    connection = session.connection()
    contract_rows = select_in(connection, _C, "code", code_list)
    line_rows = select_in(connection, _L, "contract_code", code_list)
    action_rows = select_in(connection, _A, "contract_code", code_list)
    lines_by_contract: dict[str, list[Any]] = {}
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
    rows = select_in(session.connection(), _CU, "code", sorted(codes))
    return {row.code: convert.customer(row) for row in rows}


def load_usage(session: Session, refs: list[str]) -> dict[str, list[UsageRecord]]:
    usage: dict[str, list[UsageRecord]] = {}
    for part in chunks(refs):
        for row in session.execute(select(*_U.c).where(_U.c.line_ref.in_(part)).order_by(_U.c.id)):
            usage.setdefault(row.line_ref, []).append(convert.usage(row))
    return usage

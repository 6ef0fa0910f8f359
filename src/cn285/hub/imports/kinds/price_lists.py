"""Prices, one row each, by (price list, item); a price list is created on first sight.

A row declares one item's pricing model and its parameters in columns; tiers fit in one cell,
`up_to:unit_price|up_to:unit_price|:unit_price` (the last tier open-ended, decimals in the
file's style; graduated and volume tiers may add `:flat_fee`, stairstep tiers give the tier's
`price`). Specs are validated by the pricing models themselves, as for the API.

The API never changes a price list once created, and a contract change may not reach into the
billed past. An import therefore changes a stored price only while no contract on its price
list (now or through a change of price list) has been billed: afterwards the change is refused
(issued invoices never change; create a new price list and `change_price_list` the contracts).
Adding an item to a price list is always allowed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, ClassVar

from sqlalchemy import select, update
from sqlmodel import Session

from cn285.billing_core.money import CurrencyError, currency
from cn285.billing_core.pricing import REGISTRY, PricingError, PricingModel, build_model
from cn285.billing_core.scenario.schema import PriceListIn
from cn285.hub.imports.kinds._catalog import Fields, by_code
from cn285.hub.imports.model import Checked, Column, Outcome, Row, RowError, Values
from cn285.hub.services import audit, catalog
from cn285.hub.services.book import chunks
from cn285.hub.store import models

#: the parameter columns each model reads (named as in the models' specs)
PARAMETERS: dict[str, tuple[str, ...]] = {
    "flat": ("price",),
    "per_unit": ("unit_price",),
    "package": ("package_size", "package_price"),
    "percentage": ("rate",),
    "formula": ("expression",),
    "graduated": ("tiers",),
    "volume": ("tiers",),
    "stairstep": ("tiers",),
}
DECIMALS = ("price", "unit_price", "package_size", "package_price", "rate")
ALL_PARAMETERS = (*DECIMALS, "expression", "tiers")


@dataclass(frozen=True)
class PriceRecord:
    price_list: str
    currency: str
    item: str
    spec: dict[str, Any]  # as stored: {"model": …, parameters as decimal strings}
    model: PricingModel


class PriceListsKind:
    name: ClassVar[str] = "price-lists"
    group: ClassVar[str | None] = None
    columns: ClassVar[Sequence[Column]] = (
        Column("price_list", True, "The price list's code; created on first sight", "STD-EUR"),
        Column("currency", True, "ISO 4217 currency of the price list (e.g. EUR)", "EUR"),
        Column("item", True, "The code of a stored item", "SAAS"),
        Column("model", True, f"Pricing model: {', '.join(PARAMETERS)}", "flat"),
        Column("price", False, "flat: the price per service period", "49.00"),
        Column("unit_price", False, "per_unit: the price of one unit (e.g. 0.012)", ""),
        Column("package_size", False, "package: units per package (e.g. 1000)", ""),
        Column("package_price", False, "package: the price of a started package", ""),
        Column("rate", False, "percentage: percent of the base line's amount (e.g. 5)", ""),
        Column("expression", False, "formula: an expression over the period's aggregates", ""),
        Column(
            "tiers",
            False,
            "graduated, volume: up_to:unit_price[:flat_fee]|…|:unit_price; "
            "stairstep: up_to:price|…|:price (the last tier has no up_to), "
            "e.g. 1000:0.010|10000:0.008|:0.005",
            "",
        ),
    )

    def check(self, session: Session, rows: Sequence[Row], values: Values) -> Checked:
        checked = Checked()
        lists = by_code(session, models.PriceList, (r.values.get("price_list", "") for r in rows))
        items = by_code(session, models.Item, (r.values.get("item", "") for r in rows))
        prices = _prices(session, lists, items)
        billed = _billed(session, list(lists))
        currencies = {code: row.currency for code, row in lists.items()}
        seen: dict[tuple[str, str], int] = {}
        for row in rows:
            fields = Fields(row)
            record = _record(fields, values, currencies, items, seen)
            if record is not None and not fields.errors:
                stored = prices.get((record.price_list, record.item))
                if stored is not None and record.price_list in billed and not _same(stored, record):
                    fields.fail(
                        None,
                        f"the price of {record.item} in {record.price_list} cannot change: "
                        "contracts on this price list have been billed (issued invoices never "
                        "change; create a new price list and change the contracts' price list)",
                    )
            if fields.errors or record is None:
                checked.refused.extend((row, error) for error in fields.errors)
            else:
                currencies.setdefault(record.price_list, record.currency)
                checked.accepted.append((row, record))
        return checked

    def write(self, session: Session, records: Sequence[Any], actor: str) -> Outcome:
        outcome = Outcome()
        lists = by_code(session, models.PriceList, (r.price_list for r in records))
        new: dict[str, list[PriceRecord]] = {}
        for record in records:
            if record.price_list not in lists:
                new.setdefault(record.price_list, []).append(record)
        for code, members in new.items():  # one creation per new list, with all its prices
            data = PriceListIn(
                code=code,
                currency=members[0].currency,
                prices={r.item: r.spec for r in members},
            )
            catalog.create_price_list(session, data, actor)
            outcome.created += len(members)
        prices = _prices(session, lists, (r.item for r in records))
        changed_lists: set[str] = set()
        for record in records:
            if record.price_list in new:
                continue
            key = f"{record.price_list}/{record.item}"
            stored = prices.get((record.price_list, record.item))
            if stored is None:
                session.add(
                    models.Price(
                        price_list_code=record.price_list, item_code=record.item, spec=record.spec
                    )
                )
                audit.record(session, actor, "create", "price", key, None, record.spec)
                outcome.created += 1
            elif _same(stored, record):
                outcome.unchanged += 1
            else:
                before = dict(stored.spec)
                stored.spec = record.spec
                session.add(stored)
                audit.record(session, actor, "update", "price", key, before, record.spec)
                changed_lists.add(record.price_list)
                outcome.updated += 1
        session.flush()
        for code in changed_lists:  # a billing run computing these contracts must start over
            session.execute(
                update(models.Contract)
                .where(models.Contract.price_list_code == code)  # type: ignore[arg-type]
                .values(version=models.Contract.version + 1)
            )
        return outcome


def _record(
    fields: Fields,
    values: Values,
    currencies: dict[str, str],
    items: dict[str, models.Item],
    seen: dict[tuple[str, str], int],
) -> PriceRecord | None:
    code = fields.read(values.text, "price_list", required=True)
    money = fields.read(values.text, "currency", required=True)
    item = fields.read(values.text, "item", required=True)
    model = fields.read(values.text, "model", required=True)
    if money:
        try:
            money = currency(money.upper()).code
        except CurrencyError as exc:
            fields.fail("currency", str(exc))
        if code and code in currencies and currencies[code] != money:
            fields.fail("currency", f"price list {code} is in {currencies[code]}, not {money}")
    if item and item not in items:
        fields.fail("item", f"unknown item {item!r} (import the items first)")
    if code and item:
        if (code, item) in seen:
            fields.fail("item", f"{item} in {code} is already on line {seen[code, item]}")
        seen[code, item] = fields.row.line
    spec = _spec(fields, values, model) if model else None
    if fields.errors or spec is None:
        return None
    try:
        built = build_model(spec)
    except PricingError as exc:
        fields.fail(*_place(str(exc), PARAMETERS[spec["model"]]))
        return None
    return PriceRecord(code, money, item, spec, built)  # type: ignore[arg-type]


def _place(error: str, columns: tuple[str, ...]) -> tuple[str, str]:
    """A pricing error (`tiers[1].up_to: message`) as (column, message naming the tier)."""
    where, _, message = error.partition(": ")
    column, _, rest = where.partition("[")
    if column not in columns:
        return "model", error
    if column == "tiers" and rest:
        index, _, field = rest.partition("]")
        number = int(index) + 1 if index.isdigit() else index
        return column, f"tier {number}: {field.lstrip('.') + ': ' if field else ''}{message}"
    return column, message


def _spec(fields: Fields, values: Values, model: str) -> dict[str, Any] | None:
    """The model's declaration from its columns; other parameter columns must be empty."""
    if model not in PARAMETERS or model not in REGISTRY:
        known = ", ".join(m for m in PARAMETERS if m in REGISTRY)
        fields.fail("model", f"unknown pricing model {model!r} (known: {known})")
        return None
    reads = PARAMETERS[model]
    spec: dict[str, Any] = {"model": model}
    for column in ALL_PARAMETERS:
        if not fields.row.values.get(column):
            continue
        if column not in reads:
            fields.fail(column, f"not used by the {model} model (it reads {', '.join(reads)})")
        elif column == "tiers":
            spec["tiers"] = _tiers(fields, values, model)
        elif column == "expression":
            spec["expression"] = fields.row.values[column]
        else:
            number = fields.read(values.decimal, column)
            if number is not None:
                spec[column] = str(number)
    return spec


def _tiers(fields: Fields, values: Values, model: str) -> list[dict[str, Any]]:
    """`up_to:value[:flat_fee]|…` → the tiers' declarations; errors name the tier."""
    value_name = "price" if model == "stairstep" else "unit_price"
    names = ("up_to", value_name) if model == "stairstep" else ("up_to", value_name, "flat_fee")
    tiers = []
    for number, text in enumerate(fields.row.values["tiers"].split("|"), 1):
        parts = [p.strip() for p in text.split(":")]
        if not 2 <= len(parts) <= len(names):
            shape = ":".join(names[:2]) + ("[:flat_fee]" if len(names) == 3 else "")
            fields.fail("tiers", f"tier {number}: {text!r} is not {shape}")
            continue
        tier: dict[str, Any] = {"up_to": None}
        for name, part in zip(names, parts, strict=False):
            if not part:
                continue
            try:
                amount = values.decimal(Row(fields.row.line, {"tiers": part}), "tiers")
            except RowError as exc:
                fields.fail("tiers", f"tier {number}: {name}: {exc.message}")
                continue
            tier[name] = str(amount) if isinstance(amount, Decimal) else amount
        tiers.append(tier)
    return tiers


def _prices(
    session: Session, lists: Iterable[str], items: Iterable[str]
) -> dict[tuple[str, str], models.Price]:
    """The stored prices of a batch's (price list, item) pairs, whatever the lists' sizes."""
    found = {}
    price = models.Price
    for list_chunk in chunks(sorted(set(lists))):
        for item_chunk in chunks(sorted(set(items))):
            statement = select(price).where(
                price.price_list_code.in_(list_chunk),  # type: ignore[attr-defined]
                price.item_code.in_(item_chunk),  # type: ignore[attr-defined]
            )
            for row in session.scalars(statement):
                found[row.price_list_code, row.item_code] = row
    return found


def _billed(session: Session, lists: list[str]) -> set[str]:
    """The price lists some billed contract uses, or used before a change of price list."""
    billed: set[str] = set()
    for chunk in chunks(sorted(lists)):
        billed.update(
            session.scalars(
                select(models.Contract.price_list_code)
                .where(models.Contract.price_list_code.in_(chunk))  # type: ignore[attr-defined]
                .where(models.Contract.billed_until.is_not(None))  # type: ignore[union-attr]
                .distinct()
            )
        )
    if lists:
        moved = select(models.ContractAction.data).join(
            models.Contract,
            models.Contract.code == models.ContractAction.contract_code,  # type: ignore[arg-type]
        )
        for data in session.scalars(
            moved.where(models.ContractAction.kind == "change_price_list").where(
                models.Contract.billed_until.is_not(None)  # type: ignore[union-attr]
            )
        ):
            if data.get("price_list") in lists:
                billed.add(data["price_list"])
    return billed


def _same(stored: models.Price, record: PriceRecord) -> bool:
    """Equal models (10 and 10.00 are the same price), whatever the spelling."""
    try:
        return build_model(stored.spec) == record.model
    except PricingError:
        return False


KIND = PriceListsKind

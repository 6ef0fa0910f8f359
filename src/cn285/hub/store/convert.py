"""Stored rows back into the engine's domain objects (rows were validated when written)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from functools import lru_cache
from typing import Any

from cn285.billing_core.calendar import Alignment, Period
from cn285.billing_core.catalog import Customer, Item
from cn285.billing_core.contracts import Action, ActionKind, Line, LineKind, Notice, Timing
from cn285.billing_core.usage import Aggregation, UsageRecord
from cn285.hub.store import models

_DATE_FIELDS = ("from", "to", "through")


def customer(row: models.Customer) -> Customer:
    return Customer(row.code, row.name, row.country, row.vat_number, row.group_invoices)


def item(row: models.Item) -> Item:
    return Item(row.code, row.name, row.tax_category)


_KINDS = {k.value: k for k in LineKind}
_PERIODS = {p.value: p for p in Period}
_TIMINGS = {t.value: t for t in Timing}
_ALIGNMENTS = {a.value: a for a in Alignment}


@lru_cache(maxsize=256)
def _aggregation(text: str) -> Aggregation:
    return Aggregation.parse(text)


def line(row: Any) -> Line:
    return Line(
        code=row.code,
        item=row.item_code,
        kind=_KINDS[row.kind],
        start=row.start,
        quantity=row.quantity,
        end=row.end,
        period=_PERIODS[row.period],
        billing_period=_PERIODS[row.billing_period] if row.billing_period else None,
        timing=_TIMINGS[row.timing],
        alignment=_ALIGNMENTS[row.alignment],
        prorate=row.prorate,
        aggregation=_aggregation(row.aggregation),
        threshold_quantity=row.threshold_quantity,
        threshold_amount=row.threshold_amount,
        usage_complete_trigger=row.trigger == "usage_complete",
        of=row.of,
        source=f"contracts.{row.contract_code}.lines.{row.code}",
    )


def line_row(contract: str, line: Line) -> models.ContractLine:
    """The row that stores `line` of `contract` (the inverse of `line`)."""
    return models.ContractLine(
        contract_code=contract,
        code=line.code,
        item_code=line.item,
        kind=line.kind.value,
        quantity=line.quantity,
        start=line.start,
        end=line.end,
        period=line.period.value,
        billing_period=line.billing_period.value if line.billing_period else None,
        timing=line.timing.value,
        alignment=line.alignment.value,
        prorate=line.prorate,
        aggregation=str(line.aggregation),
        threshold_quantity=line.threshold_quantity,
        threshold_amount=line.threshold_amount,
        trigger="usage_complete" if line.usage_complete_trigger else None,
        of=line.of,
    )


def action(row: models.ContractAction) -> Action:
    data: dict[str, Any] = row.data or {}
    kind = ActionKind(row.kind)
    return Action(
        kind=kind,
        on=row.on,
        contract=None if row.line_ref else row.contract_code,
        line=row.line_ref,
        quantity=_dec(data.get("quantity")),
        percent=_dec(data.get("percent")),
        from_=_day(data.get("from")),
        to=_day(data.get("to")) if kind is not ActionKind.TRANSFER else None,
        notice=Notice.parse(data["notice"]) if data.get("notice") else None,
        period=Period(data["period"]) if data.get("period") else None,
        billing_period=Period(data["billing_period"]) if data.get("billing_period") else None,
        to_contract=data.get("to") if kind is ActionKind.TRANSFER else None,
        customer=data.get("customer"),
        price_list=data.get("price_list"),
        through=_day(data.get("through")),
        seq=row.id or 0,
        source=f"actions.{row.id}",
    )


def usage(row: models.UsageRecord) -> UsageRecord:
    return UsageRecord(
        at=row.at,
        quantity=row.quantity,
        end=row.end,
        properties=row.properties or {},
        id=row.client_id,
        seq=row.id or 0,
        source=f"usage.{row.line_ref}.{row.client_id}",
    )


def action_data(a: Action) -> dict[str, Any]:
    """The fields of an action besides kind, on and target, as stored."""
    data: dict[str, Any] = {
        "quantity": a.quantity,
        "percent": a.percent,
        "from": a.from_,
        "to": a.to_contract if a.kind is ActionKind.TRANSFER else a.to,
        "notice": _notice_text(a.notice),
        "period": a.period.value if a.period else None,
        "billing_period": a.billing_period.value if a.billing_period else None,
        "customer": a.customer,
        "price_list": a.price_list,
        "through": a.through,
    }
    return {k: v for k, v in data.items() if v is not None}


def _notice_text(notice: Notice | None) -> str | None:
    if notice is None:
        return None
    return "end_of_period" if notice.unit == "end_of_period" else f"{notice.amount} {notice.unit}"


def _dec(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _day(value: Any) -> date | None:
    return None if value is None else date.fromisoformat(value)

"""The shape of a scenario file (FORMAT.md), validated field by field.

Unknown keys are refused so that a typo never silently changes a bill. Cross references
and combinations are checked by the loader, which knows the whole book.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from cn285.billing_core.calendar import Alignment, Period
from cn285.billing_core.contracts import ActionKind, LineKind, Timing
from cn285.billing_core.money import to_decimal


def _decimal(value: Any) -> Decimal:
    try:
        return to_decimal(value, "value")
    except TypeError as exc:  # pydantic reports ValueError as a validation error
        raise ValueError(str(exc)) from None


def _text(value: Any) -> Any:
    # codes written as numbers in YAML (e.g. `code: 42`) are still codes
    return str(value) if isinstance(value, int | Decimal) and not isinstance(value, bool) else value


Dec = Annotated[Decimal, BeforeValidator(_decimal)]
Code = Annotated[str, BeforeValidator(_text), Field(min_length=1)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class TaxIn(Strict):
    seller_country: str
    rates: dict[str, dict[str, Dec]] = {}


class CustomerIn(Strict):
    code: Code
    name: str
    country: str = Field(pattern=r"^[A-Za-z]{2}$")
    vat_number: str | None = None
    group_invoices: bool = False
    # contact details, kept and synchronised with the ERPs; not used to bill
    email: str | None = None
    street: str | None = None
    zip: str | None = None
    city: str | None = None
    is_company: bool = True


class ItemIn(Strict):
    code: Code
    name: str
    tax_category: str = "standard"


class PriceListIn(Strict):
    code: Code
    currency: str
    prices: dict[Code, dict[str, Any]]


class ThresholdIn(Strict):
    quantity: Dec | None = None
    amount: Dec | None = None


class LineIn(Strict):
    code: Code
    item: Code
    kind: LineKind
    quantity: Dec = Decimal(1)
    start: date | None = None
    end: date | None = None
    period: Period = Period.MONTH
    billing_period: Period | None = None
    timing: Timing | None = None
    alignment: Alignment = Alignment.CALENDAR
    prorate: bool = True
    aggregation: str | None = None
    threshold: ThresholdIn | None = None
    trigger: Literal["usage_complete"] | None = None
    of: Code | None = None


class ContractIn(Strict):
    code: Code
    customer: Code
    price_list: Code
    lines: list[LineIn] = Field(min_length=1)
    timezone: str | None = None


class UsageIn(Strict):
    line: str
    at: datetime | None = None
    start: datetime | None = None
    end: datetime | None = None
    quantity: Dec | None = None
    properties: dict[str, Any] = {}
    id: Code | None = None


class ActionIn(Strict):
    on: date | None = None
    do: ActionKind
    contract: Code | None = None
    line: str | None = None
    quantity: Dec | None = None
    percent: Dec | None = None
    from_: date | None = Field(default=None, alias="from")
    to: Code | None = None  # a date (discount, free) or a contract (transfer)
    notice: Code | None = None
    period: Period | None = None
    billing_period: Period | None = None
    customer: Code | None = None
    price_list: Code | None = None
    through: date | None = None


class RunIn(Strict):
    until: date


class ExpectLineIn(Strict):
    line: str
    from_: date | None = Field(default=None, alias="from")
    to: date | None = None
    amount: Dec | None = None
    quantity: Dec | None = None
    unit_price: Dec | None = None
    tax: Dec | None = None
    tax_rate: Dec | None = None
    kind: str | None = None


class ExpectInvoiceIn(Strict):
    customer: Code
    date: date
    contract: Code | None = None
    kind: Literal["invoice", "credit_note"] | None = None
    currency: str | None = None
    total_excl_tax: Dec | None = None
    tax: Dec | None = None
    total: Dec | None = None
    lines: list[ExpectLineIn] = []


class ExpectIn(Strict):
    exhaustive: bool = True
    invoices: list[ExpectInvoiceIn] = []


class ScenarioIn(Strict):
    scenario: str = ""
    description: str | None = None
    timezone: str = "UTC"
    tax: TaxIn | None = None
    customers: list[CustomerIn] = []
    items: list[ItemIn] = []
    price_lists: list[PriceListIn] = []
    contracts: list[ContractIn] = []
    usage: list[UsageIn] = []
    actions: list[ActionIn] = []
    run: RunIn
    expect: ExpectIn | None = None

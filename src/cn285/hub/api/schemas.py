"""What the API returns and the few inputs that are not scenario declarations.

Requests that declare things (customers, items, price lists, contracts, actions) use the
scenario schema (`billing_core.scenario.schema`): one definition, one validation, whether
the data comes from a file or over HTTP. Amounts are decimal strings both ways.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator


class Out(BaseModel):
    model_config = ConfigDict(from_attributes=True, populate_by_name=True)


class CustomerOut(Out):
    code: str
    name: str
    country: str
    vat_number: str | None
    group_invoices: bool
    email: str | None
    street: str | None
    zip: str | None
    city: str | None
    is_company: bool
    created_at: dt.datetime
    updated_at: dt.datetime


class CustomerUpdate(BaseModel):
    """Fields to change; absent fields stay as they are (null removes a VAT number)."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field(None, min_length=1)  # type: ignore[assignment]
    country: str = Field(None, pattern=r"^[A-Za-z]{2}$")  # type: ignore[assignment]
    vat_number: str | None = None
    group_invoices: bool = Field(None)  # type: ignore[assignment]
    email: str | None = None
    street: str | None = None
    zip: str | None = None
    city: str | None = None
    is_company: bool = Field(None)  # type: ignore[assignment]


class ItemOut(Out):
    code: str
    name: str
    tax_category: str
    active: bool
    updated_at: dt.datetime


class ItemUpdate(BaseModel):
    """Fields to change; absent fields stay as they are."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field(None, min_length=1)  # type: ignore[assignment]
    tax_category: str = Field(None, min_length=1)  # type: ignore[assignment]
    active: bool = Field(None)  # type: ignore[assignment]


class PriceListOut(BaseModel):
    code: str
    currency: str
    prices: dict[str, dict[str, Any]]


class LineOut(Out):
    code: str
    item: str = Field(validation_alias="item_code")
    kind: str
    quantity: Decimal
    start: dt.date
    end: dt.date | None
    period: str
    billing_period: str | None
    timing: str
    alignment: str
    prorate: bool
    aggregation: str
    threshold_quantity: Decimal | None
    threshold_amount: Decimal | None
    trigger: str | None
    of: str | None


class ContractOut(BaseModel):
    code: str
    customer: str
    price_list: str
    timezone: str | None
    billed_until: dt.date | None
    next_due: dt.date | None
    lines: list[LineOut]


class ActionOut(Out):
    id: int
    do: str = Field(validation_alias="kind")
    on: dt.date | None
    contract: str | None = Field(validation_alias="contract_code")
    line: str | None = Field(validation_alias="line_ref")
    data: dict[str, Any]
    actor: str
    created_at: dt.datetime


class UsageRecordIn(BaseModel):
    """One measure. `id` is the sender's: sending the same record again changes nothing."""

    model_config = ConfigDict(extra="forbid")
    line: str = Field(description="CONTRACT/LINE of a usage line")
    id: str = Field(min_length=1, max_length=128)
    at: dt.datetime | None = None
    start: dt.datetime | None = None
    end: dt.datetime | None = None
    quantity: str | int | None = Field(None, description="a decimal, as a string")
    properties: dict[str, Any] | None = None


class UsageResult(BaseModel):
    received: int
    created: int
    duplicates: int


class InvoiceLineOut(Out):
    position: int
    line: str = Field(validation_alias="line_ref")
    contract: str = Field(validation_alias="contract_code")
    item: str = Field(validation_alias="item_code")
    description: str
    kind: str
    start: dt.date = Field(serialization_alias="from")
    end: dt.date = Field(serialization_alias="to")
    quantity: Decimal | None
    unit_price: Decimal | None
    amount: Decimal
    tax_rate: Decimal
    tax: Decimal
    adjustment: bool


class InvoiceOut(Out):
    number: str
    kind: str
    customer: str = Field(validation_alias="customer_code")
    contract: str | None = Field(validation_alias="contract_code")
    date: dt.date
    currency: str
    tax_regime: str
    note: str | None
    total_excl_tax: Decimal
    tax: Decimal
    total: Decimal
    amount_paid: Decimal
    payment_status: str
    issued_at: dt.datetime | None
    lines: list[InvoiceLineOut] = []


class BillingRunIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    until: dt.date = Field(
        description="issue every invoice dated up to this day (at most a year ahead of today)"
    )

    @field_validator("until")
    @classmethod
    def _not_far_ahead(cls, value: dt.date) -> dt.date:
        return check_horizon(value)


MAX_AHEAD = dt.timedelta(days=366)


def check_horizon(value: dt.date) -> dt.date:
    """Invoices are not issued years ahead: a mistyped year would bill decades at once."""
    limit = dt.date.today() + MAX_AHEAD
    if value > limit:
        raise ValueError(f"at most a year ahead of today ({limit})")
    return value


class BillingRunOut(Out):
    id: int
    until: dt.date
    status: str
    started_at: dt.datetime
    finished_at: dt.datetime | None
    contracts: int
    invoices_issued: int
    credit_notes_issued: int
    errors: list[str]
    actor: str


class AuditOut(Out):
    id: int
    at: dt.datetime
    actor: str
    action: str
    entity: str
    entity_key: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None


class SettingsBody(BaseModel):
    """Company-wide billing settings: the seller's VAT rules and the default time zone."""

    model_config = ConfigDict(extra="forbid")
    tax: dict[str, Any] | None = Field(
        None, description='{"seller_country": "FR", "rates": {"FR": {"standard": "20"}}}'
    )
    timezone: str = "UTC"

"""The mapping between Cn285 and a NetSuite account: subsidiary, fields, codes, accounts.

A NetSuite consultant copies `netsuite_default.yaml`, edits it and points the configuration
at it (`[connectors.netsuite] mapping = "..."`). Custom fields (`custentity_...`,
`custbody_...`, `custcol_...`) are written as constants on every push.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from cn285.mappings.loader import load_mapping

DEFAULT = Path(__file__).with_name("netsuite_default.yaml")
Constant = str | int | bool | dict[str, str]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _custom(prefix: str, values: dict[str, Constant]) -> dict[str, Constant]:
    wrong = [k for k in values if not k.startswith(prefix)]
    if wrong:
        raise ValueError(f"{wrong[0]}: custom fields here start with {prefix}")
    return values


class CustomerMapping(Strict):
    #: the primary subsidiary of customers created by Cn285 (internal id); absent: the
    #: account's default
    subsidiary: str | None = None
    #: custom entity fields written on every push, e.g. {custentity_billing_source: cn285}
    custom_fields: dict[str, Constant] = {}
    #: who owns each field when both sides changed it: erp | cn285 (else: last modified)
    ownership: dict[
        Literal["name", "email", "vat_number", "country", "street", "zip", "city"],
        Literal["erp", "cn285"],
    ] = {"name": "erp", "vat_number": "erp", "country": "erp", "email": "cn285"}

    @field_validator("custom_fields")
    @classmethod
    def _entity_fields(cls, value: dict[str, Constant]) -> dict[str, Constant]:
        return _custom("custentity", value)


class ItemMapping(Strict):
    #: SuiteQL item types pulled as Cn285 items
    types: list[str] = Field(default=["Service", "NonInvtPart", "InvtPart"], min_length=1)
    #: NetSuite item (itemid) on invoice lines whose Cn285 item is not in NetSuite; absent:
    #: such lines are refused with the item's code
    fallback: str | None = None
    #: Cn285 item code -> NetSuite itemid, where they differ
    codes: dict[str, str] = {}


class InvoiceMapping(Strict):
    #: Cn285 VAT rate (percent) -> NetSuite tax code (salesTaxItem itemid); unmapped rates
    #: are looked up among the tax codes by rate
    tax_codes: dict[str, str] = {}
    #: custom body fields written on invoices and credit memos (custbody_...)
    custom_fields: dict[str, Constant] = {}
    #: NetSuite form (internal id) for invoices and credit memos, if not the preferred one
    invoice_form: str | None = None
    credit_memo_form: str | None = None

    @field_validator("custom_fields")
    @classmethod
    def _body_fields(cls, value: dict[str, Constant]) -> dict[str, Constant]:
        return _custom("custbody", value)


class JournalMapping(Strict):
    #: subsidiary of journal entries (internal id); absent: the account's default
    subsidiary: str | None = None
    #: Cn285 account code -> NetSuite account number (acctnumber), where they differ
    accounts: dict[str, str] = {}


class NetSuiteMapping(Strict):
    customers: CustomerMapping = CustomerMapping()
    items: ItemMapping = ItemMapping()
    invoices: InvoiceMapping = InvoiceMapping()
    journal_entries: JournalMapping = JournalMapping()
    #: ISO currency code -> NetSuite currency symbol, where they differ
    currencies: dict[str, str] = {}


def load(path: Path | None = None) -> NetSuiteMapping:
    return load_mapping(NetSuiteMapping, path, DEFAULT)

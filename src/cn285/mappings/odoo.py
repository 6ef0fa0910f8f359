"""The mapping between Cn285 and an Odoo database: fields, value tables, custom fields.

An Odoo administrator copies `odoo_default.yaml`, edits it and points the configuration at
it (`[connectors.odoo] mapping = "..."`) to adapt the sync to a customised Odoo.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from cn285.mappings.loader import load_mapping

DEFAULT = Path(__file__).with_name("odoo_default.yaml")
Transform = Literal["strip", "upper", "lower", "none"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FieldMap(Strict):
    """One Cn285 field ↔ one Odoo field, with an optional small transform on the way in."""

    odoo: str = Field(pattern=r"^[a-z_][a-z0-9_]*$")
    transform: Transform = "none"


class CustomerMapping(Strict):
    model: str = "res.partner"
    domain: list[list[object]] = [["customer_rank", ">", 0]]
    fields: dict[
        Literal[
            "code", "name", "email", "vat_number", "country", "street", "zip", "city", "is_company"
        ],
        FieldMap,
    ] = {
        "code": FieldMap(odoo="ref"),
        "name": FieldMap(odoo="name"),
        "email": FieldMap(odoo="email"),
        "vat_number": FieldMap(odoo="vat", transform="upper"),
        "country": FieldMap(odoo="country_id"),
        "street": FieldMap(odoo="street"),
        "zip": FieldMap(odoo="zip"),
        "city": FieldMap(odoo="city"),
        "is_company": FieldMap(odoo="is_company"),
    }
    #: extra Odoo fields written on every push (custom fields `x_...` included)
    constants: dict[str, str | int | bool] = {}
    #: who owns each field when both sides changed it: erp | cn285 (else: last modified)
    ownership: dict[str, Literal["erp", "cn285"]] = {}


class ItemMapping(Strict):
    model: str = "product.product"
    code: str = "default_code"
    domain: list[list[object]] = [["sale_ok", "=", True]]
    #: Odoo tax ids → Cn285 tax category, by the tax's rate in percent
    tax_categories: dict[str, str] = {"20": "standard", "10": "intermediate", "5.5": "reduced"}


class InvoiceMapping(Strict):
    #: Cn285 VAT rate (percent) → Odoo sale tax name or rate; unmapped rates are looked up
    taxes: dict[str, str] = {}
    #: income account code per item code (absent: the product's or journal's default)
    income_accounts: dict[str, str] = {}
    #: extra fields on account.move (custom `x_...` fields allowed)
    constants: dict[str, str | int | bool] = {}


class OdooMapping(Strict):
    customers: CustomerMapping = CustomerMapping()
    items: ItemMapping = ItemMapping()
    invoices: InvoiceMapping = InvoiceMapping()
    #: ISO country code → Odoo country code, where a database uses another code
    countries: dict[str, str] = {}
    #: ISO currency code → Odoo currency name, where they differ
    currencies: dict[str, str] = {}


def load(path: Path | None = None) -> OdooMapping:
    return load_mapping(OdooMapping, path, DEFAULT)

"""The `base` module's models: currencies, countries, partners, companies, users, ir.*.

Field names and semantics follow Odoo 16–18 (`odoo/addons/base/models/`); only what an
integration reads or writes is modelled.
"""

from __future__ import annotations

from typing import Any, ClassVar
from zoneinfo import available_timezones

from ..database import Env
from ..errors import AccessError, ValidationError
from ..fields import (
    Boolean,
    Char,
    Float,
    Html,
    Integer,
    Many2many,
    Many2one,
    One2many,
    Selection,
    Text,
)
from ..orm import BaseModel
from ..registry import expose

LANGUAGES = [("en_US", "English (US)"), ("fr_FR", "French / Français")]
_TIMEZONES = sorted(available_timezones())


def _tz_selection(env: Env) -> list[tuple[str, str]]:
    return [(tz, tz) for tz in _TIMEZONES]


def default_company(env: Env) -> int | bool:
    return env.company.id


def _first(model: str, domain: list[Any]) -> Any:
    def default(env: Env) -> int | bool:
        ids = env[model].search_ids(domain, limit=1)
        return ids[0] if ids else False

    return default


class ResCurrency(BaseModel):
    _name = "res.currency"
    _description = "Currency"
    _order = "active desc, name"
    _unique = ((("name",), "The currency code must be unique!"),)

    name = Char("Currency", size=3, required=True)
    full_name = Char("Name")
    symbol = Char("Symbol", required=True)
    rounding = Float("Rounding Factor", digits=6, default=0.01)
    decimal_places = Integer("Decimal Places", compute="_compute_decimal_places")
    active = Boolean("Active", default=True)
    position = Selection([("after", "After Amount"), ("before", "Before Amount")], default="after")
    rate = Float("Current Rate", digits=12, compute="_compute_rate")

    def _compute_decimal_places(self) -> int:
        rounding = self.raw("rounding")
        if not rounding or rounding >= 1:
            return 0
        return max(0, -rounding.normalize().as_tuple().exponent)

    def _compute_rate(self) -> Any:
        from decimal import Decimal

        return Decimal(1)


class ResCountry(BaseModel):
    _name = "res.country"
    _description = "Country"
    _order = "name"
    _unique = ((("code",), "The code of the country must be unique!"),)

    name = Char("Country Name", required=True)
    code = Char("Country Code", size=2, required=True)
    currency_id = Many2one("res.currency", "Currency")
    phone_code = Integer("Country Calling Code")


class ResPartnerCategory(BaseModel):
    _name = "res.partner.category"
    _description = "Partner Tags"
    _order = "name"
    _parent_name = "parent_id"

    name = Char("Tag Name", required=True)
    color = Integer("Color")
    parent_id = Many2one("res.partner.category", "Parent Category", ondelete="cascade")
    child_ids = One2many("res.partner.category", "parent_id", "Child Tags")
    active = Boolean("Active", default=True)

    def _compute_display_name(self) -> str:
        names = []
        current: BaseModel = self
        while current:
            names.append(current.raw("name") or "")
            current = current["parent_id"]
        return " / ".join(reversed(names))


class ResPartner(BaseModel):
    _name = "res.partner"
    _description = "Contact"
    _order = "complete_name ASC, id DESC"
    _rec_name = "complete_name"
    _rec_names_search = ("complete_name", "email", "ref", "vat")
    _parent_name = "parent_id"

    name = Char("Name")
    complete_name = Char("Complete Name", compute="_compute_complete_name", store=True)
    ref = Char("Reference")
    lang = Selection(LANGUAGES, "Language", default=lambda env: env.context.get("lang", "en_US"))
    tz = Selection(_tz_selection, "Timezone")
    vat = Char("Tax ID")
    website = Char("Website Link")
    comment = Html("Notes")
    active = Boolean("Active", default=True)
    is_company = Boolean("Is a Company", default=False)
    company_type = Selection(
        [("person", "Individual"), ("company", "Company")],
        "Company Type",
        compute="_compute_company_type",
        inverse="_inverse_company_type",
    )
    parent_id = Many2one("res.partner", "Related Company")
    child_ids = One2many("res.partner", "parent_id", "Contact", domain=[("active", "=", True)])
    type = Selection(
        [
            ("contact", "Contact"),
            ("invoice", "Invoice Address"),
            ("delivery", "Delivery Address"),
            ("other", "Other Address"),
        ],
        "Address Type",
        default="contact",
    )
    street = Char("Street")
    street2 = Char("Street2")
    zip = Char("Zip")
    city = Char("City")
    country_id = Many2one("res.country", "Country", ondelete="restrict")
    country_code = Char("Country Code", related="country_id.code")
    email = Char("Email")
    phone = Char("Phone")
    mobile = Char("Mobile")
    category_id = Many2many("res.partner.category", "Tags")
    commercial_partner_id = Many2one(
        "res.partner", "Commercial Entity", compute="_compute_commercial_partner", store=True
    )
    company_id = Many2one("res.company", "Company")
    user_ids = One2many("res.users", "partner_id", "Users")
    customer_rank = Integer("Customer Rank", default=0, copy=False)
    supplier_rank = Integer("Supplier Rank", default=0, copy=False)
    property_account_receivable_id = Many2one(
        "account.account",
        "Account Receivable",
        default=_first("account.account", [("account_type", "=", "asset_receivable")]),
    )
    property_account_payable_id = Many2one(
        "account.account",
        "Account Payable",
        default=_first("account.account", [("account_type", "=", "liability_payable")]),
    )
    invoice_ids = One2many("account.move", "partner_id", "Invoices")

    def _compute_complete_name(self) -> str | None:
        name = self.raw("name")
        parent = self["parent_id"]
        if parent and not self.raw("is_company"):
            label = name or dict(type(self).type.selection).get(self.raw("type") or "", "")
            return f"{parent.raw('complete_name') or parent.raw('name') or ''}, {label}"
        return name

    def _compute_commercial_partner(self) -> int:
        partner: BaseModel = self
        while partner["parent_id"] and not partner.raw("is_company"):
            partner = partner["parent_id"]
        return partner.id  # type: ignore[return-value]

    def _compute_company_type(self) -> str:
        return "company" if self.raw("is_company") else "person"

    def _inverse_company_type(self, value: Any) -> None:
        self._write_raw({"is_company": value == "company"})

    def _after_write(self, vals: dict[str, Any]) -> None:
        if {"name", "parent_id", "is_company", "type"} & set(vals):
            children = self.env["res.partner"].with_context(active_test=False)
            for partner in self:
                kids = children.search([("parent_id", "child_of", partner.id)]) - partner
                kids._recompute()

    def _check_constraints(self) -> None:
        for partner in self:
            if partner.raw("type") == "contact" and not partner.raw("name"):
                raise ValidationError("The operation cannot be completed: Contacts require a name")


class ResCompany(BaseModel):
    _name = "res.company"
    _description = "Companies"
    _order = "sequence, name"
    _unique = ((("name",), "The company name must be unique!"),)

    name = Char("Company Name", required=True)
    partner_id = Many2one("res.partner", "Partner", required=True)
    currency_id = Many2one(
        "res.currency", "Currency", required=True, default=_first("res.currency", [])
    )
    country_id = Many2one("res.country", "Country")
    vat = Char("Tax ID")
    street = Char("Street")
    zip = Char("Zip")
    city = Char("City")
    email = Char("Email")
    phone = Char("Phone")
    sequence = Integer("Sequence", default=10)
    tax_calculation_rounding_method = Selection(
        [("round_per_line", "Round per Line"), ("round_globally", "Round Globally")],
        "Tax Calculation Rounding Method",
        default="round_per_line",
    )
    account_price_include = Selection(
        [("tax_included", "Tax Included"), ("tax_excluded", "Tax Excluded")],
        "Default Sales Price Include",
        default="tax_excluded",
        versions={18},
    )
    account_sale_tax_id = Many2one("account.tax", "Default Sale Tax")
    account_purchase_tax_id = Many2one("account.tax", "Default Purchase Tax")
    account_journal_payment_debit_account_id = Many2one(
        "account.account", "Journal Outstanding Receipts"
    )
    account_journal_payment_credit_account_id = Many2one(
        "account.account", "Journal Outstanding Payments"
    )
    account_journal_suspense_account_id = Many2one("account.account", "Journal Suspense")

    def _prepare_create_vals(self, vals: dict[str, Any], explicit: frozenset[str]) -> dict:
        if not vals.get("partner_id"):
            partner = self.env["res.partner"].create(
                {
                    "name": vals.get("name"),
                    "is_company": True,
                    "country_id": vals.get("country_id") or False,
                    "vat": vals.get("vat") or False,
                }
            )
            vals = {**vals, "partner_id": partner.id}
        return vals


class ResUsers(BaseModel):
    _name = "res.users"
    _description = "User"
    _order = "name, login"
    _inherits: ClassVar[dict[str, str]] = {"res.partner": "partner_id"}
    _unique = ((("login",), "You can not have two users with the same login !"),)

    login = Char("Login", required=True)
    partner_id = Many2one("res.partner", "Related Partner", required=True, ondelete="restrict")
    company_id = Many2one("res.company", "Company", required=True, default=default_company)
    company_ids = Many2many(
        "res.company", "Companies", default=lambda env: [env.company.id] if env.company else []
    )
    active = Boolean("Active", default=True)
    share = Boolean("Share User", default=False)
    password = Char(
        "Password", compute="_compute_password", inverse="_inverse_password", copy=False
    )

    def _compute_display_name(self) -> str:
        return self["partner_id"].raw("name") or ""

    def _compute_password(self) -> str:
        return ""

    def _inverse_password(self, value: Any) -> None:
        if value:
            self.env.db.credentials[self._ids[0]] = str(value)

    @expose("model")
    def context_get(self) -> dict[str, Any]:
        """The user's context, as odoorpc fetches it right after `login`."""
        user = self.env.user
        return {
            "lang": user.raw("lang") or "en_US",
            "tz": user.raw("tz") or False,
            "uid": self.env.uid,
        }

    @expose("records")
    def has_group(self, group_ext_id: str) -> bool:
        return True

    def _before_unlink(self) -> None:
        if self.env.uid in self.ids:
            raise AccessError("You can not remove the admin user as it is used internally.")


class DecimalPrecision(BaseModel):
    _name = "decimal.precision"
    _description = "Decimal Precision"
    _order = "name"
    _unique = ((("name",), "Only one value can be defined for each given usage!"),)

    name = Char("Usage", required=True)
    digits = Integer("Digits", required=True, default=2)


class UomUom(BaseModel):
    _name = "uom.uom"
    _description = "Product Unit of Measure"
    _order = "name"

    name = Char("Unit of Measure", required=True)
    rounding = Float("Rounding Precision", digits=5, default=0.01)
    factor = Float("Ratio", digits=12, default=1.0)
    active = Boolean("Active", default=True)


class IrModel(BaseModel):
    _name = "ir.model"
    _description = "Models"
    _order = "model"
    _unique = ((("model",), "Each model must have a unique name."),)

    name = Char("Model Description", required=True)
    model = Char("Model", required=True)
    info = Text("Information")
    state = Selection([("manual", "Custom Object"), ("base", "Base Object")], default="base")
    transient = Boolean("Transient Model")


class IrModelData(BaseModel):
    _name = "ir.model.data"
    _description = "Model Data"
    _order = "module, model, name"
    _rec_name = "complete_name"
    _unique = (
        (
            ("module", "name"),
            "You cannot have multiple records with the same external ID in the same module!",
        ),
    )

    name = Char("External Identifier", required=True)
    complete_name = Char("Complete ID", compute="_compute_complete_name")
    module = Char("Module", required=True, default="")
    model = Char("Model Name", required=True)
    res_id = Integer("Record ID")
    noupdate = Boolean("Non Updatable", default=False)

    def _compute_complete_name(self) -> str:
        return f"{self.raw('module')}.{self.raw('name')}"

    def _lookup(self, module: str, name: str) -> tuple[str, int]:
        for _rid, row in self.env.db.rows(self._name):
            if row.get("module") == module and row.get("name") == name:
                return row["model"], row["res_id"]
        raise ValueError(f"External ID not found in the system: {module}.{name}")

    @expose("model")
    def check_object_reference(
        self, module: str, xml_id: str, raise_on_access_error: bool = False
    ) -> list[Any]:
        """[model, res_id] of an external id (what odoorpc's `env.ref` calls)."""
        model, res_id = self._lookup(module, xml_id)
        if self.env[model].search_ids([("id", "=", res_id)]):
            return [model, res_id]
        if raise_on_access_error:
            raise AccessError(f"Not enough access rights on the external ID {module}.{xml_id!r}")
        return [model, False]

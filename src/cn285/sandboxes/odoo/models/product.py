"""Products: `product.category`, `product.template` and its variants `product.product`.

The product type is where versions differ most (ERP_APIS.md §2.5): 16 and 17 have
`detailed_type` (`consu`, `service`, `product` for storable) driving `type`; 17.3 and 18
removed it, `type` is `consu`, `service` or `combo`, and a storable product is `consu` with
`is_storable`. A variant delegates the template's fields through `_inherits`.
"""

from __future__ import annotations

from typing import Any, ClassVar

from ..database import Env
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
from .base import _first

TYPES_16 = [("consu", "Consumable"), ("service", "Service"), ("product", "Storable Product")]
TYPES_18 = [("consu", "Goods"), ("service", "Service"), ("combo", "Combo")]
CREATING_VARIANT = "_creating_from_product.product"


def _default_sale_taxes(env: Env) -> list[int]:
    tax = env.company["account_sale_tax_id"]
    return tax.ids


def _default_purchase_taxes(env: Env) -> list[int]:
    tax = env.company["account_purchase_tax_id"]
    return tax.ids


class ProductCategory(BaseModel):
    _name = "product.category"
    _description = "Product Category"
    _order = "complete_name"
    _rec_name = "complete_name"
    _parent_name = "parent_id"

    name = Char("Name", required=True)
    complete_name = Char("Complete Name", compute="_compute_complete_name", store=True)
    parent_id = Many2one("product.category", "Parent Category", ondelete="cascade")
    child_id = One2many("product.category", "parent_id", "Child Categories")
    property_account_income_categ_id = Many2one("account.account", "Income Account")
    property_account_expense_categ_id = Many2one("account.account", "Expense Account")

    def _compute_complete_name(self) -> str | None:
        parent = self["parent_id"]
        name = self.raw("name")
        if parent:
            return f"{parent.raw('complete_name')} / {name}"
        return name

    def _after_write(self, vals: dict[str, Any]) -> None:
        if {"name", "parent_id"} & set(vals):
            descendants = self.search([("id", "child_of", self.ids)]) - self
            for category in descendants.sorted(key=lambda c: len(c.raw("complete_name") or "")):
                category._recompute()


class ProductTemplate(BaseModel):
    _name = "product.template"
    _description = "Product"
    _order = "priority desc, name"
    _rec_names_search = ("name", "default_code")

    name = Char("Name", required=True)
    sequence = Integer("Sequence", default=1)
    priority = Selection([("0", "Normal"), ("1", "Favorite")], "Favorite", default="0")
    description = Html("Description")
    description_sale = Text("Sales Description")
    detailed_type = Selection(TYPES_16, "Product Type", default="consu", versions={16, 17})
    type_16 = Selection(TYPES_16, "Type", default="consu", versions={16, 17}, name="type")
    type_18 = Selection(TYPES_18, "Product Type", default="consu", versions={18}, name="type")
    is_storable = Boolean("Track Inventory", default=False, versions={18})
    categ_id = Many2one(
        "product.category",
        "Product Category",
        required=True,
        default=_first("product.category", [("parent_id", "=", False)]),
    )
    list_price = Float("Sales Price", digits="Product Price", default=1.0)
    standard_price = Float("Cost", digits="Product Price")
    sale_ok = Boolean("Can be Sold", default=True)
    purchase_ok = Boolean("Can be Purchased", default=True)
    active = Boolean("Active", default=True)
    uom_id = Many2one("uom.uom", "Unit of Measure", default=_first("uom.uom", []))
    uom_po_id = Many2one("uom.uom", "Purchase Unit of Measure", default=_first("uom.uom", []))
    taxes_id = Many2many("account.tax", "Customer Taxes", default=_default_sale_taxes)
    supplier_taxes_id = Many2many("account.tax", "Vendor Taxes", default=_default_purchase_taxes)
    property_account_income_id = Many2one("account.account", "Income Account")
    property_account_expense_id = Many2one("account.account", "Expense Account")
    company_id = Many2one("res.company", "Company")
    default_code = Char(
        "Internal Reference", compute="_compute_default_code", inverse="_inverse_default_code"
    )
    barcode = Char("Barcode", compute="_compute_barcode", inverse="_inverse_barcode")
    product_variant_ids = One2many("product.product", "product_tmpl_id", "Products")
    product_variant_id = Many2one("product.product", "Product", compute="_compute_variant")
    product_variant_count = Integer("# Product Variants", compute="_compute_variant_count")

    def _compute_display_name(self) -> str:
        code = self.raw("default_code")
        name = self.raw("name") or ""
        return f"[{code}] {name}" if code else name

    def _variants(self) -> BaseModel:
        variants = self.env["product.product"].with_context(active_test=False)
        return variants.browse(
            self.env.db.children("product.product", "product_tmpl_id").get(self._ids[0], [])
        )

    def _compute_default_code(self) -> str | None:
        variants = self._variants()
        return variants.raw("default_code") if len(variants) == 1 else None

    def _inverse_default_code(self, value: Any) -> None:
        variants = self._variants()
        if len(variants) == 1:
            variants.write({"default_code": value})

    def _compute_barcode(self) -> str | None:
        variants = self._variants()
        return variants.raw("barcode") if len(variants) == 1 else None

    def _inverse_barcode(self, value: Any) -> None:
        variants = self._variants()
        if len(variants) == 1:
            variants.write({"barcode": value})

    def _compute_variant(self) -> int | None:
        variants = self._variants().filtered(lambda v: v.raw("active"))
        return variants.ids[0] if variants else None

    def _compute_variant_count(self) -> int:
        return len(self._variants().filtered(lambda v: v.raw("active")))

    def _prepare_create_vals(self, vals: dict[str, Any], explicit: frozenset[str]) -> dict:
        return _sync_type(self.env, vals, explicit)

    def _before_write(self, vals: dict[str, Any]) -> None:
        vals.update(_sync_type(self.env, vals, frozenset(vals)))

    def _after_create(self, vals_list: list[dict[str, Any]]) -> None:
        if self.env.context.get(CREATING_VARIANT):
            return
        variants = self.env["product.product"].with_context(**{CREATING_VARIANT: True})
        for template, vals in zip(self, vals_list, strict=True):
            variants.create(
                {
                    "product_tmpl_id": template.id,
                    "default_code": vals.get("default_code") or False,
                    "barcode": vals.get("barcode") or False,
                    "active": template.raw("active"),
                }
            )

    def _after_write(self, vals: dict[str, Any]) -> None:
        if "active" in vals:
            for template in self:
                template._variants().write({"active": bool(vals["active"])})


def _sync_type(env: Env, vals: dict[str, Any], explicit: frozenset[str]) -> dict[str, Any]:
    """In 16 and 17 `type` follows `detailed_type` (and the other way round)."""
    if env.version >= 18:
        return vals
    if "detailed_type" in explicit and "type" not in explicit:
        return {**vals, "type": vals["detailed_type"]}
    if "type" in explicit and "detailed_type" not in explicit:
        return {**vals, "detailed_type": vals["type"]}
    return vals


class ProductProduct(BaseModel):
    _name = "product.product"
    _description = "Product Variant"
    _order = "default_code, name, id"
    _inherits: ClassVar[dict[str, str]] = {"product.template": "product_tmpl_id"}
    _rec_names_search = ("default_code", "name")

    product_tmpl_id = Many2one(
        "product.template", "Product Template", required=True, ondelete="cascade"
    )
    default_code = Char("Internal Reference")
    barcode = Char("Barcode", copy=False)
    active = Boolean("Active", default=True)
    lst_price = Float(
        "Sales Price",
        digits="Product Price",
        compute="_compute_lst_price",
        inverse="_inverse_lst_price",
    )
    code = Char("Reference", compute="_compute_code")

    def _compute_display_name(self) -> str:
        code = self.raw("default_code")
        name = self["product_tmpl_id"].raw("name") or ""
        return f"[{code}] {name}" if code else name

    def _compute_lst_price(self) -> Any:
        return self["product_tmpl_id"].raw("list_price")

    def _inverse_lst_price(self, value: Any) -> None:
        self["product_tmpl_id"].write({"list_price": value})

    def _compute_code(self) -> str | None:
        return self.raw("default_code")

    def _prepare_create_vals(self, vals: dict[str, Any], explicit: frozenset[str]) -> dict:
        # the template `_inherits` creates is told (by the ORM's `_creating_from_*` context
        # key) not to make a variant of its own
        return _sync_type(self.env, vals, explicit)

    def _before_unlink(self) -> None:
        templates = {p.raw("product_tmpl_id") for p in self}
        self._templates = self.env["product.template"].browse(sorted(templates))

    def _after_unlink(self) -> None:
        for template in getattr(self, "_templates", ()):
            if template._existing() and not template._variants():
                template.unlink()

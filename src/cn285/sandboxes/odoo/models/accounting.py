"""Accounting configuration: accounts, taxes, journals and payment methods.

`account.account` has the 16+ `account_type` selection (ERP_APIS.md §2.5); in 18 an account
belongs to companies (`company_ids`) instead of one `company_id`. Taxes carry their
accounts on repartition lines; 18 replaced the `price_include` flag by
`price_include_override` and a company default (`account_price_include`).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ..errors import ValidationError
from ..fields import (
    Boolean,
    Char,
    Float,
    Integer,
    Many2many,
    Many2one,
    One2many,
    Selection,
    Text,
)
from ..orm import BaseModel
from .base import default_company

ACCOUNT_TYPES = [
    ("asset_receivable", "Receivable"),
    ("asset_cash", "Bank and Cash"),
    ("asset_current", "Current Assets"),
    ("asset_non_current", "Non-current Assets"),
    ("asset_prepayments", "Prepayments"),
    ("asset_fixed", "Fixed Assets"),
    ("liability_payable", "Payable"),
    ("liability_credit_card", "Credit Card"),
    ("liability_current", "Current Liabilities"),
    ("liability_non_current", "Non-current Liabilities"),
    ("equity", "Equity"),
    ("equity_unaffected", "Current Year Earnings"),
    ("income", "Income"),
    ("income_other", "Other Income"),
    ("expense", "Expenses"),
    ("expense_depreciation", "Depreciation"),
    ("expense_direct_cost", "Cost of Revenue"),
    ("off_balance", "Off-Balance Sheet"),
]
RECONCILED_TYPES = ("asset_receivable", "liability_payable")


class AccountAccount(BaseModel):
    _name = "account.account"
    _description = "Account"
    _order = "code"
    _rec_names_search = ("code", "name")
    _unique = ((("code", "company_id"), "The code of the account must be unique per company !"),)

    name = Char("Account Name", required=True)
    code = Char("Code", size=64, required=True)
    account_type = Selection(ACCOUNT_TYPES, "Type", required=True)
    internal_group = Selection(
        [
            ("equity", "Equity"),
            ("asset", "Asset"),
            ("liability", "Liability"),
            ("income", "Income"),
            ("expense", "Expense"),
            ("off_balance", "Off Balance"),
        ],
        "Internal Group",
        compute="_compute_internal_group",
    )
    reconcile = Boolean("Allow Reconciliation", default=False)
    deprecated = Boolean("Deprecated", default=False)
    currency_id = Many2one("res.currency", "Account Currency")
    company_id = Many2one(
        "res.company", "Company", required=True, default=default_company, versions={16, 17}
    )
    company_ids = Many2many(
        "res.company",
        "Companies",
        default=lambda env: [env.company.id],
        versions={18},
    )
    tax_ids = Many2many("account.tax", "Default Taxes")
    note = Text("Internal Notes")

    def _compute_display_name(self) -> str:
        return f"{self.raw('code') or ''} {self.raw('name') or ''}".strip()

    def _compute_internal_group(self) -> str | None:
        account_type = self.raw("account_type")
        return account_type.split("_")[0] if account_type else None

    def _prepare_create_vals(self, vals: dict[str, Any], explicit: frozenset[str]) -> dict:
        # Odoo computes `reconcile` from the type (receivable and payable reconcile)
        if "reconcile" not in explicit or vals.get("account_type") in RECONCILED_TYPES:
            return {**vals, "reconcile": vals.get("account_type") in RECONCILED_TYPES}
        return vals

    def _check_constraints(self) -> None:
        for account in self:
            if account.raw("account_type") in RECONCILED_TYPES and not account.raw("reconcile"):
                raise ValidationError(
                    "You cannot have a receivable/payable account that is not reconcilable. "
                    f"(account code: {account.raw('code')})"
                )


class AccountTax(BaseModel):
    _name = "account.tax"
    _description = "Tax"
    _order = "sequence, id"
    _unique = ((("name", "type_tax_use", "company_id"), "Tax names must be unique !"),)

    name = Char("Tax Name", required=True)
    type_tax_use = Selection(
        [("sale", "Sales"), ("purchase", "Purchases"), ("none", "None")],
        "Tax Type",
        required=True,
        default="sale",
    )
    amount_type = Selection(
        [
            ("group", "Group of Taxes"),
            ("fixed", "Fixed"),
            ("percent", "Percentage of Price"),
            ("division", "Percentage of Price Tax Included"),
        ],
        "Tax Computation",
        required=True,
        default="percent",
    )
    amount = Float("Amount", digits=4, required=True, default=0.0)
    active = Boolean("Active", default=True)
    company_id = Many2one("res.company", "Company", required=True, default=default_company)
    country_id = Many2one(
        "res.country", "Country", default=lambda env: env.company.raw("country_id") or False
    )
    sequence = Integer("Sequence", default=1)
    description = Char("Label on Invoices")
    price_include_16 = Boolean(
        "Included in Price", default=False, versions={16, 17}, name="price_include"
    )
    price_include_18 = Boolean(
        "Included in Price",
        compute="_compute_price_include",
        versions={18},
        name="price_include",
    )
    price_include_override = Selection(
        [("tax_included", "Tax Included"), ("tax_excluded", "Tax Excluded")],
        "Included in Price",
        versions={18},
    )
    include_base_amount = Boolean("Affect Base of Subsequent Taxes", default=False)
    invoice_repartition_line_ids = One2many(
        "account.tax.repartition.line",
        "tax_id",
        "Distribution for Invoices",
        domain=[("document_type", "=", "invoice")],
    )
    refund_repartition_line_ids = One2many(
        "account.tax.repartition.line",
        "tax_id",
        "Distribution for Refund Invoices",
        domain=[("document_type", "=", "refund")],
    )

    def _compute_price_include(self) -> bool:
        override = self.raw("price_include_override")
        if override:
            return override == "tax_included"
        company = self["company_id"]
        return company.raw("account_price_include") == "tax_included"

    def is_price_included(self) -> bool:
        return bool(self.raw("price_include"))

    def tax_account(self, document_type: str) -> int | None:
        """The account of the tax part of the repartition for invoices or refunds."""
        lines = self.env["account.tax.repartition.line"].search_ids(
            [
                ("tax_id", "=", self.id),
                ("document_type", "=", document_type),
                ("repartition_type", "=", "tax"),
            ]
        )
        for line_id in lines:
            account = self.env["account.tax.repartition.line"].browse(line_id).raw("account_id")
            if account:
                return account
        return None

    def _after_create(self, vals_list: list[dict[str, Any]]) -> None:
        lines = self.env["account.tax.repartition.line"]
        for tax in self:
            if tax.raw("invoice_repartition_line_ids") or tax.raw("refund_repartition_line_ids"):
                continue
            for document_type in ("invoice", "refund"):
                lines.create(
                    [
                        {
                            "tax_id": tax.id,
                            "document_type": document_type,
                            "repartition_type": "base",
                        },
                        {
                            "tax_id": tax.id,
                            "document_type": document_type,
                            "repartition_type": "tax",
                        },
                    ]
                )

    def _check_constraints(self) -> None:
        for tax in self:
            if tax.raw("amount_type") == "division" and tax.raw("amount") >= Decimal(100):
                raise ValidationError(
                    "A tax of type 'Percentage of Price Tax Included' must be below 100%."
                )


class AccountTaxRepartitionLine(BaseModel):
    _name = "account.tax.repartition.line"
    _description = "Tax Repartition Line"
    _order = "document_type, repartition_type, sequence, id"
    _rec_name = None

    tax_id = Many2one("account.tax", "Tax", ondelete="cascade")
    document_type = Selection(
        [("invoice", "Invoice"), ("refund", "Refund")], "Related to", required=True
    )
    repartition_type = Selection(
        [("base", "Base"), ("tax", "of tax")], "Based On", required=True, default="tax"
    )
    factor_percent = Float("%", digits=4, default=100.0)
    account_id = Many2one("account.account", "Account")
    sequence = Integer("Sequence", default=1)


class AccountJournal(BaseModel):
    _name = "account.journal"
    _description = "Journal"
    _order = "sequence, type, code"
    _unique = ((("code", "company_id"), "Journal codes must be unique per company."),)

    name = Char("Journal Name", required=True)
    code = Char("Short Code", size=5, required=True)
    type = Selection(
        [
            ("sale", "Sales"),
            ("purchase", "Purchase"),
            ("cash", "Cash"),
            ("bank", "Bank"),
            ("general", "Miscellaneous"),
        ],
        "Type",
        required=True,
    )
    default_account_id = Many2one("account.account", "Default Account", ondelete="restrict")
    suspense_account_id = Many2one("account.account", "Suspense Account")
    company_id = Many2one("res.company", "Company", required=True, default=default_company)
    currency_id = Many2one("res.currency", "Currency")
    sequence = Integer("Sequence", default=10)
    active = Boolean("Active", default=True)
    refund_sequence = Boolean("Dedicated Credit Note Sequence", default=True)
    payment_sequence = Boolean("Dedicated Payment Sequence", default=True)
    inbound_payment_method_line_ids = One2many(
        "account.payment.method.line",
        "journal_id",
        "Inbound Payment Methods",
        domain=[("payment_type", "=", "inbound")],
    )
    outbound_payment_method_line_ids = One2many(
        "account.payment.method.line",
        "journal_id",
        "Outbound Payment Methods",
        domain=[("payment_type", "=", "outbound")],
    )

    def _after_create(self, vals_list: list[dict[str, Any]]) -> None:
        methods = self.env["account.payment.method"]
        lines = self.env["account.payment.method.line"]
        for journal in self:
            if journal.raw("type") not in ("bank", "cash"):
                continue
            if journal.raw("inbound_payment_method_line_ids") or journal.raw(
                "outbound_payment_method_line_ids"
            ):
                continue
            for method_id in methods.search_ids([("code", "=", "manual")]):
                lines.create({"payment_method_id": method_id, "journal_id": journal.id})


class AccountPaymentMethod(BaseModel):
    _name = "account.payment.method"
    _description = "Payment Methods"
    _order = "id"

    name = Char("Name", required=True)
    code = Char("Code", required=True)
    payment_type = Selection(
        [("inbound", "Inbound"), ("outbound", "Outbound")], "Type", required=True
    )


class AccountPaymentMethodLine(BaseModel):
    _name = "account.payment.method.line"
    _description = "Payment Methods"
    _order = "sequence, id"

    name = Char("Name")
    sequence = Integer("Sequence", default=10)
    payment_method_id = Many2one(
        "account.payment.method", "Payment Method", required=True, ondelete="cascade"
    )
    payment_type = Selection(
        [("inbound", "Inbound"), ("outbound", "Outbound")],
        "Type",
        related="payment_method_id.payment_type",
    )
    journal_id = Many2one("account.journal", "Journal", ondelete="cascade")
    payment_account_id = Many2one("account.account", "Outstanding Receipts/Payments Account")

    def _prepare_create_vals(self, vals: dict[str, Any], explicit: frozenset[str]) -> dict:
        if not vals.get("name") and vals.get("payment_method_id"):
            method = self.env["account.payment.method"].browse(vals["payment_method_id"])
            return {**vals, "name": method.raw("name")}
        return vals

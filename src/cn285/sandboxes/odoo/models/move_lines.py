"""Journal items (`account.move.line`) and their partial reconciliations.

Odoo 16+ derives a line's debit and credit from its balance, and keeps each reconcilable
line's `amount_residual` from the partial reconciliations it takes part in; reconciling or
unreconciling recomputes the residuals, then the invoice totals and `payment_state`, then
the payments' `is_reconciled`.
"""

from __future__ import annotations

from typing import Any

from ..database import Env
from ..errors import UserError
from ..fields import (
    Boolean,
    Char,
    Date,
    Float,
    Integer,
    Many2many,
    Many2one,
    Monetary,
    One2many,
    Selection,
)
from ..money import ZERO, is_zero, round_money
from ..orm import BaseModel
from ..registry import expose
from .base import default_company
from .moves import (
    DEFER_SYNC,
    LINE_LOCKED_WHEN_POSTED,
    MOVE_TYPES,
    OUT_TYPES,
    POSTED_LOCKED,
    normalize_amounts,
)


def refresh_reconciliation(env: Env, line_ids: list[int]) -> None:
    """Recompute residuals, invoice totals and payment states after (un)reconciling."""
    lines = env["account.move.line"].browse(sorted(set(line_ids)))._existing()
    if not lines:
        return
    lines._recompute()
    moves = env["account.move"].browse(sorted({line.raw("move_id") for line in lines}))
    moves._recompute()
    payment_field = "origin_payment_id" if env.version >= 18 else "payment_id"
    payment_ids = {m.raw(payment_field) for m in moves if m.raw(payment_field)}
    env["account.payment"].browse(sorted(payment_ids))._recompute()


class AccountMoveLine(BaseModel):
    _name = "account.move.line"
    _description = "Journal Item"
    _order = "date desc, move_name desc, id"
    _rec_name = None

    move_id = Many2one("account.move", "Journal Entry", required=True, ondelete="cascade")
    move_name = Char("Number", related="move_id.name")
    date = Date("Date", related="move_id.date")
    ref = Char("Reference", related="move_id.ref")
    parent_state = Selection(
        [("draft", "Draft"), ("posted", "Posted"), ("cancel", "Cancelled")],
        "Status",
        related="move_id.state",
    )
    journal_id = Many2one("account.journal", "Journal", related="move_id.journal_id")
    company_id = Many2one("res.company", "Company", related="move_id.company_id")
    company_currency_id = Many2one(
        "res.currency", "Company Currency", related="move_id.company_id.currency_id"
    )
    currency_id = Many2one("res.currency", "Currency", related="move_id.currency_id")
    move_type = Selection(MOVE_TYPES, "Type", related="move_id.move_type")
    sequence = Integer("Sequence", default=10)
    name = Char("Label")
    display_type = Selection(
        [
            ("product", "Product"),
            ("cogs", "Cost of Goods Sold"),
            ("tax", "Tax"),
            ("rounding", "Rounding"),
            ("payment_term", "Payment Term"),
            ("line_section", "Section"),
            ("line_note", "Note"),
            ("epd", "Early Payment Discount"),
        ],
        "Display Type",
        required=True,
        default="product",
    )
    account_id = Many2one("account.account", "Account", ondelete="restrict")
    account_type = Selection(
        [("asset_receivable", "Receivable"), ("liability_payable", "Payable")],
        "Internal Type",
        related="account_id.account_type",
    )
    partner_id = Many2one("res.partner", "Partner", ondelete="restrict")
    product_id = Many2one("product.product", "Product", ondelete="restrict")
    quantity = Float("Quantity", digits="Product Unit of Measure", default=1.0)
    price_unit = Float("Unit Price", digits="Product Price")
    discount = Float("Discount (%)", digits="Discount", default=0.0)
    tax_ids = Many2many("account.tax", "Taxes")
    tax_line_id = Many2one("account.tax", "Originator Tax", ondelete="restrict")
    tax_base_amount = Monetary("Base Amount")
    debit = Monetary("Debit")
    credit = Monetary("Credit")
    balance = Monetary("Balance")
    amount_currency = Monetary("Amount in Currency")
    price_subtotal = Monetary("Subtotal")
    price_total = Monetary("Total")
    amount_residual = Monetary("Residual Amount", compute="_compute_residual", store=True)
    amount_residual_currency = Monetary(
        "Residual Amount in Currency", compute="_compute_residual", store=True
    )
    reconciled = Boolean("Reconciled", compute="_compute_residual", store=True)
    matched_debit_ids = One2many("account.partial.reconcile", "credit_move_id", "Matched Debits")
    matched_credit_ids = One2many("account.partial.reconcile", "debit_move_id", "Matched Credits")
    date_maturity = Date("Due Date")
    payment_id = Many2one(
        "account.payment", "Originator Payment", related="move_id.payment_id", versions={16, 17}
    )

    def _compute_display_name(self) -> str:
        move = self["move_id"]
        name = move.raw("name") or "" if move else ""
        ref = self.raw("ref")
        if ref:
            name += f" ({ref})"
        label = self.raw("name") or (
            self["product_id"].display_name() if self.raw("product_id") else ""
        )
        return f"{name} {label}".strip() if label else name

    def _compute_residual(self) -> dict[str, Any]:
        account = self["account_id"]
        reconcilable = bool(account) and (
            account.raw("reconcile")
            or account.raw("account_type") in ("asset_cash", "liability_credit_card")
        )
        if not reconcilable:
            return {"amount_residual": ZERO, "amount_residual_currency": ZERO, "reconciled": False}
        own = self._ids[0]
        matched = ZERO
        for _pid, row in self.env.db.rows("account.partial.reconcile"):
            if row.get("debit_move_id") == own:
                matched += row.get("amount") or ZERO
            elif row.get("credit_move_id") == own:
                matched -= row.get("amount") or ZERO
        residual = round_money((self.raw("balance") or ZERO) - matched)
        return {
            "amount_residual": residual,
            "amount_residual_currency": residual,
            "reconciled": is_zero(residual),
        }

    # -- create / write / unlink --------------------------------------------------------

    def _prepare_create_vals(self, vals: dict[str, Any], explicit: frozenset[str]) -> dict:
        vals = dict(vals)
        vals.setdefault("display_type", "product")
        move = self.env["account.move"].browse(vals.get("move_id") or ())
        if move and move._existing():
            if move.raw("state") == "posted":
                raise UserError(POSTED_LOCKED)
            if move.is_invoice() and vals["display_type"] == "product":
                vals = self._invoice_line_defaults(move, vals)
            if move.is_invoice() and "partner_id" not in vals:
                partner = move.raw("commercial_partner_id") or move.raw("partner_id")
                vals["partner_id"] = partner or False
        return normalize_amounts(vals)

    def _invoice_line_defaults(self, move: BaseModel, vals: dict[str, Any]) -> dict[str, Any]:
        """What Odoo 16+ precomputes on an invoice line from its product and journal."""
        outgoing = move.raw("move_type") in OUT_TYPES
        product = self.env["product.product"].browse(vals.get("product_id") or ())
        if product:
            product._check_exists()
            if "name" not in vals:
                description = product.raw("description_sale") if outgoing else None
                name = product.display_name()
                vals["name"] = f"{name}\n{description}" if description else name
            if "price_unit" not in vals:
                price = product.raw("lst_price") if outgoing else product.raw("standard_price")
                vals["price_unit"] = price or ZERO
            if "tax_ids" not in vals:
                taxes = product.raw("taxes_id" if outgoing else "supplier_taxes_id")
                vals["tax_ids"] = [(6, 0, list(taxes or []))]
            if not vals.get("account_id"):
                field = "property_account_income_id" if outgoing else "property_account_expense_id"
                account = product.raw(field)
                if not account:
                    category = product["categ_id"]
                    categ_field = (
                        "property_account_income_categ_id"
                        if outgoing
                        else "property_account_expense_categ_id"
                    )
                    account = category.raw(categ_field) if category else None
                if account:
                    vals["account_id"] = account
        if not vals.get("account_id"):
            vals["account_id"] = move["journal_id"].raw("default_account_id") or False
        return vals

    def _after_create(self, vals_list: list[dict[str, Any]]) -> None:
        self._lines_changed()

    def _lines_changed(self, move_ids: list[int] | None = None) -> None:
        if self.env.context.get(DEFER_SYNC):
            return
        ids = move_ids if move_ids is not None else [line.raw("move_id") for line in self]
        moves = self.env["account.move"].browse(sorted(set(ids)))._existing()
        moves._sync_dynamic_lines()
        moves._check_balanced()
        moves._recompute()

    @expose("records")
    def write(self, vals: dict[str, Any]) -> bool:
        if not self or not isinstance(vals, dict):
            return super().write(vals)
        self._check_exists()
        locked = LINE_LOCKED_WHEN_POSTED & set(vals)
        for line in self:
            if locked and line.raw("parent_state") == "posted":
                raise UserError(POSTED_LOCKED)
        deferred = self.with_context(**{DEFER_SYNC: True})
        if {"debit", "credit", "balance", "amount_currency"} & set(vals):
            for line in deferred:
                per_line = normalize_amounts(vals, line.raw("debit"), line.raw("credit"))
                super(AccountMoveLine, line).write(per_line)
        else:
            super(AccountMoveLine, deferred).write(vals)
        move_ids = [line.raw("move_id") for line in self]
        self.browse(self.ids)._lines_changed(move_ids)
        return True

    def _before_unlink(self) -> None:
        for line in self:
            if line.raw("parent_state") == "posted":
                raise UserError("You cannot delete an item linked to a posted entry.")
        self._move_ids = [line.raw("move_id") for line in self]

    def _after_unlink(self) -> None:
        self._lines_changed(getattr(self, "_move_ids", []))

    # -- reconciliation -----------------------------------------------------------------

    @expose("records")
    def reconcile(self) -> bool:
        """Match debit and credit lines of one account with partial reconciliations."""
        lines = self._existing()
        if not lines:
            return True
        for line in lines:
            if line.raw("parent_state") != "posted":
                raise UserError("You can only reconcile posted entries.")
        accounts = {line.raw("account_id") for line in lines}
        if len(accounts) > 1:
            names = ", ".join(
                self.env["account.account"].browse(a).display_name() for a in sorted(accounts)
            )
            raise UserError(f"Entries are not from the same account: {names}")
        account = self.env["account.account"].browse(accounts.pop())
        if not account.raw("reconcile"):
            raise UserError(
                f"Account {account.display_name()} does not allow reconciliation. First change "
                "the configuration of this account to allow it."
            )
        if any(line.raw("reconciled") for line in lines):
            raise UserError("You are trying to reconcile some entries that are already reconciled.")
        debits = [line for line in lines if (line.raw("amount_residual") or ZERO) > 0]
        credits = [line for line in lines if (line.raw("amount_residual") or ZERO) < 0]

        def by_maturity(line: BaseModel) -> tuple[str, int]:
            return (line.raw("date_maturity") or line.raw("date") or "", line._ids[0])

        debits.sort(key=by_maturity)
        credits.sort(key=by_maturity)
        partials = []
        debit_left = {line._ids[0]: line.raw("amount_residual") for line in debits}
        credit_left = {line._ids[0]: -line.raw("amount_residual") for line in credits}
        i = j = 0
        while i < len(debits) and j < len(credits):
            debit_id, credit_id = debits[i]._ids[0], credits[j]._ids[0]
            amount = min(debit_left[debit_id], credit_left[credit_id])
            if amount > 0:
                partials.append(
                    {
                        "debit_move_id": debit_id,
                        "credit_move_id": credit_id,
                        "amount": amount,
                        "debit_amount_currency": amount,
                        "credit_amount_currency": amount,
                        "max_date": max(by_maturity(debits[i])[0], by_maturity(credits[j])[0]),
                    }
                )
            debit_left[debit_id] -= amount
            credit_left[credit_id] -= amount
            if debit_left[debit_id] <= 0:
                i += 1
            if credit_left[credit_id] <= 0:
                j += 1
        if partials:
            self.env["account.partial.reconcile"].create(partials)
        return True

    @expose("records")
    def remove_move_reconcile(self) -> bool:
        """Remove every partial reconciliation involving these lines."""
        own = set(self.ids)
        partials = [
            pid
            for pid, row in self.env.db.rows("account.partial.reconcile")
            if row.get("debit_move_id") in own or row.get("credit_move_id") in own
        ]
        if partials:
            self.env["account.partial.reconcile"].browse(partials).unlink()
        return True


class AccountPartialReconcile(BaseModel):
    _name = "account.partial.reconcile"
    _description = "Partial Reconcile"
    _rec_name = None

    debit_move_id = Many2one("account.move.line", "Debit line", required=True, ondelete="cascade")
    credit_move_id = Many2one("account.move.line", "Credit line", required=True, ondelete="cascade")
    amount = Monetary("Amount")
    debit_amount_currency = Monetary("Debit Amount Currency")
    credit_amount_currency = Monetary("Credit Amount Currency")
    max_date = Date("Max Date of Matched Lines")
    company_id = Many2one("res.company", "Company", default=default_company)

    def _line_ids(self) -> list[int]:
        ids = []
        for partial in self:
            ids += [partial.raw("debit_move_id"), partial.raw("credit_move_id")]
        return [i for i in ids if i]

    def _after_create(self, vals_list: list[dict[str, Any]]) -> None:
        refresh_reconciliation(self.env, self._line_ids())

    def _before_unlink(self) -> None:
        self._touched_lines = self._line_ids()

    def _after_unlink(self) -> None:
        refresh_reconciliation(self.env, getattr(self, "_touched_lines", []))

"""Payments (`account.payment`).

16 and 17: a payment owns a journal entry from creation; its `state` is the entry's
(`draft`, `posted`, `cancel`). 18 detached payments from moves (odoo/odoo PR#198082): the
entry is made when the payment is confirmed and the payment has its own states,
`in_process` until it is matched with the bank, then `paid` (ERP_APIS.md §2.5). The entry
debits the outstanding receipts account and credits the customer's receivable.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from ..database import Env
from ..errors import UserError
from ..fields import Boolean, Char, Date, Integer, Many2many, Many2one, Monetary, Selection
from ..money import ZERO, round_money, to_decimal
from ..orm import BaseModel
from ..registry import expose
from .base import default_company
from .moves import (
    format_amount,
)

PAYMENT_LABELS = {
    ("customer", "inbound"): "Customer Payment",
    ("customer", "outbound"): "Customer Reimbursement",
    ("supplier", "outbound"): "Vendor Payment",
    ("supplier", "inbound"): "Vendor Reimbursement",
}
WRITE_OFF = "write_off_line_vals"


def default_payment_journal(env: Env) -> int | bool:
    for kind in ("bank", "cash"):
        found = env["account.journal"].search_ids(
            [("type", "=", kind), ("company_id", "=", env.company.id)], limit=1
        )
        if found:
            return found[0]
    return False


def payment_method_line(env: Env, journal_id: int | bool, payment_type: str) -> int | bool:
    if not journal_id:
        return False
    found = env["account.payment.method.line"].search_ids(
        [("journal_id", "=", journal_id), ("payment_type", "=", payment_type)], limit=1
    )
    return found[0] if found else False


def _us_date(value: str) -> str:
    return dt.date.fromisoformat(value).strftime("%m/%d/%Y") if value else ""


class AccountPayment(BaseModel):
    _name = "account.payment"
    _description = "Payments"
    _order = "date desc, name desc"

    name = Char("Number", default="/", copy=False)
    move_id = Many2one("account.move", "Journal Entry", ondelete="cascade", copy=False)
    state_16 = Selection(
        [("draft", "Draft"), ("posted", "Posted"), ("cancel", "Cancelled")],
        "Status",
        related="move_id.state",
        versions={16, 17},
        name="state",
    )
    state_18 = Selection(
        [
            ("draft", "Draft"),
            ("in_process", "In Process"),
            ("paid", "Paid"),
            ("canceled", "Canceled"),
            ("rejected", "Rejected"),
        ],
        "Status",
        default="draft",
        copy=False,
        versions={18},
        name="state",
    )
    payment_type = Selection(
        [("outbound", "Send"), ("inbound", "Receive")],
        "Payment Type",
        required=True,
        default="inbound",
    )
    partner_type = Selection(
        [("customer", "Customer"), ("supplier", "Vendor")], required=True, default="customer"
    )
    partner_id = Many2one("res.partner", "Customer/Vendor", ondelete="restrict")
    amount = Monetary("Amount")
    currency_id = Many2one(
        "res.currency", "Currency", default=lambda env: env.company.raw("currency_id")
    )
    journal_id = Many2one(
        "account.journal", "Journal", required=True, default=default_payment_journal
    )
    company_id = Many2one("res.company", "Company", default=default_company)
    date = Date("Date", required=True, default=lambda env: env.today())
    ref = Char("Memo", versions={16, 17})
    memo = Char("Memo", versions={18})
    payment_method_line_id = Many2one("account.payment.method.line", "Payment Method")
    payment_method_id = Many2one(
        "account.payment.method", "Method", related="payment_method_line_id.payment_method_id"
    )
    destination_account_id = Many2one("account.account", "Destination Account")
    outstanding_account_id = Many2one("account.account", "Outstanding Account")
    is_reconciled = Boolean("Is Reconciled", compute="_compute_is_reconciled", store=True)
    is_matched = Boolean("Is Matched With a Bank Statement", default=False, copy=False)
    reconciled_invoice_ids = Many2many(
        "account.move", "Reconciled Invoices", compute="_compute_reconciled_invoices"
    )
    reconciled_invoices_count = Integer(
        "# Reconciled Invoices", compute="_compute_reconciled_invoices_count"
    )
    invoice_ids = Many2many("account.move", "Invoices", versions={18})
    is_internal_transfer = Boolean("Internal Transfer", default=False, versions={16, 17})

    # -- helpers ------------------------------------------------------------------------

    def _memo_field(self) -> str:
        return "memo" if self.env.version >= 18 else "ref"

    def _move_payment_field(self) -> str:
        return "origin_payment_id" if self.env.version >= 18 else "payment_id"

    def _compute_display_name(self) -> str:
        name = self.raw("name")
        return name if name and name != "/" else "Draft Payment"

    def _compute_is_reconciled(self) -> bool:
        move = self["move_id"]
        if not move:
            return False
        account = self.raw("destination_account_id")
        lines = move._lines().filtered(lambda line: line.raw("account_id") == account)
        return bool(lines) and all(line.raw("reconciled") for line in lines)

    def _compute_reconciled_invoices(self) -> list[int]:
        move = self["move_id"]
        if not move:
            return list(self.raw("invoice_ids") or []) if self.env.version >= 18 else []
        return [m.id for m in move._counterpart_moves() if m.is_invoice()]  # type: ignore[misc]

    def _compute_reconciled_invoices_count(self) -> int:
        return len(self._compute_reconciled_invoices())

    def _prepare_create_vals(self, vals: dict[str, Any], explicit: frozenset[str]) -> dict:
        vals = dict(vals)
        payment_type = vals.get("payment_type") or "inbound"
        if not vals.get("payment_method_line_id"):
            vals["payment_method_line_id"] = payment_method_line(
                self.env, vals.get("journal_id") or False, payment_type
            )
        partner = self.env["res.partner"].browse(vals.get("partner_id") or ())
        if not vals.get("destination_account_id"):
            customer = (vals.get("partner_type") or "customer") == "customer"
            fname = "property_account_receivable_id" if customer else "property_account_payable_id"
            account = partner["commercial_partner_id"].raw(fname) if partner else None
            if not account:
                kind = "asset_receivable" if customer else "liability_payable"
                found = self.env["account.account"].search_ids([("account_type", "=", kind)])
                account = found[0] if found else None
            vals["destination_account_id"] = account or False
        if not vals.get("outstanding_account_id"):
            line = self.env["account.payment.method.line"].browse(
                vals.get("payment_method_line_id") or ()
            )
            account = line.raw("payment_account_id") if line else None
            if not account:
                fname = (
                    "account_journal_payment_debit_account_id"
                    if payment_type == "inbound"
                    else "account_journal_payment_credit_account_id"
                )
                account = self.env.company.raw(fname)
            vals["outstanding_account_id"] = account or False
        return vals

    @expose("model")
    def create(self, vals_list: Any) -> BaseModel:
        if isinstance(vals_list, dict):
            vals_list = [vals_list]
        write_offs = []
        cleaned = []
        for vals in vals_list if isinstance(vals_list, list) else []:
            vals = dict(vals) if isinstance(vals, dict) else vals
            write_offs.append(vals.pop(WRITE_OFF, None) if isinstance(vals, dict) else None)
            cleaned.append(vals)
        payments = super().create(cleaned if cleaned else vals_list)
        if self.env.version < 18:
            for payment, write_off in zip(payments, write_offs, strict=True):
                payment._generate_move(write_off)
        else:
            for payment, write_off in zip(payments, write_offs, strict=True):
                payment.env.db.options.setdefault("payment_write_offs", {})[str(payment.id)] = (
                    _write_off_json(write_off)
                )
        return payments

    def _move_lines(self, write_off: Any) -> list[dict[str, Any]]:
        inbound = self.raw("payment_type") == "inbound"
        sign = Decimal(1) if inbound else Decimal(-1)
        amount = self.raw("amount") or ZERO
        partner = self["partner_id"]
        label = PAYMENT_LABELS.get((self.raw("partner_type"), self.raw("payment_type")), "Payment")
        currency = self["currency_id"] or self.env.company["currency_id"]
        name = f"{label} {format_amount(amount, currency)}"
        if partner:
            name += f" - {partner.raw('name')}"
        name += f" - {_us_date(self.raw('date'))}"
        write_offs = _write_offs(write_off)
        write_off_total = sum((w["amount"] for w in write_offs), ZERO)
        partner_id = partner.id if partner else False
        lines = [
            {
                "name": name,
                "account_id": self.raw("outstanding_account_id") or False,
                "partner_id": partner_id,
                "balance": sign * amount,
                "date_maturity": self.raw("date"),
            },
            {
                "name": name,
                "account_id": self.raw("destination_account_id") or False,
                "partner_id": partner_id,
                "balance": -sign * (amount + write_off_total),
                "date_maturity": self.raw("date"),
            },
        ]
        for write in write_offs:
            lines.append(
                {
                    "name": write["name"],
                    "account_id": write["account_id"],
                    "partner_id": partner_id,
                    "balance": sign * write["amount"],
                    "date_maturity": self.raw("date"),
                }
            )
        return lines

    def _generate_move(self, write_off: Any = None) -> BaseModel:
        moves = self.env["account.move"]
        values = {
            "move_type": "entry",
            "journal_id": self.raw("journal_id"),
            "date": self.raw("date"),
            "partner_id": self.raw("partner_id") or False,
            "currency_id": self.raw("currency_id") or False,
            "ref": self.raw(self._memo_field()) or False,
            self._move_payment_field(): self.id,
            "line_ids": [(0, 0, line) for line in self._move_lines(write_off)],
        }
        move = moves.create(values)
        self._write_raw({"move_id": move.id})
        return move

    def _after_write(self, vals: dict[str, Any]) -> None:
        regenerate = {
            "amount",
            "partner_id",
            "journal_id",
            "date",
            "payment_type",
            "partner_type",
            "destination_account_id",
            "outstanding_account_id",
        }
        if not regenerate & set(vals) or self.env.version >= 18:
            return
        for payment in self:
            move = payment["move_id"]
            if not move or move.raw("state") != "draft":
                continue
            commands = [(5, 0, 0)] + [(0, 0, line) for line in payment._move_lines(None)]
            move.write(
                {
                    "line_ids": commands,
                    "date": payment.raw("date"),
                    "journal_id": payment.raw("journal_id"),
                    "partner_id": payment.raw("partner_id") or False,
                }
            )

    def _before_write(self, vals: dict[str, Any]) -> None:
        locked = {"amount", "partner_id", "journal_id", "payment_type", "partner_type"}
        if locked & set(vals):
            for payment in self:
                if payment.raw("state") not in ("draft", None):
                    raise UserError(
                        "You can't modify a payment that is not in draft; reset it to draft first."
                    )

    def _before_unlink(self) -> None:
        for payment in self:
            move = payment["move_id"]
            if payment.raw("state") not in ("draft", "cancel", "canceled") or (
                move and move.raw("posted_before")
            ):
                raise UserError("You cannot delete an entry which has been posted once.")
        self._moves = [p.raw("move_id") for p in self if p.raw("move_id")]

    def _after_unlink(self) -> None:
        moves = self.env["account.move"].browse(getattr(self, "_moves", []))._existing()
        if moves:
            moves.unlink()

    # -- actions ------------------------------------------------------------------------

    @expose("records")
    def action_post(self) -> bool:
        """Confirm: 16/17 post the entry; 18 create and post it, the payment is `in_process`."""
        self._check_exists()
        for payment in self:
            if payment.raw("state") not in ("draft", None):
                raise UserError("Only a draft payment can be posted.")
            if self.env.version >= 18:
                move = payment["move_id"]
                if not move and payment.raw("outstanding_account_id"):
                    key = str(payment.id)
                    write_off = self.env.db.options.get("payment_write_offs", {}).pop(key, None)
                    move = payment._generate_move(write_off)
                if move:
                    move.action_post()
                    name = move.raw("name")
                else:
                    name = payment._payment_name()
                payment._write_raw({"state": "in_process", "name": name})
            else:
                move = payment["move_id"] or payment._generate_move()
                move.action_post()
                payment._write_raw({"name": move.raw("name")})
            payment._recompute()
        return True

    def _payment_name(self) -> str:
        journal = self["journal_id"]
        prefix = "P" + (journal.raw("code") or "BNK")
        year = (self.raw("date") or self.env.today())[:4]
        return f"{prefix}/{year}/{self.env.db.next_sequence(f'{prefix}/{year}'):05d}"

    @expose("records")
    def action_draft(self) -> bool:
        self._check_exists()
        for payment in self:
            move = payment["move_id"]
            if move and move.raw("state") != "draft":
                move.button_draft()
            if self.env.version >= 18:
                payment._write_raw({"state": "draft", "is_matched": False})
            payment._recompute()
        return True

    @expose("records")
    def action_cancel(self) -> bool:
        self._check_exists()
        for payment in self:
            move = payment["move_id"]
            if move:
                move.button_cancel()
            if self.env.version >= 18:
                payment._write_raw({"state": "canceled"})
            payment._recompute()
        return True

    @expose("records", versions={18})
    def action_validate(self) -> bool:
        """Odoo 18's "Validate": an in-process payment is considered paid."""
        self._check_exists()
        for payment in self:
            if payment.raw("state") != "in_process":
                raise UserError("Only payments in process can be validated.")
        self.mark_matched()
        return True

    def mark_matched(self) -> None:
        """What matching the payment with a bank statement line does to it and its invoices."""
        for payment in self:
            values: dict[str, Any] = {"is_matched": True}
            if self.env.version >= 18:
                values["state"] = "paid"
            payment._write_raw(values)
            invoices = self.env["account.move"].browse(payment._compute_reconciled_invoices())
            invoices._recompute()


def _write_offs(write_off: Any) -> list[dict[str, Any]]:
    """Normalize Odoo 16's write-off dict and 17's list of dicts."""
    if not write_off:
        return []
    items = write_off if isinstance(write_off, list) else [write_off]
    result = []
    for item in items:
        amount = item.get("amount", item.get("balance", 0))
        result.append(
            {
                "name": item.get("name") or "Write-Off",
                "account_id": item.get("account_id"),
                "amount": round_money(to_decimal(amount or 0)),
            }
        )
    return result


def _write_off_json(write_off: Any) -> Any:
    return [{**w, "amount": str(w["amount"])} for w in _write_offs(write_off)] or None

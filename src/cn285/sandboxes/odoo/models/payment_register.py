"""The "Register Payment" wizard (`account.payment.register`).

Used over RPC as in the web client: `create` with `active_model`/`active_ids` in the
context (the invoices), then `action_create_payments`, which creates, posts and reconciles
one payment per invoice, or one for all when `group_payment` is set or a single invoice is
paid. A partial amount leaves the invoice `partial`, unless the difference is written off
(`payment_difference_handling="reconcile"`).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ..errors import UserError
from ..fields import Boolean, Char, Date, Many2many, Many2one, Monetary, Selection
from ..money import ZERO, is_zero, round_money
from ..orm import BaseModel, command_ids
from ..registry import expose
from .base import default_company
from .move_lines import refresh_reconciliation
from .moves import RECEIVABLE_PAYABLE, check_posted_invoices
from .payments import WRITE_OFF, default_payment_journal, payment_method_line


class AccountPaymentRegister(BaseModel):
    _name = "account.payment.register"
    _description = "Pay"
    _transient = True
    _rec_name = None

    line_ids = Many2many("account.move.line", "Journal items")
    payment_date = Date("Payment Date", required=True, default=lambda env: env.today())
    amount = Monetary("Amount")
    communication = Char("Memo")
    group_payment = Boolean("Group Payments", default=False)
    journal_id = Many2one("account.journal", "Journal", default=default_payment_journal)
    payment_method_line_id = Many2one("account.payment.method.line", "Payment Method")
    partner_id = Many2one("res.partner", "Customer/Vendor")
    currency_id = Many2one("res.currency", "Currency")
    payment_type = Selection([("outbound", "Send Money"), ("inbound", "Receive Money")])
    partner_type = Selection([("customer", "Customer"), ("supplier", "Vendor")])
    source_amount = Monetary("Amount to Pay", compute="_compute_source_amount")
    payment_difference = Monetary("Payment Difference", compute="_compute_payment_difference")
    payment_difference_handling = Selection(
        [("open", "Keep open"), ("reconcile", "Mark as fully paid")],
        "Payment Difference Handling",
        default="open",
    )
    writeoff_account_id = Many2one("account.account", "Difference Account")
    writeoff_label = Char("Journal Item Label", default="Write-Off")
    can_edit_wizard = Boolean("Can Edit Wizard", compute="_compute_can_edit")
    can_group_payments = Boolean("Can Group Payments", compute="_compute_can_group")
    company_id = Many2one("res.company", "Company", default=default_company)

    # -- defaults from the context ------------------------------------------------------

    def _context_lines(self) -> BaseModel:
        context = self.env.context
        model = context.get("active_model")
        ids = context.get("active_ids") or (
            [context["active_id"]] if context.get("active_id") else []
        )
        lines = self.env["account.move.line"]
        if model == "account.move":
            moves = self.env["account.move"].browse(ids)
            check_posted_invoices(moves)
            for move in moves:
                lines |= move._term_lines().filtered(lambda line: not line.raw("reconciled"))
        elif model == "account.move.line":
            lines = lines.browse(ids)
            lines._check_exists()
            if any(line.raw("parent_state") != "posted" for line in lines):
                raise UserError("You can only register payment for posted journal entries.")
        else:
            raise UserError(
                "The register payment wizard should only be called on account.move or "
                "account.move.line records."
            )
        lines = lines.filtered(
            lambda line: (
                line.raw("account_type") in RECEIVABLE_PAYABLE
                and not is_zero(line.raw("amount_residual") or ZERO)
            )
        )
        if not lines:
            raise UserError(
                "You can't register a payment because there is nothing left to pay on the "
                "selected journal items."
            )
        return lines

    def _wizard_values(self, lines: BaseModel) -> dict[str, Any]:
        residual = sum((line.raw("amount_residual") or ZERO for line in lines), ZERO)
        receivable = lines.browse(lines.ids[0]).raw("account_type") == "asset_receivable"
        partners = {line["move_id"].raw("commercial_partner_id") for line in lines}
        moves = self.env["account.move"].browse(sorted({line.raw("move_id") for line in lines}))
        memo = " ".join(
            m.raw("payment_reference") or m.raw("ref") or m.raw("name") or "" for m in moves
        )
        payment_type = "inbound" if residual > 0 else "outbound"
        journal = self.env.context.get("default_journal_id") or default_payment_journal(self.env)
        return {
            "line_ids": [(6, 0, lines.ids)],
            "amount": abs(residual),
            "communication": memo,
            "partner_id": partners.pop() if len(partners) == 1 else False,
            "currency_id": moves.browse(moves.ids[0]).raw("currency_id"),
            "payment_type": payment_type,
            "partner_type": "customer" if receivable else "supplier",
            "journal_id": journal,
            "payment_method_line_id": payment_method_line(self.env, journal, payment_type),
        }

    def _prepare_create_vals(self, vals: dict[str, Any], explicit: frozenset[str]) -> dict:
        if vals.get("line_ids"):
            lines = self.env["account.move.line"].browse(command_ids(vals["line_ids"]))
        else:
            lines = self._context_lines()
        merged = {**self._wizard_values(lines), **vals}
        if not vals.get("payment_method_line_id"):
            merged["payment_method_line_id"] = payment_method_line(
                self.env, merged.get("journal_id") or False, merged["payment_type"]
            )
        return merged

    def _extra_defaults(self, fields_list: list[str]) -> dict[str, Any]:
        if self.env.context.get("active_model") not in ("account.move", "account.move.line"):
            return {}
        values = self._wizard_values(self._context_lines())
        values["line_ids"] = values["line_ids"][0][2]
        return {k: v for k, v in values.items() if k in fields_list}

    # -- computed fields ----------------------------------------------------------------

    def _compute_source_amount(self) -> Decimal:
        lines = self["line_ids"]
        return abs(sum((line.raw("amount_residual") or ZERO for line in lines), ZERO))

    def _compute_payment_difference(self) -> Decimal:
        return round_money(self._compute_source_amount() - (self.raw("amount") or ZERO))

    def _batches(self) -> list[BaseModel]:
        groups: dict[tuple[Any, ...], list[int]] = {}
        for line in self["line_ids"]:
            key = (
                line["move_id"].raw("commercial_partner_id"),
                line.raw("account_id"),
                (line.raw("amount_residual") or ZERO) > 0,
            )
            groups.setdefault(key, []).append(line.id)  # type: ignore[arg-type]
        return [self.env["account.move.line"].browse(ids) for ids in groups.values()]

    def _compute_can_edit(self) -> bool:
        return len(self._batches()) == 1

    def _compute_can_group(self) -> bool:
        return any(len({line.raw("move_id") for line in b}) > 1 for b in self._batches())

    # -- action -------------------------------------------------------------------------

    @expose("records")
    def action_create_payments(self) -> Any:
        """Create, post and reconcile the payments; return the window action (or True)."""
        self.ensure_one()
        self._check_exists()
        open_lines = self["line_ids"].filtered(lambda line: not line.raw("reconciled"))
        if not open_lines:
            raise UserError(
                "You can't register a payment because there is nothing left to pay on the "
                "selected journal items."
            )
        batches = self._batches()
        plans: list[tuple[BaseModel, Decimal, Any]] = []
        single_moves = {line.raw("move_id") for line in batches[0]} if batches else set()
        if len(batches) == 1 and (len(single_moves) == 1 or self.raw("group_payment")):
            amount = self.raw("amount") or ZERO
            if amount <= 0:
                raise UserError("The payment amount must be strictly positive.")
            write_off = None
            difference = self._compute_payment_difference()
            if not is_zero(difference) and self.raw("payment_difference_handling") == "reconcile":
                if not self.raw("writeoff_account_id"):
                    raise UserError("Please define a write-off account to mark as fully paid.")
                write_off = {
                    "name": self.raw("writeoff_label") or "Write-Off",
                    "account_id": self.raw("writeoff_account_id"),
                    "amount": difference,
                }
            plans.append((batches[0], amount, write_off))
        else:
            for batch in batches:
                chunks = (
                    [batch]
                    if self.raw("group_payment")
                    else [
                        batch.filtered(lambda line, m=move: line.raw("move_id") == m)
                        for move in sorted({line.raw("move_id") for line in batch})
                    ]
                )
                for chunk in chunks:
                    residual = abs(
                        sum((line.raw("amount_residual") or ZERO for line in chunk), ZERO)
                    )
                    plans.append((chunk, residual, None))

        payments = self.env["account.payment"]
        for lines, amount, write_off in plans:
            payment = self._create_payment(lines, amount, write_off)
            payments |= payment
        if self.env.context.get("dont_redirect_to_payments"):
            return True
        action: dict[str, Any] = {
            "name": "Payments",
            "type": "ir.actions.act_window",
            "res_model": "account.payment",
            "context": {"create": False},
        }
        if len(payments) == 1:
            action.update(view_mode="form", res_id=payments.id)
        else:
            action.update(view_mode="tree,form", domain=[["id", "in", payments.ids]])
        return action

    def _create_payment(self, lines: BaseModel, amount: Decimal, write_off: Any) -> BaseModel:
        residual = sum((line.raw("amount_residual") or ZERO for line in lines), ZERO)
        first = lines.browse(lines.ids[0])
        moves = sorted({line.raw("move_id") for line in lines})
        receivable = first.raw("account_type") == "asset_receivable"
        payment_type = "inbound" if residual > 0 else "outbound"
        partner = first["move_id"].raw("commercial_partner_id")
        memo_field = "memo" if self.env.version >= 18 else "ref"
        memo = self.raw("communication") if len(moves) == 1 or self.raw("group_payment") else None
        if not memo:
            memo = " ".join(
                self.env["account.move"].browse(m).raw("payment_reference")
                or self.env["account.move"].browse(m).raw("name")
                or ""
                for m in moves
            )
        values: dict[str, Any] = {
            "date": self.raw("payment_date"),
            "amount": amount,
            "payment_type": payment_type,
            "partner_type": "customer" if receivable else "supplier",
            memo_field: memo,
            "journal_id": self.raw("journal_id"),
            "currency_id": self.raw("currency_id") or first["move_id"].raw("currency_id"),
            "partner_id": partner or False,
            "destination_account_id": first.raw("account_id"),
        }
        if self.raw("payment_method_line_id") and payment_type == self.raw("payment_type"):
            values["payment_method_line_id"] = self.raw("payment_method_line_id")
        if write_off:
            values[WRITE_OFF] = write_off
        if self.env.version >= 18:
            values["invoice_ids"] = [(6, 0, moves)]
        payment = self.env["account.payment"].create(values)
        payment.action_post()
        move = payment["move_id"]
        if move:
            account = first.raw("account_id")
            counterpart = move._lines().filtered(lambda line: line.raw("account_id") == account)
            (counterpart | lines.filtered(lambda line: not line.raw("reconciled"))).reconcile()
            refresh_reconciliation(self.env, counterpart.ids)
        return payment

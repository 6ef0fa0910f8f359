"""The credit note wizard (`account.move.reversal`).

16 has one `reverse_moves` following `refund_method` (`refund`, `cancel`, `modify`); 17 and
18 have `refund_moves` (a draft credit note) and `modify_moves` (a posted credit note
reconciled with the invoice, plus a draft copy to correct). A credit note reconciled 1:1
with its invoice makes the invoice `reversed`.
"""

from __future__ import annotations

from typing import Any

from ..errors import UserError
from ..fields import Char, Date, Many2many, Many2one, Selection
from ..money import ZERO
from ..orm import BaseModel, command_ids
from ..registry import expose
from .base import default_company
from .moves import INVOICE_LINE_TYPES, reverse_type


class AccountMoveReversal(BaseModel):
    _name = "account.move.reversal"
    _description = "Account Move Reversal"
    _transient = True
    _rec_name = None

    move_ids = Many2many("account.move", "Moves")
    new_move_ids = Many2many("account.move", "New Moves")
    date = Date("Reversal date", default=lambda env: env.today())
    reason = Char("Reason")
    journal_id = Many2one("account.journal", "Use Specific Journal")
    refund_method = Selection(
        [
            ("refund", "Partial Refund"),
            ("cancel", "Full Refund"),
            ("modify", "Full refund and new draft invoice"),
        ],
        "Credit Method",
        default="refund",
        versions={16},
    )
    date_mode = Selection(
        [("custom", "Specific"), ("entry", "Journal Entry Date")],
        default="custom",
        versions={16},
    )
    company_id = Many2one("res.company", "Company", default=default_company)

    def _prepare_create_vals(self, vals: dict[str, Any], explicit: frozenset[str]) -> dict:
        vals = dict(vals)
        ids = command_ids(vals.get("move_ids"))
        if not ids and self.env.context.get("active_model") == "account.move":
            ids = list(self.env.context.get("active_ids") or [])
            vals["move_ids"] = [(6, 0, ids)]
        moves = self.env["account.move"].browse(ids)
        moves._check_exists()
        if any(move.raw("state") != "posted" for move in moves):
            raise UserError("You can only reverse posted moves.")
        return vals

    @expose("records")
    def reverse_moves(self, is_modify: bool = False) -> dict[str, Any]:
        """16: follows `refund_method`; 17/18: a draft credit note, or cancel + redo."""
        self.ensure_one()
        if self.env.version < 17:
            method = self.raw("refund_method") or "refund"
            return self._reverse(cancel=method in ("cancel", "modify"), modify=method == "modify")
        return self._reverse(cancel=bool(is_modify), modify=bool(is_modify))

    @expose("records", versions={17, 18})
    def refund_moves(self) -> dict[str, Any]:
        return self.reverse_moves(is_modify=False)

    @expose("records", versions={17, 18})
    def modify_moves(self) -> dict[str, Any]:
        return self.reverse_moves(is_modify=True)

    def _reverse(self, cancel: bool, modify: bool) -> dict[str, Any]:
        moves_model = self.env["account.move"]
        created: list[int] = []
        redone: list[int] = []
        for move in self["move_ids"]:
            reversal = moves_model.create(self._reverse_values(move))
            created.append(reversal.id)  # type: ignore[arg-type]
            if cancel or move.raw("move_type") == "entry":
                reversal.action_post()
                account_lines = {}
                for line in move._term_lines() | reversal._term_lines():
                    account_lines.setdefault(line.raw("account_id"), []).append(line.id)
                for ids in account_lines.values():
                    group = (
                        self.env["account.move.line"]
                        .browse(ids)
                        .filtered(lambda line: not line.raw("reconciled"))
                    )
                    if len(group) > 1:
                        group.reconcile()
            if modify:
                redone.append(move.copy({"date": self.raw("date")}).id)  # type: ignore[arg-type]
        self._write_raw({"new_move_ids": created})
        target = redone or created
        action: dict[str, Any] = {
            "name": "Reverse Moves",
            "type": "ir.actions.act_window",
            "res_model": "account.move",
        }
        if len(target) == 1:
            action.update(view_mode="form", res_id=target[0])
        else:
            action.update(view_mode="tree,form", domain=[["id", "in", target]])
        return action

    def _reverse_values(self, move: BaseModel) -> dict[str, Any]:
        name = move.raw("name")
        reason = self.raw("reason")
        ref = f"Reversal of: {name}, {reason}" if reason else f"Reversal of: {name}"
        date = self.raw("date") or self.env.today()
        values: dict[str, Any] = {
            "move_type": reverse_type(move.raw("move_type")),
            "partner_id": move.raw("partner_id") or False,
            "journal_id": self.raw("journal_id") or move.raw("journal_id"),
            "currency_id": move.raw("currency_id"),
            "date": date,
            "ref": ref,
            "reversed_entry_id": move.id,
        }
        if move.is_invoice():
            values["invoice_date"] = date
            values["invoice_line_ids"] = [
                (
                    0,
                    0,
                    {
                        "display_type": line.raw("display_type"),
                        "name": line.raw("name"),
                        "product_id": line.raw("product_id") or False,
                        "quantity": float(line.raw("quantity") or 0),
                        "price_unit": float(line.raw("price_unit") or 0),
                        "discount": float(line.raw("discount") or 0),
                        "tax_ids": [(6, 0, line.raw("tax_ids"))],
                        "account_id": line.raw("account_id") or False,
                    },
                )
                for line in move._lines()
                if line.raw("display_type") in INVOICE_LINE_TYPES
            ]
        else:
            values["line_ids"] = [
                (
                    0,
                    0,
                    {
                        "name": line.raw("name"),
                        "account_id": line.raw("account_id") or False,
                        "partner_id": line.raw("partner_id") or False,
                        "balance": float(-(line.raw("balance") or ZERO)),
                    },
                )
                for line in move._lines()
            ]
        return values

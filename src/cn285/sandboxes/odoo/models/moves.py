"""Journal entries and invoices (`account.move`).

An invoice's accounting lines are derived from its product lines, as Odoo 16+ does in
`_sync_dynamic_lines`: one line per product (income), one per tax and account (tax
collected), one payment-term line on the receivable account carrying the total. Totals,
`amount_residual` and `payment_state` are stored computed fields recomputed from the lines
and their partial reconciliations. A journal entry must balance (debit = credit) whenever
it is created, written or posted, as Odoo's `_check_balanced` enforces.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ..errors import MissingError, UserError
from ..fields import (
    Boolean,
    Char,
    Date,
    Html,
    Many2many,
    Many2one,
    Monetary,
    One2many,
    Selection,
)
from ..money import ZERO, is_zero, round_money, to_decimal
from ..orm import BaseModel
from ..registry import expose
from .base import default_company
from .taxes import TaxRule, UnsupportedTax, compute_line

DEFER_SYNC = "_cn285_defer_move_sync"
OUT_TYPES = ("out_invoice", "out_refund", "out_receipt")
IN_TYPES = ("in_invoice", "in_refund", "in_receipt")
INVOICE_TYPES = ("out_invoice", "out_refund", "in_invoice", "in_refund")
RECEIVABLE_PAYABLE = ("asset_receivable", "liability_payable")
INVOICE_LINE_TYPES = ("product", "line_section", "line_note")
MOVE_TYPES = [
    ("entry", "Journal Entry"),
    ("out_invoice", "Customer Invoice"),
    ("out_refund", "Customer Credit Note"),
    ("in_invoice", "Vendor Bill"),
    ("in_refund", "Vendor Credit Note"),
    ("out_receipt", "Sales Receipt"),
    ("in_receipt", "Purchase Receipt"),
]
PAYMENT_STATES = [
    ("not_paid", "Not Paid"),
    ("in_payment", "In Payment"),
    ("paid", "Paid"),
    ("partial", "Partially Paid"),
    ("reversed", "Reversed"),
    ("invoicing_legacy", "Invoicing App Legacy"),
]
DRAFT_LABELS = {
    "out_invoice": "Draft Invoice",
    "out_refund": "Draft Credit Note",
    "in_invoice": "Draft Bill",
    "in_refund": "Draft Vendor Credit Note",
    "out_receipt": "Draft Sales Receipt",
    "in_receipt": "Draft Purchase Receipt",
    "entry": "Draft Entry",
}
JOURNAL_TYPE = {"out": "sale", "in": "purchase"}
SYNC_TRIGGERS = frozenset(
    {
        "line_ids",
        "invoice_line_ids",
        "partner_id",
        "move_type",
        "invoice_date",
        "invoice_date_due",
        "payment_reference",
        "currency_id",
        "journal_id",
        "date",
    }
)
LOCKED_WHEN_POSTED = frozenset(
    {"line_ids", "invoice_line_ids", "move_type", "journal_id", "currency_id", "partner_id"}
)
LINE_LOCKED_WHEN_POSTED = frozenset(
    {
        "account_id",
        "debit",
        "credit",
        "balance",
        "amount_currency",
        "price_unit",
        "quantity",
        "discount",
        "tax_ids",
        "tax_line_id",
        "product_id",
        "move_id",
        "display_type",
        "partner_id",
    }
)
POSTED_LOCKED = "You cannot modify a posted journal entry; reset it to draft first."


def reverse_type(move_type: str) -> str:
    return {
        "out_invoice": "out_refund",
        "out_refund": "out_invoice",
        "in_invoice": "in_refund",
        "in_refund": "in_invoice",
    }.get(move_type, "entry")


def format_amount(amount: Decimal, currency: BaseModel) -> str:
    symbol = currency.raw("symbol") or ""
    text = f"{amount:,.2f}"
    return f"{symbol} {text}" if currency.raw("position") == "before" else f"{text} {symbol}"


def normalize_amounts(vals: dict[str, Any], debit: Any = ZERO, credit: Any = ZERO) -> dict:
    """Odoo 16+ derives debit and credit from the balance (and writing either sets it)."""
    if "balance" in vals:
        balance = to_decimal(vals["balance"] or 0)
    elif "debit" in vals or "credit" in vals:
        balance = to_decimal(vals.get("debit", debit) or 0) - to_decimal(
            vals.get("credit", credit) or 0
        )
    elif "amount_currency" in vals:
        balance = to_decimal(vals["amount_currency"] or 0)
    else:
        return vals
    balance = round_money(balance)
    return {
        **vals,
        "balance": balance,
        "debit": max(balance, ZERO),
        "credit": max(-balance, ZERO),
        "amount_currency": vals.get("amount_currency", balance),
    }


class AccountMove(BaseModel):
    _name = "account.move"
    _description = "Journal Entry"
    _order = "date desc, name desc, id desc"

    name = Char("Number", default="/", copy=False)
    ref = Char("Reference", copy=False)
    narration = Html("Terms and Conditions")
    date = Date("Date", required=True, default=lambda env: env.today(), copy=False)
    state = Selection(
        [("draft", "Draft"), ("posted", "Posted"), ("cancel", "Cancelled")],
        "Status",
        required=True,
        default="draft",
        copy=False,
        readonly=True,
    )
    move_type = Selection(MOVE_TYPES, "Type", required=True, default="entry")
    journal_id = Many2one("account.journal", "Journal", required=True)
    company_id = Many2one("res.company", "Company", default=default_company)
    currency_id = Many2one("res.currency", "Currency", required=True)
    company_currency_id = Many2one(
        "res.currency", "Company Currency", related="company_id.currency_id"
    )
    partner_id = Many2one("res.partner", "Partner", ondelete="restrict")
    commercial_partner_id = Many2one(
        "res.partner", "Commercial Entity", compute="_compute_commercial_partner", store=True
    )
    line_ids = One2many("account.move.line", "move_id", "Journal Items", copy=True)
    invoice_line_ids = One2many(
        "account.move.line",
        "move_id",
        "Invoice lines",
        domain=[("display_type", "in", list(INVOICE_LINE_TYPES))],
    )
    invoice_date = Date("Invoice/Bill Date", copy=False)
    invoice_date_due = Date("Due Date")
    payment_reference = Char("Payment Reference", copy=False)
    invoice_origin = Char("Origin")
    amount_untaxed = Monetary("Untaxed Amount", compute="_compute_amounts", store=True)
    amount_tax = Monetary("Tax", compute="_compute_amounts", store=True)
    amount_total = Monetary("Total", compute="_compute_amounts", store=True)
    amount_residual = Monetary("Amount Due", compute="_compute_amounts", store=True)
    amount_untaxed_signed = Monetary(
        "Untaxed Amount Signed", compute="_compute_amounts", store=True
    )
    amount_tax_signed = Monetary("Tax Signed", compute="_compute_amounts", store=True)
    amount_total_signed = Monetary("Total Signed", compute="_compute_amounts", store=True)
    amount_residual_signed = Monetary("Amount Due Signed", compute="_compute_amounts", store=True)
    payment_state_16 = Selection(
        PAYMENT_STATES,
        "Payment Status",
        compute="_compute_amounts",
        store=True,
        versions={16, 17},
        name="payment_state",
    )
    payment_state_18 = Selection(
        [*PAYMENT_STATES, ("blocked", "Blocked")],
        "Payment Status",
        compute="_compute_amounts",
        store=True,
        versions={18},
        name="payment_state",
    )
    reversed_entry_id = Many2one("account.move", "Reversal of", copy=False)
    reversal_move_id = One2many("account.move", "reversed_entry_id", "Reversal Move")
    payment_id = Many2one("account.payment", "Payment", copy=False, versions={16, 17})
    origin_payment_id = Many2one("account.payment", "Payment", copy=False, versions={18})
    matched_payment_ids = Many2many(
        "account.payment", "Matched Payments", compute="_compute_matched_payments", versions={18}
    )
    posted_before = Boolean("Posted Before", copy=False)
    tax_calculation_rounding_method = Selection(
        [("round_per_line", "Round per Line"), ("round_globally", "Round Globally")],
        "Tax Calculation Rounding Method",
        related="company_id.tax_calculation_rounding_method",
    )

    # -- helpers ------------------------------------------------------------------------

    def is_invoice(self) -> bool:
        return self.raw("move_type") in INVOICE_TYPES

    def _payment_field(self) -> str:
        return "origin_payment_id" if self.env.version >= 18 else "payment_id"

    def _lines(self) -> BaseModel:
        return self.env["account.move.line"].browse(
            self.env.db.children("account.move.line", "move_id").get(self._ids[0], [])
        )

    def _term_lines(self) -> BaseModel:
        return self._lines().filtered(lambda line: line.raw("account_type") in RECEIVABLE_PAYABLE)

    def _direction(self) -> int:
        """Sign of the product lines' balance: negative (credit) for customer invoices."""
        return -1 if self.raw("move_type") in ("out_invoice", "in_refund", "out_receipt") else 1

    def _compute_display_name(self) -> str:
        name = self.raw("name")
        label = ""
        if self.raw("state") == "draft":
            label = DRAFT_LABELS.get(self.raw("move_type") or "entry", "Draft Entry") + " "
        label += f"(* {self._ids[0]})" if not name or name == "/" else name
        ref = self.raw("ref")
        if ref and not self.is_invoice():
            label += f" ({ref[:50]})"
        return label

    def _compute_commercial_partner(self) -> int | None:
        partner = self["partner_id"]
        return partner.raw("commercial_partner_id") if partner else None

    def _compute_matched_payments(self) -> list[int]:
        return [
            pid
            for pid, row in self.env.db.rows("account.payment")
            if self._ids[0] in (row.get("invoice_ids") or [])
        ]

    # -- create / write / unlink --------------------------------------------------------

    def _prepare_create_vals(self, vals: dict[str, Any], explicit: frozenset[str]) -> dict:
        vals = dict(vals)
        vals["state"] = "draft"
        move_type = vals.get("move_type") or "entry"
        if not vals.get("journal_id"):
            kind = JOURNAL_TYPE.get(move_type.split("_")[0], "general")
            journals = self.env["account.journal"].search_ids(
                [("type", "=", kind), ("company_id", "=", self.env.company.id)], limit=1
            )
            if not journals:
                raise UserError(
                    f"No journal could be found in company {self.env.company.display_name()} "
                    f"for any of those types: {kind}"
                )
            vals["journal_id"] = journals[0]
        if not vals.get("currency_id"):
            journal = self.env["account.journal"].browse(vals["journal_id"])
            currency = journal.raw("currency_id") if journal._existing() else None
            vals["currency_id"] = currency or self.env.company.raw("currency_id")
        if move_type in INVOICE_TYPES and vals.get("line_ids"):
            vals["line_ids"] = [
                command
                for command in vals["line_ids"]
                if not (
                    isinstance(command, list | tuple)
                    and command
                    and command[0] == 0
                    and len(command) > 2
                    and isinstance(command[2], dict)
                    and command[2].get("display_type") in ("tax", "payment_term")
                )
            ]
        return vals

    @expose("model")
    def create(self, vals_list: Any) -> BaseModel:
        deferred = super(AccountMove, self.with_context(**{DEFER_SYNC: True})).create(vals_list)
        moves = self.browse(deferred.ids)
        moves._sync_dynamic_lines()
        moves._check_balanced()
        moves._recompute()
        return moves

    @expose("records")
    def write(self, vals: dict[str, Any]) -> bool:
        if not self or not isinstance(vals, dict):
            return super().write(vals)
        self._check_exists()
        for move in self:
            if move.raw("state") == "posted" and LOCKED_WHEN_POSTED & set(vals):
                raise UserError(POSTED_LOCKED)
        super(AccountMove, self.with_context(**{DEFER_SYNC: True})).write(vals)
        moves = self.browse(self.ids)
        if SYNC_TRIGGERS & set(vals):
            moves._sync_dynamic_lines()
            moves._check_balanced()
        moves._recompute()
        return True

    @expose("records")
    def unlink(self) -> bool:
        return super(AccountMove, self.with_context(**{DEFER_SYNC: True})).unlink()

    def _before_unlink(self) -> None:
        for move in self:
            if move.raw("state") == "posted" or move.raw("posted_before"):
                raise UserError("You cannot delete an entry which has been posted once.")

    def _copy_extra(self) -> dict[str, Any]:
        lines = self._lines().filtered(
            lambda line: line.raw("display_type") in INVOICE_LINE_TYPES or not self.is_invoice()
        )
        commands = []
        for line in lines:
            values = {
                "name": line.raw("name"),
                "account_id": line.raw("account_id") or False,
                "partner_id": line.raw("partner_id") or False,
                "display_type": line.raw("display_type"),
            }
            if self.is_invoice():
                values.update(
                    product_id=line.raw("product_id") or False,
                    quantity=float(line.raw("quantity") or 0),
                    price_unit=float(line.raw("price_unit") or 0),
                    discount=float(line.raw("discount") or 0),
                    tax_ids=[(6, 0, line.raw("tax_ids"))],
                )
            else:
                values.update(balance=float(line.raw("balance") or 0))
            commands.append((0, 0, values))
        return {"line_ids": commands}

    # -- dynamic lines and totals -------------------------------------------------------

    def _sync_dynamic_lines(self) -> None:
        """Recompute invoice lines, tax lines and the payment-term line of draft invoices."""
        for move in self._existing():
            if move.is_invoice() and move.raw("state") == "draft":
                move._sync_invoice()

    def _sync_invoice(self) -> None:
        lines_model = self.env["account.move.line"].with_context(**{DEFER_SYNC: True})
        move_type = self.raw("move_type")
        direction = self._direction()
        document = "refund" if move_type in ("out_refund", "in_refund") else "invoice"
        per_line = self["company_id"].raw("tax_calculation_rounding_method") != "round_globally"
        partner = self["commercial_partner_id"] or self["partner_id"]
        lines = self._lines()
        product_lines = lines.filtered(lambda line: line.raw("display_type") == "product")

        tax_totals: dict[tuple[int, int | None], list[Decimal]] = {}
        total = ZERO
        for line in product_lines:
            rules = []
            for tax in line["tax_ids"]:
                rules.append(
                    TaxRule(
                        tax.id,  # type: ignore[arg-type]
                        tax.raw("amount_type"),
                        tax.raw("amount") or ZERO,
                        tax.is_price_included(),
                        tax.tax_account(document),
                    )
                )
            try:
                result = compute_line(
                    line.raw("price_unit") or ZERO,
                    line.raw("quantity") or ZERO,
                    line.raw("discount") or ZERO,
                    rules,
                    per_line,
                )
            except UnsupportedTax as exc:
                raise UserError(str(exc)) from None
            balance = direction * result.subtotal
            line._write_raw(
                {
                    "price_subtotal": result.subtotal,
                    "price_total": result.total,
                    "balance": balance,
                    "debit": max(balance, ZERO),
                    "credit": max(-balance, ZERO),
                    "amount_currency": balance,
                }
            )
            total += result.subtotal
            for amount in result.taxes:
                bucket = tax_totals.setdefault((amount.tax_id, amount.account_id), [ZERO, ZERO])
                bucket[0] += amount.amount
                bucket[1] += amount.base

        existing_tax = {
            (line.raw("tax_line_id"), line.raw("account_id")): line
            for line in lines
            if line.raw("display_type") == "tax"
        }
        for (tax_id, account_id), (amount, base) in tax_totals.items():
            amount = round_money(amount)
            total += amount
            if is_zero(amount):
                continue
            balance = direction * amount
            values = {
                "balance": balance,
                "debit": max(balance, ZERO),
                "credit": max(-balance, ZERO),
                "amount_currency": balance,
                "tax_base_amount": round_money(base),
                "partner_id": partner.id or None,
            }
            line = existing_tax.pop((tax_id, account_id), None)
            if line is not None:
                line._write_raw(values)
            else:
                tax = self.env["account.tax"].browse(tax_id)
                lines_model.create(
                    {
                        "move_id": self.id,
                        "display_type": "tax",
                        "name": tax.raw("name"),
                        "tax_line_id": tax_id,
                        "account_id": account_id or False,
                        "balance": balance,
                        "tax_base_amount": round_money(base),
                        "partner_id": partner.id or False,
                    }
                )
        stale = [line.id for line in existing_tax.values()]
        if stale:
            lines_model.browse(stale).unlink()

        terms = lines.filtered(lambda line: line.raw("display_type") == "payment_term")
        if not product_lines:
            if terms:
                lines_model.browse(terms.ids).unlink()
            return
        account = self._term_account(partner)
        balance = -direction * total
        due = self.raw("invoice_date_due") or self.raw("invoice_date") or self.raw("date")
        values = {
            "balance": balance,
            "debit": max(balance, ZERO),
            "credit": max(-balance, ZERO),
            "amount_currency": balance,
            "account_id": account,
            "partner_id": partner.id or None,
            "date_maturity": due,
            "name": self.raw("payment_reference") or "",
        }
        if terms:
            first = terms.browse(terms.ids[0])
            first._write_raw(values)
            if len(terms) > 1:
                lines_model.browse(terms.ids[1:]).unlink()
        else:
            lines_model.create(
                {
                    "move_id": self.id,
                    "display_type": "payment_term",
                    "name": values["name"],
                    "account_id": account or False,
                    "balance": balance,
                    "partner_id": partner.id or False,
                    "date_maturity": due,
                }
            )
        self._lines()._recompute()

    def _term_account(self, partner: BaseModel) -> int | None:
        receivable = self.raw("move_type") in OUT_TYPES
        fname = "property_account_receivable_id" if receivable else "property_account_payable_id"
        account = partner.raw(fname) if partner else None
        if account:
            return account
        kind = "asset_receivable" if receivable else "liability_payable"
        found = self.env["account.account"].search_ids([("account_type", "=", kind)], limit=1)
        return found[0] if found else None

    def _check_balanced(self, force: bool = False) -> None:
        """Refuse a move whose debits and credits differ (Odoo's `_check_balanced`)."""
        if not force and self.env.context.get("check_move_validity") is False:
            return
        for move in self._existing():
            lines = move._lines()
            if not lines:
                continue
            debit = round_money(sum((line.raw("debit") or ZERO for line in lines), ZERO))
            credit = round_money(sum((line.raw("credit") or ZERO for line in lines), ZERO))
            if debit != credit:
                currency = move["company_id"]["currency_id"]
                raise UserError(
                    "An error has occurred.\n\n"
                    f"The move ({move.display_name()}) is not balanced.\n"
                    f"The total of debits equals {format_amount(debit, currency)} and the "
                    f"total of credits equals {format_amount(credit, currency)}.\n"
                    "You might want to specify a default account on journal "
                    f'"{move["journal_id"].raw("name")}" to automatically balance each move.'
                )

    def _compute_amounts(self) -> dict[str, Any]:
        lines = self._lines()
        if self.is_invoice():
            direction = self._direction()
            untaxed = sum(
                (
                    line.raw("balance") or ZERO
                    for line in lines
                    if line.raw("display_type") == "product"
                ),
                ZERO,
            )
            tax = sum(
                (
                    line.raw("balance") or ZERO
                    for line in lines
                    if line.raw("display_type") == "tax"
                ),
                ZERO,
            )
            residual_signed = sum(
                (
                    line.raw("amount_residual") or ZERO
                    for line in lines
                    if line.raw("account_type") in RECEIVABLE_PAYABLE
                ),
                ZERO,
            )
            values = {
                "amount_untaxed": direction * untaxed,
                "amount_tax": direction * tax,
                "amount_total": direction * (untaxed + tax),
                "amount_residual": -direction * residual_signed,
                "amount_untaxed_signed": -untaxed,
                "amount_tax_signed": -tax,
                "amount_total_signed": -(untaxed + tax),
                "amount_residual_signed": residual_signed,
            }
            values["payment_state"] = self._payment_state(values)
            return {k: round_money(v) if isinstance(v, Decimal) else v for k, v in values.items()}
        debit = sum((line.raw("debit") or ZERO for line in lines), ZERO)
        residual = sum(
            (
                line.raw("amount_residual") or ZERO
                for line in lines
                if line.raw("account_type") in RECEIVABLE_PAYABLE
            ),
            ZERO,
        )
        return {
            "amount_untaxed": ZERO,
            "amount_tax": ZERO,
            "amount_total": round_money(debit),
            "amount_residual": round_money(abs(residual)),
            "amount_untaxed_signed": ZERO,
            "amount_tax_signed": ZERO,
            "amount_total_signed": round_money(debit),
            "amount_residual_signed": round_money(abs(residual)),
            "payment_state": None,
        }

    def _payment_state(self, amounts: dict[str, Decimal]) -> str:
        """Odoo's `_compute_payment_state`: from the residual and what settled it."""
        if self.raw("state") != "posted":
            return "not_paid"
        residual, total = amounts["amount_residual"], amounts["amount_total"]
        if is_zero(residual):
            counterparts = self._counterpart_moves()
            payments = self._reconciled_payments(counterparts)
            reversals = [
                m
                for m in counterparts
                if m.raw("reversed_entry_id") == self.id
                and m.raw("move_type") == reverse_type(self.raw("move_type"))
            ]
            if counterparts and not payments and len(reversals) == len(counterparts):
                return "reversed"
            if not payments or all(p.raw("is_matched") for p in payments):
                return "paid"
            return "in_payment" if self.env.db.options.get("invoice_in_payment") else "paid"
        if round_money(residual) != round_money(total):
            return "partial"
        return "not_paid"

    def _partials(self) -> list[tuple[dict[str, Any], int, int]]:
        """(partial row, own line id, counterpart line id) for each partial of the move."""
        own = set(self._lines().ids)
        found = []
        for _pid, row in self.env.db.rows("account.partial.reconcile"):
            debit, credit = row.get("debit_move_id"), row.get("credit_move_id")
            if debit in own:
                found.append((row, debit, credit))
            elif credit in own:
                found.append((row, credit, debit))
        return found

    def _counterpart_moves(self) -> list[BaseModel]:
        ids = []
        for _row, _own, other in self._partials():
            line = self.env["account.move.line"].browse(other)
            move_id = line.raw("move_id") if line._existing() else None
            if move_id and move_id != self.id and move_id not in ids:
                ids.append(move_id)
        return [self.browse(i) for i in ids]

    def _reconciled_payments(self, counterparts: list[BaseModel]) -> list[BaseModel]:
        fname = self._payment_field()
        payments = []
        for move in counterparts:
            payment_id = move.raw(fname)
            if payment_id:
                payments.append(self.env["account.payment"].browse(payment_id))
        return payments

    # -- actions ------------------------------------------------------------------------

    @expose("records")
    def action_post(self) -> bool:
        """Validate drafts: number them, check them, post them (`_post`)."""
        self._check_exists()
        for move in self:
            move._post_one()
        return False

    def _post_one(self) -> None:
        state = self.raw("state")
        if state == "posted":
            raise UserError(f"The entry {self.raw('name')} (id {self.id}) is already posted.")
        if state == "cancel":
            raise UserError("Only draft journal entries can be posted.")
        move_type = self.raw("move_type")
        if not self._lines():
            raise UserError("You need to add a line before posting.")
        if self.is_invoice():
            if not self.raw("partner_id"):
                if move_type in OUT_TYPES:
                    raise UserError(
                        "The field 'Customer' is required, please complete it to validate "
                        "the Customer Invoice."
                    )
                raise UserError(
                    "The field 'Vendor' is required, please complete it to validate the "
                    "Vendor Bill."
                )
            if self.raw("amount_total") is not None and self.raw("amount_total") < 0:
                raise UserError(
                    "You cannot validate an invoice with a negative total amount. You should "
                    "create a credit note instead. Use the action menu to transform it into "
                    "a credit note or refund."
                )
            invoice_date = self.raw("invoice_date")
            if not invoice_date:
                if move_type in IN_TYPES:
                    raise UserError("The Bill/Refund date is required to validate this document.")
                invoice_date = self.env.today()
            self._write_raw(
                {
                    "invoice_date": invoice_date,
                    "date": invoice_date,
                    "invoice_date_due": self.raw("invoice_date_due") or invoice_date,
                }
            )
            self._sync_dynamic_lines()
        for line in self._lines():
            if line.raw("display_type") in ("product", "tax", "payment_term") and not line.raw(
                "account_id"
            ):
                raise UserError("Missing required account on accountable line.")
        self._check_balanced(force=True)
        name = self.raw("name")
        if not name or name == "/":
            name = self._next_name()
        values: dict[str, Any] = {"state": "posted", "posted_before": True, "name": name}
        if move_type in ("out_invoice", "in_invoice") and not self.raw("payment_reference"):
            values["payment_reference"] = name
        self._write_raw(values)
        if self.is_invoice():
            self._sync_payment_reference()
            partner = self["commercial_partner_id"]
            rank = "customer_rank" if move_type in OUT_TYPES else "supplier_rank"
            if partner:
                partner._write_raw({rank: (partner.raw(rank) or 0) + 1})
        self._lines()._recompute()
        self._recompute()

    def _sync_payment_reference(self) -> None:
        reference = self.raw("payment_reference") or ""
        for line in self._lines():
            if line.raw("display_type") == "payment_term":
                line._write_raw({"name": reference})

    def _next_name(self) -> str:
        journal = self["journal_id"]
        prefix = journal.raw("code") or "MISC"
        if self.raw(self._payment_field()) and journal.raw("payment_sequence"):
            prefix = "P" + prefix
        elif self.raw("move_type") in ("out_refund", "in_refund") and journal.raw(
            "refund_sequence"
        ):
            prefix = "R" + prefix
        year = (self.raw("date") or self.env.today())[:4]
        number = self.env.db.next_sequence(f"{prefix}/{year}")
        return f"{prefix}/{year}/{number:05d}"

    @expose("records")
    def button_draft(self) -> bool:
        """Reset to draft, removing the reconciliations of the entry."""
        self._check_exists()
        for move in self:
            if move.raw("state") not in ("posted", "cancel"):
                raise UserError("Only posted/cancelled journal entries can be reset to draft.")
        for move in self:
            move._lines().remove_move_reconcile()
            move._write_raw({"state": "draft"})
            move._lines()._recompute()
            move._recompute()
        self._refresh_payments()
        return True

    @expose("records")
    def button_cancel(self) -> bool:
        """Cancel drafts (posted entries are reset to draft first, as in Odoo 16+)."""
        self._check_exists()
        posted = self.filtered(lambda m: m.raw("state") == "posted")
        if posted:
            posted.button_draft()
        for move in self:
            if move.raw("state") != "draft":
                raise UserError("Only draft journal entries can be cancelled.")
        for move in self:
            move._write_raw({"state": "cancel"})
            move._recompute()
        self._refresh_payments()
        return True

    def _refresh_payments(self) -> None:
        fname = self._payment_field()
        ids = {m.raw(fname) for m in self if m.raw(fname)}
        self.env["account.payment"].browse(sorted(ids))._recompute()

    @expose("records")
    def js_assign_outstanding_line(self, line_id: int) -> bool:
        """Reconcile an outstanding credit (a payment, a credit note) with this invoice."""
        self.ensure_one()
        self._check_exists()
        line = self.env["account.move.line"].browse(line_id)
        line._check_exists()
        account = line.raw("account_id")
        own = self._lines().filtered(
            lambda other: other.raw("account_id") == account and not other.raw("reconciled")
        )
        (own | line).reconcile()
        return True

    @expose("records")
    def action_register_payment(self) -> dict[str, Any]:
        """The window action opening the payment wizard on these invoices."""
        return {
            "name": "Register Payment",
            "res_model": "account.payment.register",
            "view_mode": "form",
            "context": {"active_model": "account.move", "active_ids": self.ids},
            "target": "new",
            "type": "ir.actions.act_window",
        }


def check_posted_invoices(moves: BaseModel) -> None:
    """Raise unless every move exists and is posted (used by the payment wizard)."""
    missing = [m for m in moves.ids if moves.env.db.row("account.move", m) is None]
    if missing:
        raise MissingError(
            "Record does not exist or has been deleted.\n"
            f"(Record: account.move{tuple(missing)!r}, User: {moves.env.uid})"
        )
    if any(move.raw("state") != "posted" for move in moves):
        raise UserError("You can only register payment for posted journal entries.")

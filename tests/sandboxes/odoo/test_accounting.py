"""Invoices, journal entries, payments and credit notes, driven over RPC."""

from __future__ import annotations

import odoorpc
import pytest

from cn285.sandboxes.odoo import OdooSandbox

from .conftest import ManualClock, connect, xmlid


def make_invoice(odoo, lines, partner="cn285_demo.partner_acme", move_type="out_invoice", **extra):
    values = {
        "move_type": move_type,
        "partner_id": xmlid(odoo, partner),
        "invoice_line_ids": [(0, 0, line) for line in lines],
        **extra,
    }
    return odoo.execute_kw("account.move", "create", [values])


def read(odoo, model, record_id, fields):
    return odoo.execute_kw(model, "read", [[record_id], fields])[0]


def lines_of(odoo, move_id):
    return odoo.execute_kw(
        "account.move.line",
        "search_read",
        [[("move_id", "=", move_id)]],
        {
            "fields": [
                "display_type",
                "account_id",
                "debit",
                "credit",
                "price_subtotal",
                "tax_line_id",
                "amount_residual",
            ],
            "order": "id",
        },
    )


def pay(odoo, invoice, amount=None, **extra):
    values = {} if amount is None else {"amount": amount}
    values.update(extra)
    context = {"active_model": "account.move", "active_ids": [invoice]}
    wizard = odoo.execute_kw("account.payment.register", "create", [values], {"context": context})
    return odoo.execute_kw("account.payment.register", "action_create_payments", [[wizard]])


def product(odoo, code):
    return odoo.execute_kw("product.product", "search", [[("default_code", "=", code)]])[0]


def test_invoice_totals_are_exact_to_the_cent(odoo):
    tax_20 = xmlid(odoo, "l10n_fr.1_tva_normale")
    invoice = make_invoice(odoo, [
        {"product_id": product(odoo, "SUB-PLAT"), "quantity": 3},
        {"name": "Usage mars", "quantity": 1234, "price_unit": 0.05, "tax_ids": [(6, 0, [tax_20])]},
        {"product_id": product(odoo, "BOOK-01"), "quantity": 1, "discount": 10},
        {"product_id": product(odoo, "EVT-CONF"), "quantity": 2},
        {"name": "Conseil", "quantity": 3, "price_unit": 33.33, "tax_ids": [(6, 0, [tax_20])]},
    ])  # fmt: skip

    totals = read(
        odoo,
        "account.move",
        invoice,
        [
            "amount_untaxed",
            "amount_tax",
            "amount_total",
            "amount_residual",
            "state",
            "payment_state",
        ],
    )
    lines = lines_of(odoo, invoice)
    products = [line["price_subtotal"] for line in lines if line["display_type"] == "product"]
    taxes = {
        line["tax_line_id"][1]: line["credit"] for line in lines if line["display_type"] == "tax"
    }
    [term] = [line for line in lines if line["display_type"] == "payment_term"]

    assert products == [297.0, 61.7, 26.91, 300.0, 99.99]
    # per line: 59.40 + 12.34 + 20.00 (19.998) = 91.74 at 20 %; 1.48 at 5.5 %; 30.00 at 10 %
    assert taxes == {
        "TVA collectée (vente) 20,0%": 91.74,
        "TVA collectée (vente) 5,5%": 1.48,
        "TVA collectée (vente) 10,0%": 30.0,
    }
    assert totals == {
        "id": invoice, "amount_untaxed": 785.6, "amount_tax": 123.22, "amount_total": 908.82,
        "amount_residual": 908.82, "state": "draft", "payment_state": "not_paid",
    }  # fmt: skip
    assert term["account_id"][1].startswith("411100")
    assert term["debit"] == 908.82
    assert round(sum(line["debit"] for line in lines), 2) == round(
        sum(line["credit"] for line in lines), 2
    )


def test_tax_rounding_per_line_and_globally_differ_as_in_odoo(sandbox, odoo):
    tax = xmlid(odoo, "l10n_fr.1_tva_reduite")
    lines = [
        {"name": f"L{i}", "quantity": 1, "price_unit": 1.03, "tax_ids": [(6, 0, [tax])]}
        for i in range(3)
    ]

    per_line = make_invoice(odoo, lines)
    with sandbox.transaction() as env:
        env.company.write({"tax_calculation_rounding_method": "round_globally"})
    globally = make_invoice(odoo, lines)

    # 3 × (1.03 × 5.5 % = 0.05665): 3 × 0.06 per line, round(0.16995) globally
    assert (
        read(odoo, "account.move", per_line, ["amount_tax", "amount_total"])["amount_tax"] == 0.18
    )
    assert read(odoo, "account.move", globally, ["amount_tax", "amount_total"]) == {
        "id": globally, "amount_tax": 0.17, "amount_total": 3.26,
    }  # fmt: skip


@pytest.mark.parametrize("version", [16, 18])
def test_price_included_tax_is_taken_out_of_the_price(version):
    with OdooSandbox(version=version) as sandbox:
        odoo = connect(sandbox)
        tax = xmlid(odoo, "l10n_fr.1_tva_normale_ttc")
        invoice = make_invoice(odoo, [
            {"name": "TTC", "quantity": 1, "price_unit": 9.99, "tax_ids": [(6, 0, [tax])]},
            {"name": "TTC x3", "quantity": 3, "price_unit": 10.0, "tax_ids": [(6, 0, [tax])]},
        ])  # fmt: skip

        totals = read(
            odoo, "account.move", invoice, ["amount_untaxed", "amount_tax", "amount_total"]
        )

        assert read(odoo, "account.tax", tax, ["price_include"])["price_include"] is True
        assert totals == {
            "id": invoice,
            "amount_untaxed": 33.32,
            "amount_tax": 6.67,
            "amount_total": 39.99,
        }


def test_action_post_numbers_dates_and_locks_the_invoice(odoo):
    acme = xmlid(odoo, "cn285_demo.partner_acme")
    rank = read(odoo, "res.partner", acme, ["customer_rank"])["customer_rank"]
    first = make_invoice(odoo, [{"product_id": product(odoo, "SUB-PLAT")}])
    second = make_invoice(odoo, [{"product_id": product(odoo, "SUB-PLAT")}])

    assert odoo.execute_kw("account.move", "action_post", [[first]]) is False
    odoo.execute_kw("account.move", "action_post", [[second]])

    posted = read(
        odoo,
        "account.move",
        first,
        ["name", "state", "invoice_date", "invoice_date_due", "payment_reference", "display_name"],
    )
    assert posted == {
        "id": first, "name": "INV/2024/00001", "state": "posted", "invoice_date": "2024-03-01",
        "invoice_date_due": "2024-03-01", "payment_reference": "INV/2024/00001",
        "display_name": "INV/2024/00001",
    }  # fmt: skip
    assert read(odoo, "account.move", second, ["name"])["name"] == "INV/2024/00002"
    assert read(odoo, "res.partner", acme, ["customer_rank"])["customer_rank"] == rank + 2
    with pytest.raises(odoorpc.error.RPCError, match="is already posted"):
        odoo.execute_kw("account.move", "action_post", [[first]])
    with pytest.raises(odoorpc.error.RPCError, match="posted"):
        odoo.execute_kw(
            "account.move",
            "write",
            [[first], {"invoice_line_ids": [(0, 0, {"name": "x", "price_unit": 1})]}],
        )
    with pytest.raises(
        odoorpc.error.RPCError, match="You cannot delete an entry which has been posted once"
    ):
        odoo.execute_kw("account.move", "unlink", [[first]])


def test_draft_invoice_is_named_draft_and_can_be_deleted(odoo):
    invoice = make_invoice(odoo, [{"product_id": product(odoo, "SUB-PLAT")}])

    assert (
        read(odoo, "account.move", invoice, ["display_name"])["display_name"]
        == f"Draft Invoice (* {invoice})"
    )
    assert odoo.execute_kw("account.move", "unlink", [[invoice]]) is True
    assert odoo.execute_kw("account.move.line", "search_count", [[("move_id", "=", invoice)]]) == 0


def test_posting_needs_a_customer_and_lines(odoo):
    without_partner = odoo.execute_kw(
        "account.move",
        "create",
        [
            {
                "move_type": "out_invoice",
                "invoice_line_ids": [(0, 0, {"name": "x", "price_unit": 5})],
            }
        ],
    )
    without_lines = make_invoice(odoo, [])

    with pytest.raises(odoorpc.error.RPCError, match="The field 'Customer' is required"):
        odoo.execute_kw("account.move", "action_post", [[without_partner]])
    with pytest.raises(odoorpc.error.RPCError, match="You need to add a line before posting"):
        odoo.execute_kw("account.move", "action_post", [[without_lines]])


def test_editing_a_draft_invoice_recomputes_its_totals(odoo):
    invoice = make_invoice(odoo, [{"product_id": product(odoo, "SUB-PLAT"), "quantity": 1}])
    [line] = odoo.execute_kw("account.move", "read", [[invoice], ["invoice_line_ids"]])[0][
        "invoice_line_ids"
    ]

    odoo.execute_kw(
        "account.move", "write", [[invoice], {"invoice_line_ids": [(1, line, {"quantity": 2})]}]
    )
    doubled = read(odoo, "account.move", invoice, ["amount_total"])["amount_total"]
    odoo.execute_kw("account.move.line", "write", [[line], {"price_unit": 10.0}])
    direct = read(odoo, "account.move", invoice, ["amount_total"])["amount_total"]

    assert doubled == 237.6
    assert direct == 24.0


@pytest.mark.parametrize(
    ("version", "after_full", "payment_state_after_full"),
    [(16, "paid", "posted"), (17, "paid", "posted"), (18, "in_payment", "in_process")],
)
def test_payments_partial_then_full(version, after_full, payment_state_after_full):
    with OdooSandbox(version=version, clock=ManualClock()) as sandbox:
        odoo = connect(sandbox)
        invoice = make_invoice(odoo, [{"product_id": product(odoo, "SRV-TRAIN"), "quantity": 1}])
        odoo.execute_kw("account.move", "action_post", [[invoice]])
        states = [read(odoo, "account.move", invoice, ["payment_state", "amount_residual"])]

        action = pay(odoo, invoice, 400.0)
        states.append(read(odoo, "account.move", invoice, ["payment_state", "amount_residual"]))
        pay(odoo, invoice)  # the rest
        states.append(read(odoo, "account.move", invoice, ["payment_state", "amount_residual"]))

        assert [(s["payment_state"], s["amount_residual"]) for s in states] == [
            ("not_paid", 1440.0), ("partial", 1040.0), (after_full, 0.0),
        ]  # fmt: skip
        payment = read(
            odoo,
            "account.payment",
            action["res_id"],
            ["state", "amount", "name", "is_reconciled", "reconciled_invoice_ids"],
        )
        assert action["res_model"] == "account.payment"
        assert payment["state"] == payment_state_after_full
        assert payment["amount"] == 400.0
        assert payment["name"] == "PBNK1/2024/00001"
        assert payment["is_reconciled"] is True
        assert payment["reconciled_invoice_ids"] == [invoice]


def test_odoo_18_validating_the_payments_makes_the_invoice_paid():
    with OdooSandbox(version=18) as sandbox:
        odoo = connect(sandbox)
        invoice = make_invoice(odoo, [{"product_id": product(odoo, "SUB-PLAT")}])
        odoo.execute_kw("account.move", "action_post", [[invoice]])
        payment = pay(odoo, invoice)["res_id"]

        in_payment = read(odoo, "account.move", invoice, ["payment_state", "matched_payment_ids"])
        odoo.execute_kw("account.payment", "action_validate", [[payment]])

        assert in_payment["payment_state"] == "in_payment"
        assert in_payment["matched_payment_ids"] == [payment]
        assert read(odoo, "account.payment", payment, ["state"])["state"] == "paid"
        assert read(odoo, "account.move", invoice, ["payment_state"])["payment_state"] == "paid"


def test_odoo_17_with_the_accounting_app_goes_through_in_payment():
    with OdooSandbox(version=17, in_payment=True) as sandbox:
        odoo = connect(sandbox)
        invoice = make_invoice(odoo, [{"product_id": product(odoo, "SUB-PLAT")}])
        odoo.execute_kw("account.move", "action_post", [[invoice]])
        payment = pay(odoo, invoice)["res_id"]
        before = read(odoo, "account.move", invoice, ["payment_state"])["payment_state"]

        sandbox.match_payment(payment)

        assert before == "in_payment"
        assert read(odoo, "account.move", invoice, ["payment_state"])["payment_state"] == "paid"
        assert read(odoo, "account.payment", payment, ["is_matched"])["is_matched"] is True


def test_payment_changes_the_invoice_write_date(sandbox, odoo, clock):
    invoice = make_invoice(odoo, [{"product_id": product(odoo, "SUB-PLAT")}])
    odoo.execute_kw("account.move", "action_post", [[invoice]])
    before = read(odoo, "account.move", invoice, ["write_date"])["write_date"]

    clock.advance(3600)
    pay(odoo, invoice, 10.0)

    changed = odoo.execute_kw(
        "account.move", "search", [[("write_date", ">", before), ("move_type", "=", "out_invoice")]]
    )
    assert changed == [invoice]


def test_payment_difference_can_be_written_off(odoo):
    invoice = make_invoice(odoo, [{"product_id": product(odoo, "SUB-PLAT")}])
    odoo.execute_kw("account.move", "action_post", [[invoice]])
    write_off_account = xmlid(odoo, "l10n_fr.1_pcg_658000")

    pay(
        odoo,
        invoice,
        118.0,
        payment_difference_handling="reconcile",
        writeoff_account_id=write_off_account,
        writeoff_label="Escompte",
    )

    assert read(odoo, "account.move", invoice, ["payment_state", "amount_residual"]) == {
        "id": invoice, "payment_state": "paid", "amount_residual": 0.0,
    }  # fmt: skip
    write_off = odoo.execute_kw(
        "account.move.line",
        "search_read",
        [[("account_id", "=", write_off_account)], ["debit", "name"]],
    )
    assert write_off == [{"id": write_off[0]["id"], "debit": 0.8, "name": "Escompte"}]


def test_register_payment_needs_a_posted_invoice(odoo):
    invoice = make_invoice(odoo, [{"product_id": product(odoo, "SUB-PLAT")}])

    with pytest.raises(
        odoorpc.error.RPCError, match="You can only register payment for posted journal entries"
    ):
        pay(odoo, invoice)


def test_nothing_left_to_pay_is_refused(odoo):
    invoice = make_invoice(odoo, [{"product_id": product(odoo, "SUB-PLAT")}])
    odoo.execute_kw("account.move", "action_post", [[invoice]])
    pay(odoo, invoice)

    with pytest.raises(odoorpc.error.RPCError, match="nothing left to pay"):
        pay(odoo, invoice)


def test_resetting_the_payment_to_draft_reopens_the_invoice(odoo):
    invoice = make_invoice(odoo, [{"product_id": product(odoo, "SUB-PLAT")}])
    odoo.execute_kw("account.move", "action_post", [[invoice]])
    payment = pay(odoo, invoice)["res_id"]

    odoo.execute_kw("account.payment", "action_draft", [[payment]])

    assert read(odoo, "account.move", invoice, ["payment_state", "amount_residual"]) == {
        "id": invoice, "payment_state": "not_paid", "amount_residual": 118.8,
    }  # fmt: skip
    assert read(odoo, "account.payment", payment, ["state", "is_reconciled"]) == {
        "id": payment, "state": "draft", "is_reconciled": False,
    }  # fmt: skip


def test_a_customer_payment_is_applied_with_js_assign_outstanding_line(odoo):
    acme = xmlid(odoo, "cn285_demo.partner_acme")
    invoice = make_invoice(odoo, [{"product_id": product(odoo, "SUB-PLAT")}])
    odoo.execute_kw("account.move", "action_post", [[invoice]])
    payment = odoo.execute_kw("account.payment", "create", [{
        "payment_type": "inbound", "partner_type": "customer", "partner_id": acme,
        "amount": 50.0, "ref": "virement",
    }])  # fmt: skip
    odoo.execute_kw("account.payment", "action_post", [[payment]])
    move = read(odoo, "account.payment", payment, ["move_id"])["move_id"][0]
    [credit] = odoo.execute_kw(
        "account.move.line",
        "search",
        [[("move_id", "=", move), ("account_id.account_type", "=", "asset_receivable")]],
    )

    odoo.execute_kw("account.move", "js_assign_outstanding_line", [[invoice], credit])

    assert read(odoo, "account.move", invoice, ["payment_state", "amount_residual"]) == {
        "id": invoice, "payment_state": "partial", "amount_residual": 68.8,
    }  # fmt: skip


def test_unbalanced_journal_entry_is_refused(odoo):
    deferred = xmlid(odoo, "l10n_fr.1_pcg_487000")
    income = xmlid(odoo, "l10n_fr.1_pcg_706000")
    lines = [
        (0, 0, {"account_id": deferred, "debit": 100.0, "name": "PCA"}),
        (0, 0, {"account_id": income, "credit": 90.0, "name": "Revenu"}),
    ]
    count = odoo.execute_kw("account.move", "search_count", [[]])

    with pytest.raises(odoorpc.error.RPCError) as caught:
        odoo.execute_kw("account.move", "create", [{"move_type": "entry", "line_ids": lines}])

    assert caught.value.info["data"]["name"] == "odoo.exceptions.UserError"
    assert "is not balanced" in str(caught.value)
    assert "The total of debits equals 100.00 € and the total of credits equals 90.00 €." in str(
        caught.value
    )
    assert odoo.execute_kw("account.move", "search_count", [[]]) == count


def test_unbalanced_draft_with_check_move_validity_off_cannot_be_posted(odoo):
    deferred = xmlid(odoo, "l10n_fr.1_pcg_487000")
    income = xmlid(odoo, "l10n_fr.1_pcg_706000")
    entry = odoo.execute_kw("account.move", "create", [{"move_type": "entry", "line_ids": [
        (0, 0, {"account_id": deferred, "debit": 100.0}),
        (0, 0, {"account_id": income, "credit": 99.99}),
    ]}], {"context": {"check_move_validity": False}})  # fmt: skip

    with pytest.raises(odoorpc.error.RPCError, match="is not balanced"):
        odoo.execute_kw("account.move", "action_post", [[entry]])
    assert read(odoo, "account.move", entry, ["state"])["state"] == "draft"


def test_balanced_revenue_recognition_entry_posts(odoo):
    deferred = xmlid(odoo, "l10n_fr.1_pcg_487000")
    income = xmlid(odoo, "l10n_fr.1_pcg_706000")
    entry = odoo.execute_kw("account.move", "create", [{
        "move_type": "entry", "date": "2024-03-31", "ref": "REVREC 2024-03",
        "line_ids": [
            (0, 0, {"account_id": deferred, "debit": 83.33, "name": "Reprise PCA"}),
            (0, 0, {"account_id": income, "credit": 83.33, "name": "CA reconnu"}),
        ],
    }])  # fmt: skip

    odoo.execute_kw("account.move", "action_post", [[entry]])

    posted = read(
        odoo, "account.move", entry, ["name", "state", "amount_total", "journal_id", "display_name"]
    )
    assert posted["name"] == "MISC/2024/00001"
    assert posted["display_name"] == "MISC/2024/00001 (REVREC 2024-03)"
    assert posted["journal_id"][1] == "Miscellaneous Operations"
    assert posted["amount_total"] == 83.33
    with pytest.raises(odoorpc.error.RPCError, match="posted"):
        odoo.execute_kw(
            "account.move.line", "write", [[lines_of(odoo, entry)[0]["id"]], {"debit": 80.0}]
        )


def test_writing_one_side_of_an_entry_unbalances_it_and_is_refused(odoo):
    deferred = xmlid(odoo, "l10n_fr.1_pcg_487000")
    income = xmlid(odoo, "l10n_fr.1_pcg_706000")
    entry = odoo.execute_kw("account.move", "create", [{"move_type": "entry", "line_ids": [
        (0, 0, {"account_id": deferred, "debit": 10.0}),
        (0, 0, {"account_id": income, "credit": 10.0}),
    ]}])  # fmt: skip
    debit_line = lines_of(odoo, entry)[0]["id"]

    with pytest.raises(odoorpc.error.RPCError, match="is not balanced"):
        odoo.execute_kw("account.move.line", "write", [[debit_line], {"debit": 12.0}])

    assert lines_of(odoo, entry)[0]["debit"] == 10.0


@pytest.mark.parametrize("version", [16, 17, 18])
def test_full_credit_note_sets_the_invoice_reversed(version):
    with OdooSandbox(version=version, clock=ManualClock()) as sandbox:
        odoo = connect(sandbox)
        invoice = make_invoice(odoo, [{"product_id": product(odoo, "SUB-PLAT"), "quantity": 2}])
        odoo.execute_kw("account.move", "action_post", [[invoice]])
        context = {"active_model": "account.move", "active_ids": [invoice]}
        values = (
            {"reason": "Annulation", "refund_method": "cancel"}
            if version == 16
            else {"reason": "Annulation"}
        )
        wizard = odoo.execute_kw("account.move.reversal", "create", [values], {"context": context})

        if version == 16:
            action = odoo.execute_kw("account.move.reversal", "reverse_moves", [[wizard]])
            refund = action["res_id"]
        else:
            action = odoo.execute_kw("account.move.reversal", "refund_moves", [[wizard]])
            refund = action["res_id"]
            odoo.execute_kw("account.move", "action_post", [[refund]])
            [line] = odoo.execute_kw(
                "account.move.line",
                "search",
                [[("move_id", "=", refund), ("display_type", "=", "payment_term")]],
            )
            odoo.execute_kw("account.move", "js_assign_outstanding_line", [[invoice], line])

        credit_note = read(
            odoo,
            "account.move",
            refund,
            ["move_type", "name", "reversed_entry_id", "amount_total", "ref", "state"],
        )
        assert credit_note == {
            "id": refund, "move_type": "out_refund", "name": "RINV/2024/00001",
            "reversed_entry_id": [invoice, "INV/2024/00001"], "amount_total": 237.6,
            "ref": "Reversal of: INV/2024/00001, Annulation", "state": "posted",
        }  # fmt: skip
        assert read(odoo, "account.move", invoice, ["payment_state", "amount_residual"]) == {
            "id": invoice, "payment_state": "reversed", "amount_residual": 0.0,
        }  # fmt: skip


def test_modify_moves_cancels_and_drafts_a_copy():
    with OdooSandbox(version=17) as sandbox:
        odoo = connect(sandbox)
        invoice = make_invoice(odoo, [{"product_id": product(odoo, "SUB-PLAT")}])
        odoo.execute_kw("account.move", "action_post", [[invoice]])
        context = {"active_model": "account.move", "active_ids": [invoice]}
        wizard = odoo.execute_kw("account.move.reversal", "create", [{}], {"context": context})

        action = odoo.execute_kw("account.move.reversal", "modify_moves", [[wizard]])

        copy = read(
            odoo,
            "account.move",
            action["res_id"],
            ["state", "amount_total", "partner_id", "move_type"],
        )
        assert copy["state"] == "draft" and copy["move_type"] == "out_invoice"
        assert copy["amount_total"] == 118.8
        assert read(odoo, "account.move", invoice, ["payment_state"])["payment_state"] == "reversed"


def test_reconciling_lines_of_different_accounts_is_refused(odoo):
    invoice = make_invoice(odoo, [{"product_id": product(odoo, "SUB-PLAT")}])
    odoo.execute_kw("account.move", "action_post", [[invoice]])
    ids = [line["id"] for line in lines_of(odoo, invoice)]

    with pytest.raises(odoorpc.error.RPCError, match="Entries are not from the same account"):
        odoo.execute_kw("account.move.line", "reconcile", [ids])

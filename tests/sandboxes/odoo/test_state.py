"""Saving the sandbox database to a file and starting again from it."""

from __future__ import annotations

import json

import pytest

from cn285.sandboxes.odoo import OdooSandbox

from .conftest import connect, xmlid


def test_persistence_round_trip_keeps_records_amounts_numbers_and_passwords(tmp_path):
    path = tmp_path / "odoo.json"
    with OdooSandbox(version=17, data_file=path) as first:
        odoo = connect(first)
        partner = odoo.execute_kw(
            "res.partner", "create", [{"name": "Persisted SAS", "city": "Rennes"}]
        )
        invoice = odoo.execute_kw("account.move", "create", [{
            "move_type": "out_invoice", "partner_id": partner,
            "invoice_line_ids": [(0, 0, {"name": "Abonnement", "quantity": 3, "price_unit": 33.33,
                                         "tax_ids": [(6, 0, [xmlid(odoo, "l10n_fr.1_tva_normale")])]})],
        }])  # fmt: skip
        odoo.execute_kw("account.move", "action_post", [[invoice]])
        before = odoo.execute_kw(
            "account.move",
            "read",
            [[invoice], ["name", "amount_total", "amount_tax", "write_date"]],
        )
        odoo.execute_kw("res.users", "write", [[2], {"password": "s3cret"}])
        with pytest.raises(Exception, match="Access Denied"):  # the old password is gone
            odoo.execute_kw("res.partner", "search", [[]])

    assert path.exists()
    with OdooSandbox(version=17, data_file=path) as second:
        assert second.database == "cn285"
        second.password = "s3cret"
        odoo = connect(second)
        after = odoo.execute_kw(
            "account.move",
            "read",
            [[invoice], ["name", "amount_total", "amount_tax", "write_date"]],
        )
        partner_row = odoo.execute_kw("res.partner", "read", [[partner], ["name", "city"]])
        next_invoice = odoo.execute_kw("account.move", "create", [{
            "move_type": "out_invoice", "partner_id": partner,
            "invoice_line_ids": [(0, 0, {"name": "x", "price_unit": 1.0})],
        }])  # fmt: skip
        odoo.execute_kw("account.move", "action_post", [[next_invoice]])
        next_name = odoo.execute_kw("account.move", "read", [[next_invoice], ["name"]])[0]["name"]

    assert after == before
    assert before[0]["amount_total"] == 119.99
    assert partner_row == [{"id": partner, "name": "Persisted SAS", "city": "Rennes"}]
    assert next_name.endswith("/00002")


def test_file_keeps_amounts_as_exact_decimal_strings(tmp_path):
    path = tmp_path / "odoo.json"
    with OdooSandbox(version=16) as sandbox:
        with sandbox.transaction() as env:
            env["product.template"].create({"name": "Precise", "list_price": 0.1})
        sandbox.save(path)

    data = json.loads(path.read_text(encoding="utf-8"))
    prices = [row["list_price"] for row in data["tables"]["product.template"].values()]

    assert data["version"] == 16 and data["format"] == "cn285.odoo-sandbox/1"
    assert "0.10" in prices


def test_autosave_writes_after_each_change(tmp_path):
    path = tmp_path / "odoo.json"
    sandbox = OdooSandbox(version=18, data_file=path, autosave=True)
    sandbox.start()
    try:
        connect(sandbox).execute_kw("res.partner", "create", [{"name": "Saved Immediately"}])
        saved = json.loads(path.read_text(encoding="utf-8"))
    finally:
        sandbox.stop()

    names = [row.get("name") for row in saved["tables"]["res.partner"].values()]
    assert "Saved Immediately" in names


def test_loading_a_file_of_another_version_is_refused(tmp_path):
    path = tmp_path / "odoo.json"
    OdooSandbox(version=16).save(path)

    with pytest.raises(ValueError, match="holds an Odoo 16 database, not Odoo 18"):
        OdooSandbox(version=18, data_file=path)


def test_a_failed_call_leaves_nothing_behind(sandbox, odoo):
    count = odoo.execute_kw("account.move.line", "search_count", [[]])

    with pytest.raises(Exception, match="is not balanced"):
        odoo.execute_kw("account.move", "create", [{"move_type": "entry", "line_ids": [
            (0, 0, {"account_id": xmlid(odoo, "l10n_fr.1_pcg_487000"), "debit": 5.0}),
        ]}])  # fmt: skip

    assert odoo.execute_kw("account.move.line", "search_count", [[]]) == count
    assert sandbox.db.tables["account.move"] == {}

"""What differs between Odoo 16, 17 and 18 (ERP_APIS.md §0, §2.5)."""

from __future__ import annotations

import re

import odoorpc
import pytest

from cn285.sandboxes.odoo import OdooSandbox

from .conftest import connect


@pytest.fixture(scope="module", params=[16, 17, 18])
def versioned(request):
    with OdooSandbox(version=request.param) as sandbox:
        yield request.param, connect(sandbox)


def fields(odoo, model, names):
    return odoo.execute_kw(model, "fields_get", [names], {"attributes": ["type", "selection"]})


def test_server_version_matches(versioned):
    version, odoo = versioned

    assert odoo.version == f"{version}.0"
    assert odoo.execute("res.users", "context_get")["uid"] == 2


def test_product_type_fields(versioned):
    version, odoo = versioned
    described = fields(odoo, "product.template", ["type", "detailed_type", "is_storable"])
    storable = odoo.execute_kw(
        "product.product", "search_read", [[("default_code", "=", "HW-IOT")]], {"fields": ["type"]}
    )[0]

    type_keys = [key for key, _label in described["type"]["selection"]]
    if version < 18:
        assert set(described) == {"type", "detailed_type"}
        assert type_keys == ["consu", "service", "product"]
        assert storable["type"] == "product"
    else:
        assert set(described) == {"type", "is_storable"}
        assert type_keys == ["consu", "service", "combo"]
        assert storable["type"] == "consu"
        assert (
            odoo.execute_kw("product.product", "read", [[storable["id"]], ["is_storable"]])[0][
                "is_storable"
            ]
            is True
        )


def test_creating_a_storable_product_the_version_way(versioned):
    version, odoo = versioned
    if version < 18:
        values = {"name": "Stocked", "detailed_type": "product"}
        wrong = {"name": "Wrong", "is_storable": True}
    else:
        values = {"name": "Stocked", "type": "consu", "is_storable": True}
        wrong = {"name": "Wrong", "detailed_type": "product"}

    template = odoo.execute_kw("product.template", "create", [values])

    assert odoo.execute_kw("product.template", "read", [[template], ["type"]])[0]["type"] == (
        "product" if version < 18 else "consu"
    )
    with pytest.raises(odoorpc.error.RPCError, match="Invalid field"):
        odoo.execute_kw("product.template", "create", [wrong])


def test_old_type_value_is_refused_in_18():
    with OdooSandbox(version=18) as sandbox:
        odoo = connect(sandbox)
        with pytest.raises(
            odoorpc.error.RPCError,
            match=re.escape("Wrong value for product.template.type: 'product'"),
        ):
            odoo.execute_kw(
                "product.template", "create", [{"name": "Old style", "type": "product"}]
            )


def test_payment_states_per_version(versioned):
    version, odoo = versioned
    invoice_states = [
        k for k, _ in fields(odoo, "account.move", ["payment_state"])["payment_state"]["selection"]
    ]
    payment_states = [
        k for k, _ in fields(odoo, "account.payment", ["state"])["state"]["selection"]
    ]

    assert {"not_paid", "in_payment", "paid", "partial", "reversed"} <= set(invoice_states)
    assert ("blocked" in invoice_states) == (version >= 18)
    if version < 18:
        assert payment_states == ["draft", "posted", "cancel"]
    else:
        assert payment_states == ["draft", "in_process", "paid", "canceled", "rejected"]


def test_payment_memo_field_and_move_link_per_version(versioned):
    version, odoo = versioned
    payment = fields(odoo, "account.payment", ["ref", "memo", "invoice_ids"])
    move = fields(odoo, "account.move", ["payment_id", "origin_payment_id", "matched_payment_ids"])

    if version < 18:
        assert set(payment) == {"ref"}
        assert set(move) == {"payment_id"}
    else:
        assert set(payment) == {"memo", "invoice_ids"}
        assert set(move) == {"origin_payment_id", "matched_payment_ids"}


def test_tax_price_inclusion_per_version(versioned):
    version, odoo = versioned
    described = fields(odoo, "account.tax", ["price_include", "price_include_override"])

    assert described["price_include"]["type"] == "boolean"
    assert ("price_include_override" in described) == (version >= 18)


def test_account_company_field_per_version(versioned):
    version, odoo = versioned
    described = fields(odoo, "account.account", ["company_id", "company_ids", "account_type"])

    assert "account_type" in described
    assert ("company_ids" in described) == (version >= 18)
    assert ("company_id" in described) == (version < 18)


def test_any_operator_exists_from_17(versioned):
    version, odoo = versioned
    domain = [("category_id", "any", [("name", "=", "VIP")])]

    if version >= 17:
        assert len(odoo.execute_kw("res.partner", "search", [domain])) == 1
    else:
        with pytest.raises(odoorpc.error.RPCError, match="Invalid leaf"):
            odoo.execute_kw("res.partner", "search", [domain])


def test_unsupported_version_is_refused():
    with pytest.raises(ValueError, match="unsupported Odoo version 15"):
        OdooSandbox(version=15)


def test_every_field_of_every_model_reads_after_an_invoicing_flow(versioned):
    _version, odoo = versioned
    partner = odoo.execute_kw("res.partner", "search", [[("name", "=", "Nordwind GmbH")]])[0]
    product = odoo.execute_kw("product.product", "search", [[("default_code", "=", "SUB-PLAT")]])[0]
    invoice = odoo.execute_kw(
        "account.move",
        "create",
        [
            {
                "move_type": "out_invoice",
                "partner_id": partner,
                "invoice_line_ids": [(0, 0, {"product_id": product})],
            }
        ],
    )
    odoo.execute_kw("account.move", "action_post", [[invoice]])
    wizard = odoo.execute_kw(
        "account.payment.register",
        "create",
        [{"amount": 50.0}],
        {"context": {"active_model": "account.move", "active_ids": [invoice]}},
    )
    odoo.execute_kw("account.payment.register", "action_create_payments", [[wizard]])
    models = odoo.execute_kw("ir.model", "search_read", [[]], {"fields": ["model"]})

    for model in (m["model"] for m in models):
        fields = odoo.execute_kw(model, "fields_get", [])
        ids = odoo.execute_kw(model, "search", [[]], {"context": {"active_test": False}})
        rows = odoo.execute_kw(model, "read", [ids, list(fields)]) if ids else []
        assert len(rows) == len(ids), model
        if ids:
            odoo.env[model].browse(ids[0])  # odoorpc reads every plain field with _classic_write
    assert len(models) == 25

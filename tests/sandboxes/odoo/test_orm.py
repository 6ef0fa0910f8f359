"""ORM semantics seen through the external API (odoorpc and xmlrpc.client)."""

from __future__ import annotations

import re

import odoorpc
import pytest

from cn285.sandboxes.odoo import OdooSandbox

from .conftest import connect, xmlid


def test_create_one_record_returns_its_id(odoo):
    partner_id = odoo.execute_kw(
        "res.partner", "create", [{"name": "Solo SAS", "is_company": True}]
    )

    assert isinstance(partner_id, int)
    assert odoo.execute_kw("res.partner", "read", [[partner_id], ["name", "company_type"]]) == [
        {"id": partner_id, "name": "Solo SAS", "company_type": "company"}
    ]


def test_create_a_batch_returns_the_ids_in_order(odoo):
    ids = odoo.execute_kw(
        "res.partner", "create", [[{"name": "A1"}, {"name": "A2"}, {"name": "A3"}]]
    )

    assert len(ids) == 3 and ids == sorted(ids)
    names = [r["name"] for r in odoo.execute_kw("res.partner", "read", [ids, ["name"]])]
    assert names == ["A1", "A2", "A3"]


def test_a_failing_record_in_a_batch_creates_none(odoo):
    before = odoo.execute_kw("res.partner", "search_count", [[]])

    with pytest.raises(odoorpc.error.RPCError, match="Contacts require a name"):
        odoo.execute_kw(
            "res.partner", "create", [[{"name": "Good"}, {"email": "nameless@x.example"}]]
        )

    assert odoo.execute_kw("res.partner", "search_count", [[]]) == before


def test_write_updates_the_records_and_returns_true(odoo):
    ids = odoo.execute_kw(
        "res.partner", "search", [[("name", "in", ["Nordwind GmbH", "Lumen Analytics Inc."])]]
    )

    assert odoo.execute_kw("res.partner", "write", [ids, {"phone": "+33 1 00 00 00 00"}]) is True

    rows = odoo.execute_kw("res.partner", "read", [ids, ["phone"]])
    assert {r["phone"] for r in rows} == {"+33 1 00 00 00 00"}


def test_write_date_moves_on_write_and_not_on_read(sandbox, odoo, clock):
    partner = xmlid(odoo, "cn285_demo.partner_brasserie")
    [before] = odoo.execute_kw("res.partner", "read", [[partner], ["write_date", "create_date"]])

    clock.advance(90)
    odoo.execute_kw("res.partner", "read", [[partner], ["name"]])
    [unchanged] = odoo.execute_kw("res.partner", "read", [[partner], ["write_date"]])
    odoo.execute_kw("res.partner", "write", [[partner], {"city": "Toulon"}])
    [after] = odoo.execute_kw("res.partner", "read", [[partner], ["write_date", "create_date"]])

    assert unchanged["write_date"] == before["write_date"] == "2024-03-01 09:00:00"
    assert after["write_date"] == "2024-03-01 09:01:30"
    assert after["create_date"] == before["create_date"]
    changed = odoo.execute_kw(
        "res.partner", "search", [[("write_date", ">", before["write_date"])]]
    )
    assert changed == [partner]


def test_unlink_deletes_and_later_reads_raise_missing_error(odoo):
    partner = odoo.execute_kw("res.partner", "create", [{"name": "Ephemeral"}])

    assert odoo.execute_kw("res.partner", "unlink", [[partner]]) is True

    assert odoo.execute_kw("res.partner", "search", [[("id", "=", partner)]]) == []
    with pytest.raises(odoorpc.error.RPCError, match="Record does not exist"):
        odoo.execute_kw("res.partner", "read", [[partner]])


def test_unlink_of_a_partner_used_by_a_user_is_refused(odoo):
    admin_partner = odoo.env.user.partner_id.id

    with pytest.raises(odoorpc.error.RPCError) as caught:
        odoo.execute_kw("res.partner", "unlink", [[admin_partner]])

    assert caught.value.info["data"]["name"] == "odoo.exceptions.ValidationError"
    assert "res_users_partner_id_fkey" in str(caught.value)


def test_many2one_reads_as_id_and_name_and_as_id_with_classic_write(odoo):
    acme = xmlid(odoo, "cn285_demo.partner_acme")
    france = xmlid(odoo, "base.fr")

    [classic] = odoo.execute_kw("res.partner", "read", [[acme], ["country_id", "parent_id"]])
    [write] = odoo.execute_kw(
        "res.partner", "read", [[acme], ["country_id"]], {"load": "_classic_write"}
    )

    assert classic["country_id"] == [france, "France"]
    assert classic["parent_id"] is False
    assert write["country_id"] == france


def test_odoorpc_browse_follows_relations(odoo):
    partner = odoo.env["res.partner"].browse(xmlid(odoo, "cn285_demo.partner_acme_claire"))

    assert partner.parent_id.name == "Acme Industries SA"
    assert partner.display_name == "Acme Industries SA, Claire Martin"
    assert partner.commercial_partner_id.country_id.code == "FR"


def test_odoorpc_attribute_assignment_writes(odoo):
    partner = odoo.env["res.partner"].browse(xmlid(odoo, "cn285_demo.partner_nordwind"))

    partner.email = "new@nordwind.example"

    assert (
        odoo.execute_kw("res.partner", "read", [[partner.id], ["email"]])[0]["email"]
        == "new@nordwind.example"
    )


def test_many2many_commands(odoo):
    vip, subscription, reseller = (
        xmlid(odoo, f"cn285_demo.partner_tag_{n}") for n in ("vip", "subscription", "reseller")
    )
    partner = odoo.execute_kw(
        "res.partner", "create", [{"name": "Tags", "category_id": [(6, 0, [vip])]}]
    )

    def tags():
        return odoo.execute_kw("res.partner", "read", [[partner], ["category_id"]])[0][
            "category_id"
        ]

    odoo.execute_kw("res.partner", "write", [[partner], {"category_id": [(4, reseller)]}])
    assert tags() == [vip, reseller]
    odoo.execute_kw("res.partner", "write", [[partner], {"category_id": [(3, vip)]}])
    assert tags() == [reseller]
    odoo.execute_kw(
        "res.partner", "write", [[partner], {"category_id": [(0, 0, {"name": "New tag"})]}]
    )
    new_tag = tags()[-1]
    assert (
        odoo.execute_kw("res.partner.category", "read", [[new_tag], ["name"]])[0]["name"]
        == "New tag"
    )
    odoo.execute_kw(
        "res.partner", "write", [[partner], {"category_id": [(1, new_tag, {"name": "Renamed"})]}]
    )
    assert (
        odoo.execute_kw("res.partner.category", "read", [[new_tag], ["name"]])[0]["name"]
        == "Renamed"
    )
    odoo.execute_kw("res.partner", "write", [[partner], {"category_id": [(2, new_tag)]}])
    assert tags() == [reseller]
    assert odoo.execute_kw("res.partner.category", "search", [[("id", "=", new_tag)]]) == []
    odoo.execute_kw(
        "res.partner", "write", [[partner], {"category_id": [(6, 0, [subscription, vip])]}]
    )
    assert tags() == [subscription, vip]
    odoo.execute_kw("res.partner", "write", [[partner], {"category_id": [(5,)]}])
    assert tags() == []
    assert (
        odoo.execute_kw(
            "res.partner.category", "search_count", [[("id", "in", [vip, subscription])]]
        )
        == 2
    )


def test_one2many_commands(odoo):
    company = odoo.execute_kw("res.partner", "create", [{
        "name": "Parent Co", "is_company": True,
        "child_ids": [(0, 0, {"name": "Ann"}), (0, 0, {"name": "Bob"})],
    }])  # fmt: skip

    def children():
        ids = odoo.execute_kw("res.partner", "read", [[company], ["child_ids"]])[0]["child_ids"]
        return {r["name"]: r["id"] for r in odoo.execute_kw("res.partner", "read", [ids, ["name"]])}

    kids = children()
    assert set(kids) == {"Ann", "Bob"}
    loose = odoo.execute_kw("res.partner", "create", [{"name": "Cid"}])
    odoo.execute_kw(
        "res.partner",
        "write",
        [[company], {"child_ids": [(4, loose), (1, kids["Ann"], {"name": "Anna"})]}],
    )
    assert set(children()) == {"Anna", "Bob", "Cid"}
    odoo.execute_kw("res.partner", "write", [[company], {"child_ids": [(3, kids["Bob"])]}])
    assert set(children()) == {"Anna", "Cid"}
    assert (
        odoo.execute_kw("res.partner", "read", [[kids["Bob"]], ["parent_id"]])[0]["parent_id"]
        is False
    )
    odoo.execute_kw("res.partner", "write", [[company], {"child_ids": [(2, loose)]}])
    assert odoo.execute_kw("res.partner", "search", [[("id", "=", loose)]]) == []
    odoo.execute_kw("res.partner", "write", [[company], {"child_ids": [(6, 0, [kids["Bob"]])]}])
    assert set(children()) == {"Bob"}
    odoo.execute_kw("res.partner", "write", [[company], {"child_ids": [(5,)]}])
    assert children() == {}


def test_archived_records_are_hidden_unless_active_test_is_false(odoo):
    Partner = odoo.env["res.partner"]
    visible = Partner.search([("name", "ilike", "client")])
    everything = Partner.with_context(active_test=False).search([("name", "ilike", "client")])
    explicit = Partner.search([("active", "=", False)])
    both = odoo.execute_kw(
        "res.partner",
        "search_count",
        [[("name", "ilike", "client"), ("active", "in", [True, False])]],
    )

    archived = xmlid(odoo, "cn285_demo.partner_ancien")
    assert archived not in visible
    assert archived in everything
    assert explicit == [archived]
    assert both == len(everything)


def test_archived_record_can_still_be_read_by_id(odoo):
    archived = xmlid(odoo, "cn285_demo.partner_ancien")

    [row] = odoo.execute_kw("res.partner", "read", [[archived], ["name", "active"]])

    assert row == {"id": archived, "name": "Ancien Client SARL", "active": False}


def test_action_archive_and_unarchive(odoo):
    partner = xmlid(odoo, "cn285_demo.partner_lumen")

    odoo.execute_kw("res.partner", "action_archive", [[partner]])
    hidden = partner not in odoo.execute_kw("res.partner", "search", [[]])
    odoo.execute_kw("res.partner", "action_unarchive", [[partner]])

    assert hidden
    assert partner in odoo.execute_kw("res.partner", "search", [[]])


def test_search_order_limit_and_offset(odoo):
    domain = [("is_company", "=", True), ("customer_rank", ">", 0)]
    by_name = odoo.execute_kw(
        "res.partner", "search_read", [domain, ["name"]], {"order": "name asc"}
    )
    names = [r["name"] for r in by_name]
    page = odoo.execute_kw(
        "res.partner",
        "search_read",
        [domain],
        {"fields": ["name"], "order": "name desc", "limit": 2, "offset": 1},
    )

    assert names == sorted(names, key=str.casefold)
    assert [r["name"] for r in page] == list(reversed(names))[1:3]
    assert odoo.execute_kw("res.partner", "search_count", [domain]) == len(names)


def test_order_by_many2one_and_invalid_order(odoo):
    rows = odoo.execute_kw(
        "res.partner",
        "search_read",
        [[("country_id", "!=", False)], ["country_id"]],
        {"order": "country_id desc, id"},
    )
    countries = [r["country_id"][1] for r in rows]

    assert countries == sorted(countries, reverse=True)
    with pytest.raises(
        odoorpc.error.RPCError, match=re.escape("Invalid field 'nope' on model 'res.partner'")
    ):
        odoo.execute_kw("res.partner", "search", [[]], {"order": "nope desc"})


def test_fields_get_describes_types_relations_and_selections(odoo):
    fields = odoo.execute_kw(
        "account.move",
        "fields_get",
        [],
        {"attributes": ["type", "relation", "selection", "required", "readonly"]},
    )

    assert fields["partner_id"] == {
        "type": "many2one",
        "relation": "res.partner",
        "required": False,
        "readonly": False,
    }
    assert fields["invoice_line_ids"]["type"] == "one2many"
    assert fields["invoice_line_ids"]["relation"] == "account.move.line"
    assert fields["amount_total"]["type"] == "monetary"
    assert fields["amount_total"]["readonly"] is True
    assert ["posted", "Posted"] in fields["state"]["selection"]
    assert fields["move_type"]["required"] is True
    assert {"id", "display_name", "create_date", "write_date"} <= set(fields)


def test_default_get_uses_field_defaults_and_context(odoo):
    defaults = odoo.execute_kw(
        "account.move",
        "default_get",
        [["move_type", "state", "name"]],
        {"context": {"default_move_type": "out_invoice"}},
    )

    assert defaults == {"move_type": "out_invoice", "state": "draft", "name": "/"}


def test_name_search_matches_names_codes_and_emails(odoo):
    by_code = odoo.execute_kw("product.product", "name_search", ["SRV-TRAIN"])
    by_email = odoo.execute_kw("res.partner", "name_search", ["compta@acme"])

    assert [name for _id, name in by_code] == ["[SRV-TRAIN] Formation sur site (jour)"]
    assert [name for _id, name in by_email] == ["Acme Industries SA"]


def test_unknown_fields_are_refused_in_read_search_and_write(odoo):
    for call in (
        ("read", [[1], ["nope"]]),
        ("search", [[("nope", "=", 1)]]),
        ("write", [[1], {"nope": 1}]),
    ):
        with pytest.raises(odoorpc.error.RPCError) as caught:
            odoo.execute_kw("res.partner", *call)
        assert caught.value.info["data"]["name"] == "builtins.ValueError"


def test_wrong_selection_value_is_refused(odoo):
    with pytest.raises(
        odoorpc.error.RPCError, match=re.escape("Wrong value for res.partner.type: 'castle'")
    ):
        odoo.execute_kw("res.partner", "create", [{"name": "X", "type": "castle"}])


def test_missing_required_field_is_a_validation_error(odoo):
    with pytest.raises(odoorpc.error.RPCError) as caught:
        odoo.execute_kw(
            "account.account", "create", [{"name": "No code", "account_type": "income"}]
        )

    assert caught.value.info["data"]["name"] == "odoo.exceptions.ValidationError"
    assert "Field: Code (code)" in str(caught.value)


def test_unique_constraints_are_enforced(odoo):
    with pytest.raises(odoorpc.error.RPCError, match="must be unique"):
        odoo.execute_kw(
            "account.account",
            "create",
            [{"code": "411100", "name": "Dup", "account_type": "asset_receivable"}],
        )


def test_name_create_makes_a_record_from_a_name(odoo):
    created = odoo.execute_kw("res.partner", "name_create", ["Quick Contact"])

    assert created == [created[0], "Quick Contact"]
    assert (
        odoo.execute_kw("res.partner", "read", [[created[0]], ["name"]])[0]["name"]
        == "Quick Contact"
    )


def test_env_ref_and_model_existence(odoo):
    assert odoo.env.ref("base.main_company").name == "Cn285 Demo SAS"
    assert "account.move" in odoo.env
    assert "sale.order" not in odoo.env
    with pytest.raises(odoorpc.error.RPCError, match="External ID not found"):
        odoo.env.ref("base.nothing_here")
    with pytest.raises(odoorpc.error.RPCError, match="does not exist on the model"):
        odoo.execute("ir.model.data", "xmlid_to_res_id", "base.main_company")  # gone since 15


def test_product_variant_delegates_to_its_template(odoo):
    product = odoo.execute_kw(
        "product.product",
        "create",
        [{"name": "Pack Onboarding", "default_code": "ONB", "list_price": 450.0}],
    )
    [row] = odoo.execute_kw(
        "product.product",
        "read",
        [[product], ["name", "lst_price", "product_tmpl_id", "display_name"]],
    )

    odoo.execute_kw("product.product", "write", [[product], {"list_price": 500.0}])
    [template] = odoo.execute_kw(
        "product.template",
        "read",
        [[row["product_tmpl_id"][0]], ["list_price", "product_variant_count"]],
    )

    assert row["name"] == "Pack Onboarding" and row["lst_price"] == 450.0
    assert row["display_name"] == "[ONB] Pack Onboarding"
    assert template["list_price"] == 500.0
    assert template["product_variant_count"] == 1


@pytest.mark.parametrize("version", [16, 17])
def test_name_get_exists_only_in_16(version):
    with OdooSandbox(version=version) as sandbox:
        client = connect(sandbox)
        if version == 16:
            assert client.execute_kw("res.country", "name_get", [[1]]) == [[1, "France"]]
        else:
            with pytest.raises(odoorpc.error.RPCError, match="does not exist on the model"):
                client.execute_kw("res.country", "name_get", [[1]])


@pytest.mark.parametrize("version", [16, 17])
def test_search_count_argument_exists_only_in_16(version):
    with OdooSandbox(version=version) as sandbox:
        client = connect(sandbox)
        if version == 16:
            assert client.execute_kw("res.country", "search", [[]], {"count": True}) == 10
        else:
            with pytest.raises(odoorpc.error.RPCError, match="unexpected keyword argument 'count'"):
                client.execute_kw("res.country", "search", [[]], {"count": True})


def test_state_can_be_tampered_with_directly(sandbox, odoo):
    partner = xmlid(odoo, "cn285_demo.partner_acme")

    with sandbox.transaction() as env:
        env["res.partner"].browse(partner).write({"name": "Acme (renamed behind the API)"})

    assert (
        odoo.execute_kw("res.partner", "read", [[partner], ["name"]])[0]["name"]
        == "Acme (renamed behind the API)"
    )


def test_xmlrpc_create_write_read_round_trip(xmlrpc_client):
    partner = xmlrpc_client(
        "res.partner", "create", {"name": "Via XML-RPC", "email": "x@example.com"}
    )
    xmlrpc_client("res.partner", "write", [partner], {"city": "Lille"})

    [row] = xmlrpc_client("res.partner", "read", [partner], fields=["name", "city", "country_id"])

    assert row == {"id": partner, "name": "Via XML-RPC", "city": "Lille", "country_id": False}

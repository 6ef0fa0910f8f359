"""Every domain operator, through `search` over JSON-RPC (odoorpc)."""

from __future__ import annotations

import odoorpc
import pytest

from .conftest import xmlid

SCOPE = ("name", "=like", "DOM %")


@pytest.fixture
def people(odoo):
    """Partners with known values; searches are scoped to them with SCOPE."""
    Partner = odoo.env["res.partner"]
    alpha = Partner.create({"name": "DOM Alpha", "is_company": True, "email": "alpha@x.example",
                            "customer_rank": 5, "city": "Paris"})  # fmt: skip
    Partner.create({"name": "DOM beta", "customer_rank": 0, "city": "Lyon"})
    Partner.create({"name": "DOM Gamma_1", "email": "gamma@y.example", "customer_rank": 2})
    Partner.create({"name": "DOM 100%", "customer_rank": 10, "city": "Paris"})
    child = Partner.create({"name": "DOM Child", "parent_id": alpha, "customer_rank": 1,
                            "city": "Nice"})  # fmt: skip
    Partner.create({"name": "DOM Grandchild", "parent_id": child, "customer_rank": 1,
                    "city": "Nice"})  # fmt: skip
    return odoo


def names(odoo, domain, model="res.partner", scope=SCOPE):
    full = [scope, *domain] if scope else domain
    rows = odoo.execute_kw(model, "search_read", [full, ["name"]])
    return sorted(r["name"] for r in rows)


FAMILY = ["DOM Alpha", "DOM Child", "DOM Grandchild"]


@pytest.mark.parametrize(
    ("domain", "expected"),
    [
        ([("city", "=", "Paris")], ["DOM 100%", "DOM Alpha"]),
        ([("city", "!=", "Paris")], ["DOM Child", "DOM Gamma_1", "DOM Grandchild", "DOM beta"]),
        ([("city", "=", False)], ["DOM Gamma_1"]),
        ([("city", "!=", False), ("city", "!=", "Nice")], ["DOM 100%", "DOM Alpha", "DOM beta"]),
        ([("customer_rank", ">", 2)], ["DOM 100%", "DOM Alpha"]),
        ([("customer_rank", ">=", 2)], ["DOM 100%", "DOM Alpha", "DOM Gamma_1"]),
        ([("customer_rank", "<", 1)], ["DOM beta"]),
        ([("customer_rank", "<=", 1)], ["DOM Child", "DOM Grandchild", "DOM beta"]),
        ([("city", "in", ["Lyon", "Paris"])], ["DOM 100%", "DOM Alpha", "DOM beta"]),
        ([("city", "in", ["Lyon", False])], ["DOM Gamma_1", "DOM beta"]),
        ([("city", "not in", ["Paris", "Nice"])], ["DOM Gamma_1", "DOM beta"]),
        ([("city", "not in", ["Paris", "Nice", False])], ["DOM beta"]),
        ([("name", "like", "eta")], ["DOM beta"]),
        ([("name", "like", "ETA")], []),
        ([("name", "ilike", "ALPHA")], ["DOM Alpha"]),
        ([("name", "ilike", "100%")], ["DOM 100%"]),
        ([("name", "=like", "DOM Gamm__1")], ["DOM Gamma_1"]),
        ([("name", "=like", "DOM G%")], ["DOM Gamma_1", "DOM Grandchild"]),
        ([("name", "=like", "dom alpha")], []),
        ([("name", "=ilike", "dom alpha")], ["DOM Alpha"]),
        ([("name", "not like", "a")], ["DOM 100%", "DOM Child"]),
        ([("email", "not ilike", "X.EXAMPLE")], ["DOM 100%", "DOM Child", "DOM Gamma_1", "DOM Grandchild", "DOM beta"]),
        ([("email", "ilike", "example")], ["DOM Alpha", "DOM Gamma_1"]),
        ([("city", "=?", False)], ["DOM 100%", "DOM Alpha", "DOM Child", "DOM Gamma_1", "DOM Grandchild", "DOM beta"]),
        ([("city", "=?", "Lyon")], ["DOM beta"]),
        (["|", ("city", "=", "Lyon"), ("customer_rank", ">=", 10)], ["DOM 100%", "DOM beta"]),
        (["&", ("city", "=", "Paris"), ("is_company", "=", True)], ["DOM Alpha"]),
        (["!", ("city", "=", "Paris")], ["DOM Child", "DOM Gamma_1", "DOM Grandchild", "DOM beta"]),
        (["!", ("customer_rank", ">", 1)], ["DOM Child", "DOM Grandchild", "DOM beta"]),
        (["!", "|", ("city", "=", "Nice"), ("city", "=", "Paris")], ["DOM Gamma_1", "DOM beta"]),
        ([("parent_id.name", "=", "DOM Alpha")], ["DOM Child"]),
        ([("parent_id.parent_id.city", "=", "Paris")], ["DOM Grandchild"]),
        ([("parent_id", "=", False), ("city", "=", "Nice")], []),
        ([("child_ids", "!=", False)], ["DOM Alpha", "DOM Child"]),
        ([("child_ids.name", "ilike", "grand")], ["DOM Child"]),
        # a partner's name search covers its complete name ("DOM Alpha, DOM Child")
        ([("parent_id", "ilike", "alph")], ["DOM Child", "DOM Grandchild"]),
        ([("parent_id", "not ilike", "alph")], ["DOM 100%", "DOM Alpha", "DOM Gamma_1", "DOM beta"]),
    ],
)  # fmt: skip
def test_operator(people, domain, expected):
    assert names(people, domain) == expected


def test_child_of_and_parent_of_follow_the_hierarchy(people):
    alpha = people.execute_kw("res.partner", "search", [[("name", "=", "DOM Alpha")]])[0]
    grandchild = people.execute_kw("res.partner", "search", [[("name", "=", "DOM Grandchild")]])[0]

    assert names(people, [("id", "child_of", alpha)]) == FAMILY
    assert names(people, [("id", "parent_of", grandchild)]) == FAMILY
    assert names(people, [("parent_id", "child_of", alpha)]) == ["DOM Child", "DOM Grandchild"]
    assert names(people, [("id", "child_of", "DOM Alpha")]) == FAMILY


def test_child_of_on_a_many2one_to_a_category_tree(odoo):
    services = xmlid(odoo, "product.product_category_services")

    found = names(odoo, [("categ_id", "child_of", services)], model="product.product", scope=None)

    assert found == [
        "Abonnement Plateforme",
        "Billet conférence",
        "Formation sur site (jour)",
        "Utilisation API (1 000 appels)",
    ]


def test_dotted_path_through_many2one_and_name_match(odoo):
    by_code = names(odoo, [("country_id.code", "=", "DE")], scope=None)
    by_name = names(odoo, [("country_id", "ilike", "germ")], scope=None)
    by_tag = names(odoo, [("category_id", "=", "VIP")], scope=None)

    assert by_code == by_name == ["Nordwind GmbH"]
    assert by_tag == ["Acme Industries SA"]


def test_many2many_operators(odoo):
    vip = xmlid(odoo, "cn285_demo.partner_tag_vip")
    subscription = xmlid(odoo, "cn285_demo.partner_tag_subscription")
    companies = ("is_company", "=", True)

    assert names(odoo, [("category_id", "in", [vip])], scope=companies) == ["Acme Industries SA"]
    assert names(odoo, [("category_id", "=", subscription)], scope=companies) == [
        "Acme Industries SA", "Brasserie du Port SARL", "Lumen Analytics Inc.",
    ]  # fmt: skip
    assert names(odoo, [("category_id", "not in", [subscription])], scope=companies) == [
        "Belvédère Conseil SRL", "Cn285 Demo SAS", "Nordwind GmbH",
    ]  # fmt: skip
    assert names(odoo, [("category_id", "=", False)], scope=companies) == [
        "Belvédère Conseil SRL", "Cn285 Demo SAS",
    ]  # fmt: skip


def test_any_operator_on_a_relation(odoo):
    domain = [("category_id", "any", [("name", "=", "Reseller")])]

    assert names(odoo, domain, scope=None) == ["Nordwind GmbH"]


def test_date_and_float_comparisons(odoo):
    move = odoo.execute_kw("account.move", "create", [{
        "move_type": "out_invoice", "partner_id": xmlid(odoo, "cn285_demo.partner_acme"),
        "invoice_date": "2024-02-10",
        "invoice_line_ids": [(0, 0, {"name": "x", "quantity": 1, "price_unit": 100.0, "tax_ids": []})],
    }])  # fmt: skip

    def found(domain):
        return move in odoo.execute_kw("account.move", "search", [domain])

    assert found([("invoice_date", ">=", "2024-02-01"), ("invoice_date", "<", "2024-03-01")])
    assert not found([("invoice_date", ">", "2024-02-10")])
    assert found([("amount_total", "=", 100.0)])
    assert found([("amount_total", ">", 99.99)])
    assert not found([("amount_total", ">", 100)])
    assert found([("create_date", ">=", "2024-03-01")])


@pytest.mark.parametrize(
    "domain",
    [
        [("name", "between", "a")],
        [("name", "=")],
        ["|", ("name", "=", "a")],
        ["&&", ("name", "=", "a")],
        [("nope.name", "=", "a")],
        [("name.x", "=", "a")],
    ],
)
def test_malformed_domains_are_value_errors(odoo, domain):
    with pytest.raises(odoorpc.error.RPCError) as caught:
        odoo.execute_kw("res.partner", "search", [domain])

    assert caught.value.info["data"]["name"] == "builtins.ValueError"

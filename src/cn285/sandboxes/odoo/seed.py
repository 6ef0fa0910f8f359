"""The data a fresh sandbox database starts with: a French company and its accounting.

One company (FR, EUR) with a small French chart of accounts (receivable, payable, income,
deferred revenue, VAT collected and deductible, bank, outstanding receipts/payments),
sale taxes at 20 %, 10 % and 5.5 % plus a 20 % price-included one, sales, purchase,
miscellaneous, bank and cash journals, a few products and customers, and the `admin`
user. Records are created through the ORM so that computed fields are what Odoo would
store; key records get external ids (`base.main_company`, `l10n_fr.1_pcg_411100`, …).
"""

from __future__ import annotations

from typing import Any

from .database import Database, Env

ADMIN_UID = 2
ADMIN_LOGIN = "admin"
ADMIN_PASSWORD = "admin"

CURRENCIES = [
    ("EUR", "Euro", "€", "after", True),
    ("USD", "US Dollar", "$", "before", True),
    ("GBP", "Pound Sterling", "£", "before", False),
    ("CHF", "Swiss Franc", "CHF", "after", False),
]
COUNTRIES = [
    ("fr", "France", "FR", "EUR", 33),
    ("be", "Belgium", "BE", "EUR", 32),
    ("de", "Germany", "DE", "EUR", 49),
    ("es", "Spain", "ES", "EUR", 34),
    ("it", "Italy", "IT", "EUR", 39),
    ("lu", "Luxembourg", "LU", "EUR", 352),
    ("nl", "Netherlands", "NL", "EUR", 31),
    ("ch", "Switzerland", "CH", "CHF", 41),
    ("uk", "United Kingdom", "GB", "GBP", 44),
    ("us", "United States", "US", "USD", 1),
]
# (code, name, account_type)
ACCOUNTS = [
    ("101300", "Capital souscrit - appelé, versé", "equity"),
    ("401100", "Fournisseurs - Achats de biens et prestations de services", "liability_payable"),
    ("411100", "Clients - Ventes de biens ou de prestations de services", "asset_receivable"),
    ("445660", "TVA déductible sur autres biens et services", "asset_current"),
    ("445710", "TVA collectée", "liability_current"),
    ("471000", "Compte d'attente", "asset_current"),
    ("487000", "Produits constatés d'avance", "liability_current"),
    ("512001", "Banque", "asset_cash"),
    ("512900", "Encaissements en attente", "asset_current"),
    ("512901", "Décaissements en attente", "asset_current"),
    ("531000", "Caisse", "asset_cash"),
    ("607000", "Achats de marchandises", "expense"),
    ("622600", "Honoraires", "expense"),
    ("658000", "Charges diverses de gestion courante", "expense"),
    ("706000", "Prestations de services", "income"),
    ("707000", "Ventes de marchandises", "income"),
    ("758000", "Produits divers de gestion courante", "income_other"),
]
RECONCILED_ACCOUNTS = ("512900", "512901")
# (xml name, name, type_tax_use, amount, price included, account code)
TAXES = [
    ("tva_normale", "TVA collectée (vente) 20,0%", "sale", 20.0, False, "445710"),
    ("tva_intermediaire", "TVA collectée (vente) 10,0%", "sale", 10.0, False, "445710"),
    ("tva_reduite", "TVA collectée (vente) 5,5%", "sale", 5.5, False, "445710"),
    ("tva_normale_ttc", "TVA collectée (vente) 20,0% TTC", "sale", 20.0, True, "445710"),
    ("tva_acq_normale", "TVA déductible (achat) 20,0%", "purchase", 20.0, False, "445660"),
]
# (xml name, name, code, type, default account, suspense account)
JOURNALS = [
    ("sale", "Customer Invoices", "INV", "sale", "706000", None),
    ("purchase", "Vendor Bills", "BILL", "purchase", "607000", None),
    ("general", "Miscellaneous Operations", "MISC", "general", None, None),
    ("bank", "Bank", "BNK1", "bank", "512001", "471000"),
    ("cash", "Cash", "CSH1", "cash", "531000", "471000"),
]
# (xml name, name, default_code, type 16/17, list price, taxes, category, income account)
PRODUCTS = [
    (
        "platform",
        "Abonnement Plateforme",
        "SUB-PLAT",
        "service",
        99.0,
        ["tva_normale"],
        "subscriptions",
        "706000",
    ),
    (
        "api_usage",
        "Utilisation API (1 000 appels)",
        "USG-API",
        "service",
        0.5,
        ["tva_normale"],
        "services",
        "706000",
    ),
    (
        "training",
        "Formation sur site (jour)",
        "SRV-TRAIN",
        "service",
        1200.0,
        ["tva_normale"],
        "services",
        "706000",
    ),
    (
        "event",
        "Billet conférence",
        "EVT-CONF",
        "service",
        150.0,
        ["tva_intermediaire"],
        "services",
        "706000",
    ),
    (
        "book",
        "Livre « Facturation récurrente »",
        "BOOK-01",
        "consu",
        29.9,
        ["tva_reduite"],
        "saleable",
        "707000",
    ),
    ("iot", "Boîtier IoT", "HW-IOT", "product", 249.0, ["tva_normale"], "saleable", "707000"),
]
ARCHIVED_PRODUCT = ("legacy_support", "Support Premium (ancienne offre)", "SUP-OLD", 49.0)
CATEGORIES = [
    ("all", "All", None),
    ("saleable", "Saleable", "all"),
    ("services", "Services", "all"),
    ("subscriptions", "Subscriptions", "services"),
]
TAGS = [("vip", "VIP"), ("subscription", "Subscription"), ("reseller", "Reseller")]
# (xml name, name, is company, country, vat, city, email, tags, active)
CUSTOMERS = [
    (
        "acme",
        "Acme Industries SA",
        True,
        "fr",
        "FR40303265045",
        "Lyon",
        "compta@acme-industries.example",
        ["vip", "subscription"],
        True,
    ),
    (
        "brasserie",
        "Brasserie du Port SARL",
        True,
        "fr",
        "FR83404833048",
        "Marseille",
        "gerant@brasserie-du-port.example",
        ["subscription"],
        True,
    ),
    (
        "nordwind",
        "Nordwind GmbH",
        True,
        "de",
        "DE129273398",
        "Hamburg",
        "buchhaltung@nordwind.example",
        ["reseller"],
        True,
    ),
    (
        "belvedere",
        "Belvédère Conseil SRL",
        True,
        "be",
        "BE0477472701",
        "Bruxelles",
        "factures@belvedere-conseil.example",
        [],
        True,
    ),
    (
        "lumen",
        "Lumen Analytics Inc.",
        True,
        "us",
        False,
        "Boston",
        "ap@lumen-analytics.example",
        ["subscription"],
        True,
    ),
    (
        "ancien",
        "Ancien Client SARL",
        True,
        "fr",
        "FR19378901946",
        "Nantes",
        "contact@ancien-client.example",
        [],
        False,
    ),
]
CONTACTS = [("acme_claire", "Claire Martin", "acme", "claire.martin@acme-industries.example")]


class _Seeder:
    def __init__(self, env: Env) -> None:
        self.env = env
        self.xmlids: list[tuple[str, str, str, int]] = []

    def ref(self, module: str, name: str, model: str, record_id: Any) -> int:
        self.xmlids.append((module, name, model, int(record_id)))
        return int(record_id)

    def create(self, module: str, name: str, model: str, values: dict[str, Any]) -> int:
        record = self.env[model].create(values)
        return self.ref(module, name, model, record.id)


def seed(db: Database, company_name: str = "Cn285 Demo SAS") -> None:
    """Fill an empty database with the demo company, its accounting and a few records."""
    with db.transaction():
        env = Env(db, ADMIN_UID, {"tz": "Europe/Paris", "lang": "en_US"})
        s = _Seeder(env)
        for name, digits in (("Product Price", 2), ("Discount", 2), ("Product Unit of Measure", 2)):
            env["decimal.precision"].create({"name": name, "digits": digits})
        currencies = {}
        for code, full, symbol, position, active in CURRENCIES:
            currencies[code] = s.create(
                "base",
                code,
                "res.currency",
                {
                    "name": code,
                    "full_name": full,
                    "symbol": symbol,
                    "position": position,
                    "active": active,
                    "rounding": 0.01,
                },
            )
        countries = {}
        for xml, name, code, currency, phone in COUNTRIES:
            countries[xml] = s.create(
                "base",
                xml,
                "res.country",
                {
                    "name": name,
                    "code": code,
                    "currency_id": currencies[currency],
                    "phone_code": phone,
                },
            )
        for xml, name in (
            ("product_uom_unit", "Units"),
            ("product_uom_hour", "Hours"),
            ("product_uom_day", "Days"),
        ):
            s.create("uom", xml, "uom.uom", {"name": name})

        company = env["res.company"].create(
            {
                "name": company_name,
                "currency_id": currencies["EUR"],
                "country_id": countries["fr"],
                "vat": "FR23334175221",
                "street": "12 rue de la Paix",
                "zip": "75002",
                "city": "Paris",
                "email": "contact@cn285-demo.example",
            }
        )
        s.ref("base", "main_company", "res.company", company.id)
        s.ref("base", "main_partner", "res.partner", company.raw("partner_id"))
        company["partner_id"].write(
            {
                "street": "12 rue de la Paix",
                "zip": "75002",
                "city": "Paris",
                "company_id": company.id,
            }
        )

        bot = env["res.users"].create(
            {
                "name": "OdooBot",
                "login": "__system__",
                "active": False,
                "share": False,
                "company_id": company.id,
                "email": "odoobot@example.com",
            }
        )
        s.ref("base", "user_root", "res.users", bot.id)
        admin = env["res.users"].create(
            {
                "name": "Administrator",
                "login": ADMIN_LOGIN,
                "password": ADMIN_PASSWORD,
                "company_id": company.id,
                "tz": "Europe/Paris",
                "lang": "en_US",
                "email": "admin@cn285-demo.example",
            }
        )
        assert admin.id == ADMIN_UID, "the admin user must be uid 2, as in Odoo"
        s.ref("base", "user_admin", "res.users", admin.id)
        s.ref("base", "partner_admin", "res.partner", admin.raw("partner_id"))

        accounts = {}
        for code, name, account_type in ACCOUNTS:
            values = {"code": code, "name": name, "account_type": account_type}
            if code in RECONCILED_ACCOUNTS:
                values["reconcile"] = True
            accounts[code] = s.create("l10n_fr", f"1_pcg_{code}", "account.account", values)
        company.write(
            {
                "account_journal_payment_debit_account_id": accounts["512900"],
                "account_journal_payment_credit_account_id": accounts["512901"],
                "account_journal_suspense_account_id": accounts["471000"],
            }
        )

        taxes = {}
        for xml, name, use, amount, included, account in TAXES:
            values: dict[str, Any] = {
                "name": name,
                "type_tax_use": use,
                "amount": amount,
                "amount_type": "percent",
                "description": f"{amount:g}%".replace(".", ","),
                "invoice_repartition_line_ids": _repartition("invoice", accounts[account]),
                "refund_repartition_line_ids": _repartition("refund", accounts[account]),
            }
            if included:
                if db.version >= 18:
                    values["price_include_override"] = "tax_included"
                else:
                    values["price_include"] = True
            taxes[xml] = s.create("l10n_fr", f"1_{xml}", "account.tax", values)
        company.write(
            {
                "account_sale_tax_id": taxes["tva_normale"],
                "account_purchase_tax_id": taxes["tva_acq_normale"],
            }
        )

        for code, payment_type in (("manual", "inbound"), ("manual", "outbound")):
            s.create(
                "account",
                f"account_payment_method_manual_{payment_type[:2]}",
                "account.payment.method",
                {"name": "Manual", "code": code, "payment_type": payment_type},
            )
        for xml, name, code, kind, default, suspense in JOURNALS:
            s.create(
                "account",
                f"1_{xml}",
                "account.journal",
                {
                    "name": name,
                    "code": code,
                    "type": kind,
                    "default_account_id": accounts[default] if default else False,
                    "suspense_account_id": accounts[suspense] if suspense else False,
                },
            )

        categories: dict[str, int] = {}
        for xml, name, parent in CATEGORIES:
            categories[xml] = s.create(
                "product",
                f"product_category_{xml}",
                "product.category",
                {
                    "name": name,
                    "parent_id": categories[parent] if parent else False,
                },
            )
        env["product.category"].browse(categories["all"]).write(
            {
                "property_account_income_categ_id": accounts["706000"],
                "property_account_expense_categ_id": accounts["607000"],
            }
        )
        for xml, name, code, kind, price, tax_names, categ, income in PRODUCTS:
            values = {
                "name": name,
                "default_code": code,
                "list_price": price,
                "categ_id": categories[categ],
                "property_account_income_id": accounts[income],
                "taxes_id": [(6, 0, [taxes[t] for t in tax_names])],
            }
            values.update(_product_type(db.version, kind))
            template = env["product.template"].create(values)
            s.ref("cn285_demo", f"product_template_{xml}", "product.template", template.id)
            s.ref(
                "cn285_demo",
                f"product_{xml}",
                "product.product",
                template.raw("product_variant_ids")[0],
            )
        xml, name, code, price = ARCHIVED_PRODUCT
        template = env["product.template"].create(
            {
                "name": name,
                "default_code": code,
                "list_price": price,
                "active": False,
                "categ_id": categories["services"],
                **_product_type(db.version, "service"),
            }
        )
        s.ref("cn285_demo", f"product_template_{xml}", "product.template", template.id)

        tags = {
            xml: s.create(
                "cn285_demo", f"partner_tag_{xml}", "res.partner.category", {"name": name}
            )
            for xml, name in TAGS
        }
        customers = {}
        for xml, name, is_company, country, vat, city, email, tag_names, active in CUSTOMERS:
            customers[xml] = s.create(
                "cn285_demo",
                f"partner_{xml}",
                "res.partner",
                {
                    "name": name,
                    "is_company": is_company,
                    "country_id": countries[country],
                    "vat": vat,
                    "city": city,
                    "email": email,
                    "active": active,
                    "category_id": [(6, 0, [tags[t] for t in tag_names])],
                    "customer_rank": 1,
                    "lang": "fr_FR" if country in ("fr", "be") else "en_US",
                },
            )
        for xml, name, parent, email in CONTACTS:
            s.create(
                "cn285_demo",
                f"partner_{xml}",
                "res.partner",
                {
                    "name": name,
                    "parent_id": customers[parent],
                    "email": email,
                    "type": "contact",
                },
            )

        for model_name, cls in sorted(db.registry.models.items()):
            env["ir.model"].create(
                {
                    "model": model_name,
                    "name": cls._description or model_name,
                    "transient": cls._transient,
                    "state": "base",
                }
            )
        data = env["ir.model.data"]
        data.create(
            [
                {"module": module, "name": name, "model": model, "res_id": res_id, "noupdate": True}
                for module, name, model, res_id in s.xmlids
            ]
        )
        db.options.setdefault("invoice_in_payment", db.version >= 18)


def _repartition(document_type: str, account_id: int) -> list[Any]:
    return [
        (0, 0, {"document_type": document_type, "repartition_type": "base"}),
        (
            0,
            0,
            {"document_type": document_type, "repartition_type": "tax", "account_id": account_id},
        ),
    ]


def _product_type(version: int, kind: str) -> dict[str, Any]:
    """16/17 say `detailed_type`; 18 says `type` plus `is_storable` for stocked goods."""
    if version >= 18:
        if kind == "product":
            return {"type": "consu", "is_storable": True}
        return {"type": kind}
    return {"detailed_type": kind}

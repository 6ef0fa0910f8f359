"""The Odoo mapping file: validated with the path at fault, and obeyed by the connector."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlmodel import Session

from cn285.connectors.base import connector_for
from cn285.connectors.errors import ConfigurationError
from cn285.hub.store import models
from cn285.hub.sync.service import sync
from cn285.mappings.loader import MappingError
from cn285.mappings.odoo import load
from cn285.sandboxes.odoo import OdooSandbox
from tests.connectors.contract import FAST, bill_scenarios


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("customers:\n  fields:\n    code: {odoo: Ref Code}\n", "customers.fields.code.odoo"),
        ("customers:\n  colour: red\n", "customers.colour: unknown key"),
        ("customers:\n  ownership: {name: nobody}\n", "customers.ownership.name"),
        ("invoices: [1, 2]\n", "invoices:"),
        ("customers: {fields: {phone: {odoo: phone}}}\n", "customers.fields.phone"),
        ("a: [\n", "not valid YAML"),
    ],
)
def test_bad_mapping_files_name_the_path(tmp_path: Path, text: str, error: str):
    path = tmp_path / "mapping.yaml"
    path.write_text(text)
    with pytest.raises(MappingError) as raised:
        load(path)
    assert str(path) in str(raised.value) and error in str(raised.value)


def test_the_default_mapping_loads():
    mapping = load()
    assert mapping.customers.fields["vat_number"].odoo == "vat"
    assert mapping.customers.ownership["email"] == "cn285"


def sandbox_config(sandbox: OdooSandbox, **extra: str) -> dict[str, str]:
    return {
        "url": sandbox.url,
        "database": sandbox.database,
        "login": sandbox.login,
        "password": sandbox.password,
        **extra,
    }


def test_a_custom_mapping_adapts_the_sync_without_code(engine, tmp_path: Path):
    invoices = bill_scenarios(engine, "59-group-invoices.yaml")
    mapping = tmp_path / "my-odoo.yaml"
    mapping.write_text(
        "customers:\n"
        "  fields: {code: {odoo: ref}, name: {odoo: name}, email: {odoo: comment}}\n"
        "  constants: {website: 'https://cn285.example'}\n"
        "invoices:\n"
        "  income_accounts: {HR: '707000', PAYROLL: '707000'}\n"
    )
    with OdooSandbox(version=17) as sandbox:
        connector = connector_for("odoo", sandbox_config(sandbox, mapping=str(mapping)))
        runs = sync(engine, connector, ["customers", "invoices"], policy=FAST)
        assert all(r.status == "completed" for r in runs), runs
        admin = connector.client
        partner = admin.call(
            "res.partner", "search_read", [["ref", "=", "GROUPE"]], fields=["website", "comment"]
        )[0]
        assert partner["website"] == "https://cn285.example"
        with Session(engine) as session:
            number = invoices[0].number
            remote = session.scalars(
                select(models.ExternalBinding.remote_id).where(
                    models.ExternalBinding.local_key == number
                )
            ).one()
        lines = admin.call(
            "account.move.line",
            "search_read",
            [["move_id", "=", int(remote)], ["display_type", "=", "product"]],
            fields=["account_id"],
        )
        accounts = {
            admin.call("account.account", "read", [ln["account_id"][0]], fields=["code"])[0]["code"]
            for ln in lines
        }
        assert accounts == {"707000"}


def test_a_wrong_mapping_or_password_is_a_configuration_error(tmp_path: Path):
    with OdooSandbox(version=17) as sandbox:
        bad = tmp_path / "bad.yaml"
        bad.write_text("items: {code: 12}\n")
        with pytest.raises(ConfigurationError, match=r"items\.code"):
            connector_for("odoo", sandbox_config(sandbox, mapping=str(bad)))
        with pytest.raises(ConfigurationError, match="refused the credentials"):
            connector_for("odoo", {**sandbox_config(sandbox), "password": "wrong"})
        with pytest.raises(ConfigurationError, match=r"connectors\.odoo\.url"):
            connector_for("odoo", {"database": "x", "login": "y", "password": "z"})


@pytest.mark.parametrize("version", [16, 18])
def test_other_odoo_versions_sync_too(engine, version: int):
    invoices = bill_scenarios(engine, "59-group-invoices.yaml")
    with OdooSandbox(version=version) as sandbox:
        connector = connector_for("odoo", sandbox_config(sandbox))
        runs = {
            r.stream: r
            for r in sync(
                engine, connector, ["items", "customers", "invoices", "payments"], policy=FAST
            )
        }
        assert all(r.status == "completed" for r in runs.values()), runs
        assert runs["invoices"].created == len(invoices)


def test_journal_entries_are_posted_once_and_unbalanced_ones_refused():
    from decimal import Decimal

    from cn285.connectors.base import JournalEntry, JournalLine

    balanced = JournalEntry(
        "REVREC-2026-01",
        dt.date(2026, 1, 31),
        (
            JournalLine("487000", "Deferred revenue released", debit=Decimal("101.92")),
            JournalLine("706000", "Revenue January", credit=Decimal("101.92")),
        ),
    )
    unbalanced = JournalEntry(
        "REVREC-BAD",
        dt.date(2026, 1, 31),
        (
            JournalLine("487000", "Deferred", debit=Decimal("10.00")),
            JournalLine("706000", "Revenue", credit=Decimal("9.99")),
        ),
    )
    with OdooSandbox(version=17) as sandbox:
        connector = connector_for("odoo", sandbox_config(sandbox))
        first = connector.push_journal_entries([balanced, unbalanced])
        assert first[0].remote_id is not None and first[0].error is None
        assert first[1].remote_id is None and first[1].error
        again = connector.push_journal_entries([balanced])
        assert again[0].remote_id == first[0].remote_id  # found by reference, not duplicated
        moves = connector.client.call(
            "account.move",
            "search_read",
            [["ref", "=", "REVREC-2026-01"]],
            fields=["state", "amount_total"],
        )
        assert [(m["state"], m["amount_total"]) for m in moves] == [("posted", 101.92)]


def test_invoices_carry_their_currency_and_an_unknown_one_is_refused():
    from decimal import Decimal

    from cn285.connectors.base import CustomerRecord, InvoiceLineRecord, InvoiceRecord

    with OdooSandbox(version=17) as sandbox:
        connector = connector_for("odoo", sandbox_config(sandbox))
        partner = connector.push_customer(CustomerRecord("C1", "Client", "FR"), None)
        line = InvoiceLineRecord(
            "Seat", "SEAT", Decimal(1), Decimal("100.00"), Decimal(20), Decimal("20.00")
        )

        def invoice(number: str, currency: str) -> InvoiceRecord:
            return InvoiceRecord(
                number,
                "invoice",
                partner,
                dt.date(2026, 1, 1),
                currency,
                (line,),
                Decimal("100.00"),
                Decimal("20.00"),
                Decimal("120.00"),
            )

        results = connector.push_invoices([invoice("INV-1", "EUR"), invoice("INV-2", "XOF")])
        by_key = {r.key: r for r in results}
        assert by_key["INV-1"].error is None
        assert "currency XOF is not in Odoo" in (by_key["INV-2"].error or "")
        move = connector.client.call(
            "account.move",
            "read",
            [int(by_key["INV-1"].remote_id)],
            fields=["currency_id", "amount_total"],
        )[0]
        assert move["currency_id"][1] == "EUR" and move["amount_total"] == 120.0


def test_addresses_and_individuals_sync_both_ways(engine):
    import time

    from cn285.billing_core.scenario.schema import CustomerIn
    from cn285.hub.services.catalog import create_customer
    from cn285.hub.store.database import session_scope

    with session_scope(engine) as session:
        create_customer(
            session,
            CustomerIn(
                code="JEAN",
                name="Jean Dupont",
                country="FR",
                email="jean@example.com",
                street="1 rue de la Paix",
                zip="75002",
                city="Paris",
                is_company=False,
            ),
            "ops",
        )
    with OdooSandbox(version=17) as sandbox:
        connector = connector_for("odoo", sandbox_config(sandbox))
        sync(engine, connector, ["customers"], policy=FAST)
        partner = connector.client.call(
            "res.partner",
            "search_read",
            [["ref", "=", "JEAN"]],
            fields=["street", "zip", "city", "is_company", "email"],
        )[0]
        assert (partner["street"], partner["zip"], partner["city"], partner["is_company"]) == (
            "1 rue de la Paix",
            "75002",
            "Paris",
            False,
        )
        time.sleep(1.1)  # Odoo's write_date has a one-second resolution
        connector.client.call(
            "res.partner", "write", [partner["id"]], {"city": "Lyon", "zip": "69001"}
        )
        sync(engine, connector, ["customers"], policy=FAST)
    with Session(engine) as session:
        row = session.scalars(select(models.Customer).where(models.Customer.code == "JEAN")).one()
    assert (row.city, row.zip, row.is_company) == ("Lyon", "69001", False)

"""The catalog kinds (customers, items, price lists): the API's validation rules, real-world
files (semicolons, decimal commas, Windows-1252), idempotency and audited changes."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import select, update
from sqlmodel import Session

from cn285.billing_core.scenario.schema import CustomerIn
from cn285.hub.imports.engine import run_import
from cn285.hub.services import audit, catalog
from cn285.hub.store import models
from cn285.hub.store.database import session_scope


def write(path: Path, *lines: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))
    return path


def customer(engine, code: str) -> models.Customer:
    with Session(engine) as session:
        return session.scalars(select(models.Customer).where(models.Customer.code == code)).one()


def prices(engine) -> dict[tuple[str, str], dict]:
    with Session(engine) as session:
        return {
            (p.price_list_code, p.item_code): p.spec for p in session.scalars(select(models.Price))
        }


def audit_actions(engine, entity: str) -> list[tuple[str, str]]:
    with Session(engine) as session:
        statement = select(models.AuditRecord).where(models.AuditRecord.entity == entity)
        return [(a.entity_key, a.action) for a in session.scalars(statement)]


# -- customers -------------------------------------------------------------------------------


def test_customers_from_a_french_excel_file(engine, tmp_path):
    file = write(
        tmp_path / "clients.csv",
        "code;name;country;vat_number;group_invoices;city;is_company",
        "ACME;Société Générale d'Équipement;fr;FR 40 303 265 045;oui;Saint-Étienne;1",
        "DUPONT;Hélène Dupont;FR;;non;Besançon;0",
        encoding="cp1252",
    )

    result = run_import(engine, "customers", file, mode="recovery")

    assert result.dialect.encoding == "cp1252" and result.dialect.delimiter == ";"
    # "oui" is no boolean: refused with its column, as the API would refuse it
    assert [(line, column) for line, column, _ in result.errors] == [
        (2, "group_invoices"),
        (3, "group_invoices"),
    ]
    fixed = write(
        tmp_path / "clients.csv",
        "code;name;country;vat_number;group_invoices;city;is_company",
        "ACME;Société Générale d'Équipement;fr;FR 40 303 265 045;yes;Saint-Étienne;1",
        "DUPONT;Hélène Dupont;FR;;no;Besançon;0",
        encoding="cp1252",
    )
    assert run_import(engine, "customers", fixed).created == 2
    acme = customer(engine, "ACME")
    assert (acme.name, acme.country, acme.vat_number, acme.city, acme.group_invoices) == (
        "Société Générale d'Équipement",
        "FR",
        "FR40303265045",  # stored compact, as the API stores it
        "Saint-Étienne",
        True,
    )
    assert customer(engine, "DUPONT").is_company is False


def test_customers_are_validated_as_the_api_validates_them(engine, tmp_path):
    file = write(
        tmp_path / "c.csv",
        "code,name,country,vat_number",
        "A,,FR,",  # name required
        "B,Beta,FR,DE136695976",  # a German number for a French customer
        "C,Gamma,F,",
        "D,Delta,DE,DE136695976",
        "D,Delta again,DE,",  # twice in a file
    )

    result = run_import(engine, "customers", file, mode="recovery")

    assert [(line, column) for line, column, _ in result.errors] == [
        (2, "name"),
        (3, "vat_number"),
        (4, "country"),
        (6, "code"),
    ]
    assert "not a VAT number of FR" in result.errors[1][2]
    assert "already on line 5" in result.errors[3][2]


def test_an_imported_customer_is_stored_as_the_api_stores_it(engine, tmp_path):
    file = write(
        tmp_path / "c.csv",
        "code,name,country,vat_number,email,street,zip,city,is_company,group_invoices",
        "IMPORTED,Acme,fr,FR40303265045,a@acme.example,1 rue,75001,Paris,yes,yes",
    )
    run_import(engine, "customers", file)
    data = CustomerIn(
        code="API",
        name="Acme",
        country="fr",
        vat_number="FR40303265045",
        email="a@acme.example",
        street="1 rue",
        zip="75001",
        city="Paris",
        group_invoices=True,
    )
    with session_scope(engine) as session:
        catalog.create_customer(session, data, "import")

    def snapshot(code: str) -> dict:
        row = audit.snapshot(customer(engine, code)) or {}
        return {k: v for k, v in row.items() if k not in ("code", "created_at", "updated_at")}

    assert snapshot("IMPORTED") == snapshot("API")
    with Session(engine) as session:
        events = {(e.key, e.event) for e in session.scalars(select(models.OutboxEvent))}
        trail = {(a.entity_key, a.action) for a in session.scalars(select(models.AuditRecord))}
    assert events == {("IMPORTED", "created"), ("API", "created")}
    assert trail == {("IMPORTED", "create"), ("API", "create")}


def test_absent_columns_keep_stored_values_and_empty_cells_clear_them(engine, tmp_path):
    run_import(
        engine,
        "customers",
        write(
            tmp_path / "a.csv", "code,name,country,email,city", "ACME,Acme,FR,a@acme.example,Lyon"
        ),
    )

    result = run_import(
        engine, "customers", write(tmp_path / "b.csv", "code,name,country,city", "ACME,Acme,FR,")
    )

    assert result.updated == 1
    acme = customer(engine, "ACME")
    assert (acme.email, acme.city) == ("a@acme.example", None)


def test_a_vat_number_spelled_otherwise_is_unchanged(engine, tmp_path):
    header = "code,name,country,vat_number"
    run_import(engine, "customers", write(tmp_path / "a.csv", header, "A,Acme,FR,FR40303265045"))

    again = run_import(
        engine, "customers", write(tmp_path / "b.csv", header, "A,Acme,fr,FR 40303265045")
    )

    assert (again.updated, again.unchanged) == (0, 1)


# -- items -----------------------------------------------------------------------------------


def test_items_are_created_updated_and_left_unchanged(engine, tmp_path):
    header = "code,name,tax_category,active"
    run_import(
        engine,
        "items",
        write(tmp_path / "a.csv", header, "API,API calls,,", "OLD,Old plan,standard,no"),
    )

    result = run_import(
        engine,
        "items",
        write(tmp_path / "b.csv", header, "API,API calls,,yes", "OLD,Old plan,reduced,no"),
    )

    assert (result.created, result.updated, result.unchanged) == (0, 1, 1)
    with Session(engine) as session:
        items = {i.code: (i.tax_category, i.active) for i in session.scalars(select(models.Item))}
    assert items == {"API": ("standard", True), "OLD": ("reduced", False)}
    assert audit_actions(engine, "item") == [
        ("API", "create"),
        ("OLD", "create"),
        ("OLD", "update"),
    ]


def test_an_item_without_a_name_is_refused(engine, tmp_path):
    result = run_import(engine, "items", write(tmp_path / "i.csv", "code,name", "X,"))

    assert result.status == "refused"
    assert result.errors == [(2, "name", "required")]


# -- price lists -----------------------------------------------------------------------------


@pytest.fixture
def items(engine, tmp_path):
    file = write(
        tmp_path / "items.csv", "code,name", "PLATFORM,Platform", "API,API calls", "SMS,SMS"
    )
    run_import(engine, "items", file)


HEADER = "price_list;currency;item;model;price;unit_price;package_size;package_price;rate;expression;tiers"


def test_price_lists_from_a_french_excel_file_with_every_model(engine, tmp_path, items):
    file = write(
        tmp_path / "tarifs.csv",
        HEADER,
        "STANDARD;EUR;PLATFORM;flat;1 490,50;;;;;;",
        "STANDARD;EUR;API;graduated;;;;;;;1000:0,10|5000:0,08:25|:0,05",
        "STANDARD;EUR;SMS;package;;;1000;12,5;;;",
        "VOLUME;EUR;API;volume;;;;;;;100:1,5|:1,2",
        "STAIRS;EUR;API;stairstep;;;;;;;10:100|:250",
        "UNITS;EUR;API;per_unit;;0,012;;;;;",
        "ROYALTY;EUR;API;percentage;;;;;5,5;;",
        "FORMULA;EUR;API;formula;;;;;;max(0, aggregate - 100) * 0.5;",
        encoding="cp1252",
    )

    result = run_import(engine, "price-lists", file, mode="recovery")

    assert (result.dialect.decimal, result.status, result.created) == (",", "imported", 8)
    assert prices(engine) == {
        ("STANDARD", "PLATFORM"): {"model": "flat", "price": "1490.50"},
        ("STANDARD", "API"): {
            "model": "graduated",
            "tiers": [
                {"up_to": "1000", "unit_price": "0.10"},
                {"up_to": "5000", "unit_price": "0.08", "flat_fee": "25"},
                {"up_to": None, "unit_price": "0.05"},
            ],
        },
        ("STANDARD", "SMS"): {"model": "package", "package_size": "1000", "package_price": "12.5"},
        ("VOLUME", "API"): {
            "model": "volume",
            "tiers": [{"up_to": "100", "unit_price": "1.5"}, {"up_to": None, "unit_price": "1.2"}],
        },
        ("STAIRS", "API"): {
            "model": "stairstep",
            "tiers": [{"up_to": "10", "price": "100"}, {"up_to": None, "price": "250"}],
        },
        ("UNITS", "API"): {"model": "per_unit", "unit_price": "0.012"},
        ("ROYALTY", "API"): {"model": "percentage", "rate": "5.5"},
        # an expression keeps the formulas' own syntax (decimal point), whatever the file's
        ("FORMULA", "API"): {"model": "formula", "expression": "max(0, aggregate - 100) * 0.5"},
    }
    with Session(engine) as session:
        lists = {p.code: p.currency for p in session.scalars(select(models.PriceList))}
    assert set(lists.values()) == {"EUR"} and len(lists) == 6


def test_a_formula_price_imports_from_a_comma_file(engine, tmp_path, items):
    file = write(
        tmp_path / "f.csv",
        "price_list,currency,item,model,expression",
        'F,EUR,API,formula,"max(0, aggregate - 100) * 0.5"',
    )

    assert run_import(engine, "price-lists", file).created == 1
    assert prices(engine)[("F", "API")] == {
        "model": "formula",
        "expression": "max(0, aggregate - 100) * 0.5",
    }


def test_price_rows_are_checked_by_the_pricing_models(engine, tmp_path, items):
    file = write(
        tmp_path / "p.csv",
        "price_list,currency,item,model,price,unit_price,tiers",
        "A,EUR,API,flat,,,",  # no price
        "A,EUR,SMS,flat,10,0.5,",  # a column the model does not read
        "A,EUR,PLATFORM,graduated,,,100:0.1|200:0.2",  # the last tier bounded
        "B,EUR,API,volume,,,100-0.1|:0.2",
        "C,EUR,API,magic,,,",
        "D,ZZZ,API,flat,1,,",
        "E,EUR,NOPE,flat,1,,",
        "A,USD,NOPE,flat,1,,",
        "F,EUR,API,flat,1,,",
        "F,EUR,API,flat,2,,",
    )

    result = run_import(engine, "price-lists", file, mode="recovery")

    assert [(line, column) for line, column, _ in result.errors] == [
        (2, "price"),
        (3, "unit_price"),
        (4, "tiers"),
        (5, "tiers"),
        (6, "model"),
        (7, "currency"),
        (8, "item"),
        (9, "item"),  # A is not known yet: no currency clash, but an unknown item
        (11, "item"),
    ]
    messages = {line: message for line, _, message in result.errors}
    assert messages[4] == "tier 2: up_to: the last tier must have no upper bound"
    assert "not used by the flat model" in messages[3]
    assert "unknown pricing model 'magic'" in messages[6]
    assert "already on line 10" in messages[11]


def test_a_price_list_keeps_its_currency_even_across_batches(engine, tmp_path, items):
    file = write(
        tmp_path / "p.csv",
        "price_list,currency,item,model,price",
        "STD,EUR,PLATFORM,flat,10",
        "STD,USD,API,flat,1",
    )

    result = run_import(engine, "price-lists", file, batch_size=1)

    assert result.status == "refused"
    assert result.errors == [(3, "currency", "price list STD is in EUR, not USD")]
    assert prices(engine) == {}


def test_a_price_changes_with_an_audit_record_until_its_list_is_billed(engine, tmp_path, items):
    header = "price_list,currency,item,model,price,unit_price"
    run_import(
        engine,
        "price-lists",
        write(tmp_path / "a.csv", header, "STD,EUR,PLATFORM,flat,10,", "STD,EUR,API,per_unit,,0.1"),
    )

    same = run_import(
        engine,
        "price-lists",
        write(
            tmp_path / "b.csv", header, "STD,EUR,PLATFORM,flat,10.00,", "STD,EUR,API,per_unit,,0.10"
        ),
    )
    assert (same.updated, same.unchanged) == (0, 2)  # 10 and 10.00 are one price

    changed = write(tmp_path / "c.csv", header, "STD,EUR,PLATFORM,flat,12,", "STD,EUR,SMS,flat,1,")
    result = run_import(engine, "price-lists", changed)
    assert (result.created, result.updated) == (1, 1)
    assert prices(engine)[("STD", "PLATFORM")] == {"model": "flat", "price": "12"}
    with Session(engine) as session:
        record = session.scalars(
            select(models.AuditRecord).where(models.AuditRecord.action == "update")
        ).one()
    assert (record.entity, record.entity_key) == ("price", "STD/PLATFORM")
    assert (record.before["price"], record.after["price"]) == ("10", "12")

    _billed_contract_on(engine, "STD")
    refused = run_import(
        engine,
        "price-lists",
        write(tmp_path / "d.csv", header, "STD,EUR,PLATFORM,flat,15,", "STD,EUR,API,per_unit,,0.1"),
    )
    assert refused.status == "refused"
    assert refused.errors[0][:2] == (2, None)
    assert "have been billed" in refused.errors[0][2]
    assert prices(engine)[("STD", "PLATFORM")] == {"model": "flat", "price": "12"}


def _billed_contract_on(engine, price_list: str) -> None:
    with session_scope(engine) as session:
        session.add(models.Customer(code="ACME", name="Acme", country="FR"))
        session.flush()
        session.add(models.Contract(code="K1", customer_code="ACME", price_list_code=price_list))
        session.flush()
        session.execute(
            update(models.Contract)
            .where(models.Contract.code == "K1")
            .values(billed_until=dt.date(2026, 1, 31))
        )

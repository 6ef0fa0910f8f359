"""The contract kinds (headers, lines, actions): created once, unchanged when imported again,
updated with an audit record while nothing is billed, and never rewriting the billed past."""

from __future__ import annotations

import csv
import datetime as dt

import pytest
from sqlalchemy import select
from sqlmodel import Session

from cn285.hub.imports.engine import run_import
from cn285.hub.store import models
from tests.imports.kinds_support import (
    audit_actions,
    batch,
    counts,
    load_catalog,
    rows,
    set_billed_until,
    write_csv,
)

K1 = {"code": "K1", "customer": "ACME", "price_list": "STD", "timezone": ""}
PLATFORM = {
    "contract": "K1",
    "code": "L1",
    "item": "PLATFORM",
    "kind": "recurring",
    "quantity": "2",
    "start": "2026-01-15",
}
API = {"contract": "K1", "code": "L2", "item": "API", "kind": "usage", "start": "2026-01-01"}
ROYALTY = {"contract": "K1", "code": "L3", "item": "ROYALTY", "kind": "cascade", "of": "L2"}


@pytest.fixture
def store(engine):
    load_catalog(engine)
    return engine


@pytest.fixture
def contract(store):
    assert batch(store, "contracts", rows(K1)).errors == []
    return store


@pytest.fixture
def lines(contract):
    assert batch(contract, "contract-lines", rows(PLATFORM, API, ROYALTY)).errors == []
    return contract


def stored_contract(engine, code: str = "K1") -> models.Contract:
    with Session(engine) as session:
        return session.scalars(select(models.Contract).where(models.Contract.code == code)).one()


def stored_lines(engine, code: str = "K1") -> dict[str, models.ContractLine]:
    with Session(engine) as session:
        found = session.scalars(
            select(models.ContractLine).where(models.ContractLine.contract_code == code)
        )
        return {ln.code: ln for ln in found}


def stored_actions(engine) -> list[models.ContractAction]:
    with Session(engine) as session:
        return list(
            session.scalars(select(models.ContractAction).order_by(models.ContractAction.id))
        )


# -- contracts ---------------------------------------------------------------------------


def test_a_contract_without_lines_is_created_once_and_bills_nothing(store):
    first = batch(store, "contracts", rows(K1))
    again = batch(store, "contracts", rows(K1))
    assert counts(first.outcome) == (1, 0, 0)
    assert counts(again.outcome) == (0, 0, 1)
    row = stored_contract(store)
    assert (row.customer_code, row.price_list_code, row.timezone) == ("ACME", "STD", None)
    assert audit_actions(store, "contract", "K1") == ["create"]
    from cn285.hub.services.billing import run_billing

    run_billing(store, dt.date(2026, 3, 1))
    with Session(store) as session:
        assert session.scalars(select(models.Invoice)).all() == []


def test_a_new_contract_is_audited_with_its_stored_state(store):
    """New contracts are written in bulk: the audit record still holds the stored row, as
    the contract service's snapshot of it."""
    from cn285.hub.services import audit

    batch(store, "contracts", rows(K1, {**K1, "code": "K2", "timezone": "Europe/Paris"}))
    with Session(store) as session:
        for code in ("K1", "K2"):
            record = session.scalars(
                select(models.AuditRecord).where(models.AuditRecord.entity_key == code)
            ).one()
            stored = session.scalars(
                select(models.Contract).where(models.Contract.code == code)
            ).one()
            assert (record.actor, record.action, record.before) == ("tester", "create", None)
            expected = audit.snapshot(stored)
            assert expected is not None
            assert record.after == {
                k: v.isoformat() if isinstance(v, dt.datetime) else v for k, v in expected.items()
            }


def test_postgresql_plans_each_lookup_with_its_values(postgres_url):
    """Imports look rows up by the thousand (IN lists) in transactions that grow tables: a
    generic plan, made once while the table was small, scanned every row against every key.
    Every new session of the pool has the setting, and is not left in a transaction."""
    from cn285.hub.store.database import open_engine

    engine = open_engine(postgres_url, migrate=False)
    try:
        with engine.connect() as first, engine.connect() as second:
            for connection in (first, second):
                mode = connection.exec_driver_sql("SHOW plan_cache_mode").scalar()
                assert mode == "force_custom_plan"
                assert connection.connection.driver_connection.autocommit is False
    finally:
        engine.dispose()


def test_a_changed_header_of_an_unbilled_contract_is_updated_and_audited(contract):
    changed = batch(contract, "contracts", rows({**K1, "customer": "BETA", "price_list": "ALT"}))
    assert counts(changed.outcome) == (0, 1, 0)
    row = stored_contract(contract)
    assert (row.customer_code, row.price_list_code, row.version) == ("BETA", "ALT", 1)
    assert audit_actions(contract, "contract", "K1") == ["create", "update"]
    with Session(contract) as session:
        record = session.scalars(
            select(models.AuditRecord).where(models.AuditRecord.action == "update")
        ).one()
    assert record.before["customer_code"] == "ACME"
    assert record.after["customer_code"] == "BETA"


@pytest.mark.parametrize(
    ("change", "column", "advice"),
    [
        ({"customer": "BETA"}, "customer", "change_holder"),
        ({"price_list": "ALT"}, "price_list", "change_price_list"),
        ({"timezone": "Europe/Paris"}, "timezone", "keeps its time zone"),
    ],
)
def test_a_changed_header_of_a_billed_contract_is_refused_with_the_action_to_use(
    contract, change, column, advice
):
    set_billed_until(contract, "K1", dt.date(2026, 1, 31))
    refused = batch(contract, "contracts", rows({**K1, **change}))
    assert refused.columns == [column]
    assert advice in refused.errors[0][2]
    assert "billed up to 2026-01-31" in refused.errors[0][2]
    assert stored_contract(contract).customer_code == "ACME"
    # the same header again is still unchanged, billed or not
    assert counts(batch(contract, "contracts", rows(K1)).outcome) == (0, 0, 1)


def test_a_new_price_list_must_price_every_line_of_the_contract(lines):
    refused = batch(lines, "contracts", rows({**K1, "price_list": "ALT"}))
    assert refused.columns == ["price_list"]
    assert (
        "line L2" in refused.errors[0][2] and "no price in price list ALT" in refused.errors[0][2]
    )


@pytest.mark.parametrize(
    ("row", "column", "message"),
    [
        ({**K1, "customer": "NOBODY"}, "customer", "unknown customer 'NOBODY'"),
        ({**K1, "price_list": "NONE"}, "price_list", "unknown price list 'NONE'"),
        ({**K1, "timezone": "Mars/Olympus"}, "timezone", "unknown time zone"),
        ({**K1, "code": ""}, "code", "required"),
        ({**K1, "code": "K" * 65}, "code", "at most 64"),
    ],
)
def test_bad_headers_are_refused_naming_the_column(store, row, column, message):
    refused = batch(store, "contracts", rows(row))
    assert refused.columns == [column]
    assert message in refused.errors[0][2]
    assert refused.outcome.created == 0


def test_a_contract_twice_in_one_batch_is_refused_on_its_second_line(store):
    refused = batch(store, "contracts", rows(K1, {**K1, "customer": "BETA"}))
    assert refused.errors == [(3, "code", "K1 is also on line 2")]
    assert stored_contract(store).customer_code == "ACME"


def test_a_header_without_the_timezone_column_keeps_the_stored_zone(store):
    batch(store, "contracts", rows({**K1, "timezone": "Europe/Paris"}))
    without = {k: v for k, v in K1.items() if k != "timezone"}
    assert counts(batch(store, "contracts", rows(without)).outcome) == (0, 0, 1)
    assert stored_contract(store).timezone == "Europe/Paris"


# -- contract lines ----------------------------------------------------------------------


def test_lines_are_created_with_the_engines_defaults_and_make_the_contract_due(contract):
    done = batch(contract, "contract-lines", rows(PLATFORM, API, ROYALTY))
    assert counts(done.outcome) == (3, 0, 0)
    found = stored_lines(contract)
    assert found["L1"].quantity == 2 and found["L1"].timing == "advance"
    assert found["L2"].timing == "arrears" and found["L2"].aggregation == "sum"
    assert found["L3"].start == dt.date(2026, 1, 1)  # a cascade starts with its `of` line
    row = stored_contract(contract)
    assert (row.version, row.next_due) == (1, dt.date(2026, 1, 1))  # one change of the batch
    assert audit_actions(contract, "contract", "K1") == ["create", *["line:create"] * 3]


def test_lines_imported_again_are_unchanged(lines):
    again = batch(lines, "contract-lines", rows({**PLATFORM, "quantity": "2.00"}, API, ROYALTY))
    assert counts(again.outcome) == (0, 0, 3)
    assert stored_contract(lines).version == 1


def test_a_changed_line_of_an_unbilled_contract_is_updated_and_audited(lines):
    done = batch(lines, "contract-lines", rows({**PLATFORM, "quantity": "5", "period": "quarter"}))
    assert counts(done.outcome) == (0, 1, 0)
    line = stored_lines(lines)["L1"]
    assert (line.quantity, line.period) == (5, "quarter")
    assert audit_actions(lines, "contract", "K1")[-1] == "line:update"


def test_a_changed_line_of_a_billed_contract_is_refused_naming_the_column(lines):
    set_billed_until(lines, "K1", dt.date(2026, 2, 1))
    refused = batch(lines, "contract-lines", rows({**PLATFORM, "quantity": "5"}))
    assert refused.columns == ["quantity"]
    assert "set_quantity" in refused.errors[0][2]
    refused = batch(lines, "contract-lines", rows({**PLATFORM, "item": "SETUP"}))
    assert refused.columns == ["item"]
    assert stored_lines(lines)["L1"].quantity == 2


def test_a_new_line_of_a_billed_contract_must_start_after_the_billed_past(lines):
    set_billed_until(lines, "K1", dt.date(2026, 2, 1), dt.date(2026, 3, 1))
    setup = {"contract": "K1", "code": "L4", "item": "SETUP", "kind": "one_shot"}
    refused = batch(lines, "contract-lines", rows({**setup, "start": "2026-02-01"}))
    assert refused.columns == ["start"]
    assert "billed up to 2026-02-01" in refused.errors[0][2]
    done = batch(lines, "contract-lines", rows({**setup, "start": "2026-02-02"}))
    assert counts(done.outcome) == (1, 0, 0)
    assert stored_contract(lines).next_due == dt.date(2026, 2, 2)


@pytest.mark.parametrize(
    ("change", "column", "message"),
    [
        ({"contract": "K9"}, "contract", "unknown contract 'K9'"),
        ({"item": "BOOK"}, "item", "no price in price list STD"),
        ({"item": "NOPE"}, "item", "unknown item"),
        ({"kind": "monthly"}, "kind", "'recurring', 'one_shot', 'usage' or 'cascade'"),
        ({"quantity": "-1"}, "quantity", "zero or more"),
        ({"quantity": "1,5"}, "quantity", "decimal comma"),
        ({"start": "15/01/2026"}, "start", "YYYY-MM-DD"),
        ({"start": ""}, "start", "required"),
        ({"end": "2026-01-01"}, "end", "before it starts"),
        ({"period": "week"}, "period", "'month', 'quarter'"),
        ({"billing_period": "month", "period": "quarter"}, "billing_period", "whole number"),
        ({"prorate": "maybe"}, "prorate", "yes or no"),
        ({"aggregation": "sum"}, "aggregation", "only usage lines"),
        ({"of": "L2"}, "of", "only cascade lines"),
        ({"code": ""}, "code", "required"),
    ],
)
def test_bad_lines_are_refused_naming_the_column(contract, change, column, message):
    refused = batch(contract, "contract-lines", rows({**PLATFORM, **change}))
    assert refused.columns == [column]
    assert message in refused.errors[0][2]
    assert stored_lines(contract) == {}


@pytest.mark.parametrize(
    ("line", "column", "message"),
    [
        ({**API, "timing": "advance"}, "timing", "always billed in arrears"),
        (
            {**API, "threshold_quantity": "5", "threshold_amount": "2"},
            "threshold_quantity",
            "either",
        ),
        ({**API, "threshold_amount": "0"}, "threshold_amount", "positive"),
        ({**API, "trigger": "monthly"}, "trigger", "usage_complete"),
        ({**API, "aggregation": "median"}, "aggregation", ""),
        ({**ROYALTY, "of": "L9"}, "of", "unknown line 'L9'"),
        ({**ROYALTY, "of": ""}, "of", "needs `of`"),
    ],
)
def test_usage_and_cascade_rules_are_the_apis(contract, line, column, message):
    refused = batch(contract, "contract-lines", rows(line))
    assert refused.columns == [column]
    assert message in refused.errors[0][2]


def test_a_cascade_may_derive_from_a_line_later_in_the_batch_or_already_stored(contract):
    assert batch(contract, "contract-lines", rows(ROYALTY, API)).errors == []
    other = {**ROYALTY, "code": "L4"}
    assert counts(batch(contract, "contract-lines", rows(other)).outcome) == (1, 0, 0)


def test_a_line_twice_in_one_batch_is_refused_on_its_second_line(contract):
    refused = batch(contract, "contract-lines", rows(PLATFORM, {**PLATFORM, "quantity": "3"}))
    assert refused.errors == [(3, "code", "K1/L1 is also on line 2")]


def test_a_column_the_file_does_not_have_keeps_the_stored_value(lines):
    batch(lines, "contract-lines", rows({**PLATFORM, "period": "quarter"}))
    assert "period" not in PLATFORM
    assert counts(batch(lines, "contract-lines", rows(PLATFORM)).outcome) == (0, 0, 1)
    assert stored_lines(lines)["L1"].period == "quarter"
    # an empty cell is the default
    assert counts(batch(lines, "contract-lines", rows({**PLATFORM, "period": ""})).outcome) == (
        0,
        1,
        0,
    )
    assert stored_lines(lines)["L1"].period == "month"


# -- actions -----------------------------------------------------------------------------

PAUSE = {"reference": "A1", "contract": "K1", "kind": "pause", "on": "2026-03-01"}
UPSELL = {
    "reference": "A2",
    "contract": "K1",
    "line": "L1",
    "kind": "set_quantity",
    "on": "2026-04-01",
    "quantity": "3",
}
DISCOUNT = {
    "reference": "A3",
    "contract": "K1",
    "line": "K1/L1",
    "kind": "discount",
    "from": "2026-02-01",
    "to": "2026-02-14",
    "percent": "10",
}


def test_actions_are_added_through_the_contract_service_once(lines):
    first = batch(lines, "actions", rows(PAUSE, UPSELL, DISCOUNT))
    assert counts(first.outcome) == (3, 0, 0)
    again = batch(lines, "actions", rows(PAUSE, {**UPSELL, "quantity": "3.0"}, DISCOUNT))
    assert counts(again.outcome) == (0, 0, 3)
    found = stored_actions(lines)
    assert [(a.kind, a.contract_code, a.line_ref) for a in found] == [
        ("pause", "K1", None),
        ("set_quantity", "K1", "K1/L1"),
        ("discount", "K1", "K1/L1"),
    ]
    assert [a.data["import_reference"] for a in found] == ["A1", "A2", "A3"]
    assert found[2].data["to"] == "2026-02-14"
    assert audit_actions(lines, "contract", "K1")[-3:] == [
        "action:pause",
        "action:set_quantity",
        "action:discount",
    ]


def test_an_action_is_immutable_its_reference_with_other_content_is_refused(lines):
    batch(lines, "actions", rows(PAUSE, UPSELL))
    refused = batch(
        lines, "actions", rows({**PAUSE, "on": "2026-03-02"}, {**UPSELL, "quantity": "4"})
    )
    assert refused.columns == ["on", "quantity"]
    assert "never changes" in refused.errors[0][2]
    assert len(stored_actions(lines)) == 2


def test_the_same_reference_on_another_contract_is_another_action(lines):
    batch(lines, "contracts", rows({**K1, "code": "K2"}))
    done = batch(lines, "actions", rows(PAUSE, {**PAUSE, "contract": "K2"}))
    assert counts(done.outcome) == (2, 0, 0)


def test_an_action_in_the_billed_past_is_refused_but_an_imported_one_stays_unchanged(lines):
    batch(lines, "actions", rows(PAUSE))
    set_billed_until(lines, "K1", dt.date(2026, 3, 31))
    assert counts(batch(lines, "actions", rows(PAUSE)).outcome) == (0, 0, 1)
    refused = batch(lines, "actions", rows({**UPSELL, "on": "2026-03-31"}, {**DISCOUNT}))
    assert refused.columns == ["on", "on"]
    assert "billed up to 2026-03-31" in refused.errors[0][2]
    assert "give the day" in refused.errors[1][2]


def test_a_transfer_names_its_contract_in_to_contract(lines):
    batch(lines, "contracts", rows({**K1, "code": "K2"}))
    transfer = {
        "reference": "T1",
        "contract": "K1",
        "line": "L1",
        "kind": "transfer",
        "on": "2026-05-01",
        "to_contract": "K2",
    }
    assert counts(batch(lines, "actions", rows(transfer)).outcome) == (1, 0, 0)
    assert stored_actions(lines)[0].data["to"] == "K2"
    refused = batch(lines, "actions", rows({**transfer, "reference": "T2", "to_contract": "K9"}))
    assert refused.errors[0][1:] == ("to_contract", "unknown contract 'K9'")


@pytest.mark.parametrize(
    ("row", "column", "message"),
    [
        ({**PAUSE, "reference": ""}, "reference", "required"),
        ({**PAUSE, "contract": "K9"}, "contract", "unknown contract 'K9'"),
        ({**PAUSE, "kind": "stop"}, "kind", "'pause', 'resume'"),
        ({**PAUSE, "on": ""}, None, "pause needs `on`"),
        ({**UPSELL, "line": ""}, "line", "set_quantity applies to a line"),
        ({**UPSELL, "line": "L9"}, "line", "unknown line 'K1/L9'"),
        ({**UPSELL, "line": "K2/L1"}, "line", "not a line of contract K1"),
        ({**UPSELL, "quantity": "-2"}, "quantity", "zero or more"),
        ({**PAUSE, "quantity": "2"}, "quantity", "not used by pause"),
        ({**DISCOUNT, "percent": "120"}, "percent", "between 0 and 100"),
        ({**DISCOUNT, "to": "2026-01-01"}, "to", "before it starts"),
        ({**DISCOUNT, "to_contract": "K1"}, "to_contract", "only a transfer"),
        ({**PAUSE, "notice": "soon", "kind": "terminate"}, "notice", ""),
        ({**PAUSE, "kind": "change_holder", "customer": "NOBODY"}, "customer", "unknown customer"),
        ({**PAUSE, "kind": "change_price_list", "price_list": "X"}, "price_list", "unknown price"),
    ],
)
def test_bad_actions_are_refused_naming_the_column(lines, row, column, message):
    refused = batch(lines, "actions", rows(row))
    assert refused.columns == [column]
    assert message in refused.errors[0][2]
    assert stored_actions(lines) == []


def test_a_reference_twice_in_one_batch_is_refused_on_its_second_line(lines):
    refused = batch(lines, "actions", rows(PAUSE, {**PAUSE, "on": "2026-03-05"}))
    assert refused.errors == [(3, "reference", "'A1' is also on line 2")]


# -- files -------------------------------------------------------------------------------

LINE_HEADER = ["contract", "code", "item", "kind", "quantity", "start", "of"]


def test_a_lines_file_is_all_or_nothing_in_strict_and_rejects_rows_in_recovery(contract, tmp_path):
    records = [PLATFORM, {**API, "item": "BOOK"}, ROYALTY]
    file = write_csv(tmp_path / "lines.csv", LINE_HEADER, records)
    strict = run_import(contract, "contract-lines", file, mode="strict")
    assert (strict.status, strict.rejected) == ("refused", 2)
    assert [e[:2] for e in strict.errors] == [(3, "item"), (4, "of")]
    assert stored_lines(contract) == {}
    recovery = run_import(contract, "contract-lines", file, mode="recovery", batch_size=1)
    assert (recovery.status, recovery.created, recovery.rejected) == ("partial", 1, 2)
    with recovery.rejects.open(encoding="utf-8", newline="") as stream:
        rejected = list(csv.DictReader(stream))
    rejected[0]["item"] = "API"
    fixed = write_csv(tmp_path / "fixed.csv", [*LINE_HEADER, "error"], rejected)
    again = run_import(contract, "contract-lines", fixed, mode="strict", batch_size=1)
    assert (again.status, again.created) == ("imported", 2)
    assert sorted(stored_lines(contract)) == ["L1", "L2", "L3"]

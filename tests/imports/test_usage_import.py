"""Importing usage records: the usage API's rules row by row, records stored exactly as the
API stores them, idempotent re-imports, and the store changing under an import; on SQLite
and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text, update
from sqlmodel import Session

from cn285.hub.imports.dialect import detect
from cn285.hub.imports.engine import run_import
from cn285.hub.imports.kinds import kind
from cn285.hub.imports.model import Checked
from cn285.hub.imports.reader import open_rows
from cn285.hub.imports.values import make_values
from cn285.hub.services import usage
from cn285.hub.services.billing import run_billing
from cn285.hub.services.errors import Conflict, Invalid
from cn285.hub.services.sample import populate
from cn285.hub.store import models
from cn285.hub.store.database import session_scope

UTC = dt.UTC
HEADER = "line,id,at,end,quantity,properties"


@pytest.fixture
def store(engine):
    """Four contracts K0000000…K0000003, each with a usage line L2 (sum) starting on
    1, 2, 3 and 4 January 2026, a recurring line L1 and a cascade L3."""
    populate(engine, 4, usage_months=0)
    return engine


def write(folder: Path, *lines: str, encoding: str = "utf-8", name: str = "usage.csv") -> Path:
    path = folder / name
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))
    return path


def checked(engine, path: Path) -> Checked:
    """The usage kind's verdict on the whole file, as one batch."""
    dialect = detect(path)
    _, rows = open_rows(path, dialect)
    with Session(engine) as session:
        return kind("usage").check(session, list(rows), make_values(dialect))


def stored(engine) -> dict[tuple[str, str], tuple[Any, ...]]:
    with Session(engine) as session:
        return {
            (r.line_ref, r.client_id): (r.at, r.end, r.quantity, r.properties)
            for r in session.scalars(select(models.UsageRecord))
        }


def set_line(engine, ref: str, **values: Any) -> None:
    contract, code = ref.split("/")
    with session_scope(engine) as session:
        session.execute(
            update(models.ContractLine)
            .where(models.ContractLine.contract_code == contract)  # type: ignore[arg-type]
            .where(models.ContractLine.code == code)  # type: ignore[arg-type]
            .values(**values)
        )


def bill_january(engine) -> None:
    """Usage on K0000000/L2 in January, and a billing run that invoices it."""
    record = {"line": "K0000000/L2", "id": "api", "at": "2026-01-10T00:00:00Z", "quantity": "5"}
    with session_scope(engine) as session:
        usage.ingest(session, [record])
    run_billing(engine, dt.date(2026, 2, 1))


def versions(engine) -> dict[str, int]:
    with Session(engine) as session:
        return dict(session.execute(select(models.Contract.code, models.Contract.version)).all())


def test_a_file_of_usage_is_stored_once_and_importing_it_again_changes_nothing(store, tmp_path):
    path = write(
        tmp_path,
        "line,id,at,quantity",
        "K0000000/L2,e1,2026-01-20T10:00:00Z,700",
        "K0000000/L2,e2,2026-01-31T23:59:59+01:00,12.5",
        "K0000001/L2,e1,2026-01-20 08:00,3",
    )
    before = versions(store)
    result = run_import(store, "usage", path)
    assert (result.status, result.created, result.unchanged) == ("imported", 3, 0)
    assert stored(store) == {
        ("K0000000/L2", "e1"): (dt.datetime(2026, 1, 20, 10, tzinfo=UTC), None, Decimal(700), None),
        ("K0000000/L2", "e2"): (
            dt.datetime(2026, 1, 31, 22, 59, 59, tzinfo=UTC),
            None,
            Decimal("12.5"),
            None,
        ),
        ("K0000001/L2", "e1"): (dt.datetime(2026, 1, 20, 8, tzinfo=UTC), None, Decimal(3), None),
    }
    after = versions(store)
    assert after["K0000000"] > before["K0000000"] and after["K0000002"] == before["K0000002"]
    again = run_import(store, "usage", path)
    assert (again.status, again.created, again.unchanged) == ("imported", 0, 3)
    assert len(stored(store)) == 3


def test_a_french_spreadsheet_file_is_read_in_the_contract_time_zone(store, tmp_path):
    with session_scope(store) as session:
        session.execute(
            update(models.Contract)
            .where(models.Contract.code == "K0000001")  # type: ignore[arg-type]
            .values(timezone="Europe/Paris")
        )
    path = write(
        tmp_path,
        "Line;Id;At;Quantity;Properties",
        'K0000001/L2;é-1;20/01/2026 10:30;12,5;"{""site"": ""Orléans""}"',
        "K0000001/L2;é-2;20/07/2026 10:30:15;1 500,25;",
        encoding="cp1252",
    )
    assert detect(path).delimiter == ";" and detect(path).encoding == "cp1252"
    result = run_import(store, "usage", path)
    assert (result.status, result.created) == ("imported", 2), result.errors
    assert stored(store) == {
        ("K0000001/L2", "é-1"): (
            dt.datetime(2026, 1, 20, 9, 30, tzinfo=UTC),
            None,
            Decimal("12.5"),
            {"site": "Orléans"},
        ),
        ("K0000001/L2", "é-2"): (
            dt.datetime(2026, 7, 20, 8, 30, 15, tzinfo=UTC),
            None,
            Decimal("1500.25"),
            None,
        ),
    }


def api_problem(engine, record: dict[str, Any]) -> tuple[str, str]:
    """What the usage API says of `record`: (field, message)."""
    with Session(engine) as session:
        with pytest.raises(Invalid) as caught:
            usage.ingest(session, [record])
        session.rollback()
    path, message = caught.value.problems[0]
    return path.split(".", 1)[1], message


@pytest.mark.parametrize(
    ("cells", "record", "column"),
    [
        (
            "K9999999/L2,x,2026-01-20T10:00:00Z,,1,",
            {"line": "K9999999/L2", "id": "x", "at": "2026-01-20T10:00:00Z", "quantity": "1"},
            "line",
        ),
        (
            "K0000000/L1,x,2026-01-20T10:00:00Z,,1,",
            {"line": "K0000000/L1", "id": "x", "at": "2026-01-20T10:00:00Z", "quantity": "1"},
            "line",
        ),
        (
            "K0000000/L2,x,2026-01-20T10:00:00Z,,,",
            {"line": "K0000000/L2", "id": "x", "at": "2026-01-20T10:00:00Z"},
            "quantity",
        ),
        (
            "K0000003/L2,x,2026-01-03T10:00:00Z,,1,",
            {"line": "K0000003/L2", "id": "x", "at": "2026-01-03T10:00:00Z", "quantity": "1"},
            "at",
        ),
        (
            "K0000000/L2,x,2026-01-20T10:00:00Z,2026-01-20T11:00:00Z,1,",
            {
                "line": "K0000000/L2",
                "id": "x",
                "at": "2026-01-20T10:00:00Z",
                "end": "2026-01-20T11:00:00Z",
                "quantity": "1",
            },
            "end",
        ),
    ],
)
def test_each_rule_of_the_usage_api_refuses_the_row_with_the_api_message(
    store, tmp_path, cells, record, column
):
    verdict = checked(store, write(tmp_path, HEADER, cells))
    assert not verdict.accepted
    ((row, error),) = verdict.refused
    assert (row.line, error.column) == (2, column)
    assert error.message == api_problem(store, record)[1]


def test_usage_in_an_invoiced_period_is_refused_as_the_api_refuses_it(store, tmp_path):
    bill_january(store)
    with Session(store) as session:
        through = usage.billed_through(session, ["K0000000/L2"])["K0000000/L2"]
    day = through.isoformat()
    verdict = checked(store, write(tmp_path, HEADER, f"K0000000/L2,late,{day}T12:00:00Z,,1,"))
    ((_, error),) = verdict.refused
    record = {"line": "K0000000/L2", "id": "late", "at": f"{day}T12:00:00Z", "quantity": "1"}
    assert error.column == "at" and "already invoiced" in error.message
    assert error.message == api_problem(store, record)[1]


def test_duration_and_distinct_lines_need_what_their_aggregation_counts(store, tmp_path):
    set_line(store, "K0000001/L2", aggregation="duration:hour")
    set_line(store, "K0000002/L2", aggregation="distinct:user")
    path = write(
        tmp_path,
        HEADER,
        "K0000001/L2,s1,2026-01-20T10:00:00Z,2026-01-20T11:30:00Z,,",  # 2: a session
        "K0000001/L2,s2,2026-01-20T10:00:00Z,,,",  # 3: no end
        "K0000001/L2,s3,2026-01-20T10:00:00Z,2026-01-20T09:00:00Z,,",  # 4: ends before
        'K0000002/L2,d1,2026-01-20T10:00:00Z,,,"{""user"": ""u1""}"',  # 5: a user
        "K0000002/L2,d2,2026-01-20T10:00:00Z,,,",  # 6: no user
        'K0000002/L2,d3,2026-01-20T10:00:00Z,,,"{""name"": ""u1""}"',  # 7: no user either
        "K0000002/L2,d4,2026-01-20T10:00:00Z,,,{user: u1}",  # 8: not JSON
        'K0000002/L2,d5,2026-01-20T10:00:00Z,,,"[""u1""]"',  # 9: not an object
        "K0000002/L2,d6,2026-01-20T10:00:00Z,,,NaN",  # 10: not a number either
    )
    verdict = checked(store, path)
    assert [row.line for row, _ in verdict.accepted] == [2, 5]
    assert {row.line: (e.column, e.message) for row, e in verdict.refused} == {
        3: ("end", "required: K0000001/L2 counts time, give the end of the session"),
        4: ("end", "a session cannot end before it starts"),
        6: ("properties", "needs property 'user'"),
        7: ("properties", "needs property 'user'"),
        8: ("properties", "'{user: u1}' is not JSON"),
        9: ("properties", '\'["u1"]\': write a JSON object, as {"user": "u1"}'),
        10: ("properties", "'NaN' is not JSON"),
    }
    run_import(store, "usage", path, mode="recovery", rejects=tmp_path / "rejects.csv")
    assert stored(store) == {
        ("K0000001/L2", "s1"): (
            dt.datetime(2026, 1, 20, 10, tzinfo=UTC),
            dt.datetime(2026, 1, 20, 11, 30, tzinfo=UTC),
            None,
            None,
        ),
        ("K0000002/L2", "d1"): (
            dt.datetime(2026, 1, 20, 10, tzinfo=UTC),
            None,
            None,
            {"user": "u1"},
        ),
    }


@pytest.mark.parametrize(
    ("cells", "column", "message"),
    [
        ("K0000000/L2,,2026-01-20T10:00:00Z,,1,", "id", "required"),
        (
            f"K0000000/L2,{'i' * 129},2026-01-20T10:00:00Z,,1,",
            "id",
            "129 characters, more than 128",
        ),
        (",x,2026-01-20T10:00:00Z,,1,", "line", "required"),
        ("K0000000/L2,x,,,1,", "at", "required"),
        ("K0000000/L2,x,20/01/2026,,1,", "at", "'20/01/2026' is not an instant such as"),
        ("K0000000/L2,x,2026-01-20T10:00:00Z,,1.234.5,", "quantity", "'1.234.5' is not a decimal"),
    ],
)
def test_the_file_values_are_checked_before_the_rules(store, tmp_path, cells, column, message):
    ((_, error),) = checked(store, write(tmp_path, HEADER, cells)).refused
    assert error.column == column and error.message.startswith(message)


def test_the_same_record_twice_in_a_file_is_stored_once(store, tmp_path):
    row = "K0000000/L2,e1,2026-01-20T10:00:00Z,,5,"
    result = run_import(store, "usage", write(tmp_path, HEADER, row, row))
    assert (result.created, result.unchanged) == (1, 1)


def test_a_threshold_line_makes_its_contract_due_on_the_first_new_day(store, tmp_path):
    set_line(store, "K0000001/L2", threshold_quantity=Decimal(1000))
    path = write(
        tmp_path,
        HEADER,
        "K0000001/L2,e1,2026-03-20T10:00:00Z,,5,",
        "K0000001/L2,e2,2026-03-05T10:00:00Z,,5,",
        "K0000000/L2,e1,2026-03-01T10:00:00Z,,5,",
    )
    with Session(store) as session:
        due = dict(session.execute(select(models.Contract.code, models.Contract.next_due)).all())
    run_import(store, "usage", path)
    with Session(store) as session:
        after = dict(session.execute(select(models.Contract.code, models.Contract.next_due)).all())
    assert after["K0000001"] == min(d for d in (due["K0000001"], dt.date(2026, 3, 5)) if d)
    assert after["K0000000"] == due["K0000000"]  # not a threshold line


def test_batches_in_one_transaction_lock_each_contract_once(store, tmp_path):
    path = write(
        tmp_path,
        HEADER,
        *(f"K0000000/L2,e{n},2026-01-20T10:00:00Z,,1," for n in range(6)),
    )
    before = versions(store)
    importer = kind("usage")
    dialect = detect(path)
    _, rows = open_rows(path, dialect)
    every = list(rows)
    with session_scope(store) as session:
        for batch in (every[:2], every[2:4], every[4:]):
            verdict = importer.check(session, batch, make_values(dialect))
            importer.write(session, [record for _, record in verdict.accepted], "test")
    assert versions(store)["K0000000"] == before["K0000000"] + 1
    assert len(stored(store)) == 6


def test_a_period_invoiced_between_check_and_write_stops_the_batch(store, tmp_path):
    path = write(tmp_path, HEADER, "K0000000/L2,e1,2026-01-20T10:00:00Z,,5,")
    dialect = detect(path)
    _, rows = open_rows(path, dialect)
    importer = kind("usage")
    with Session(store) as session:
        verdict = importer.check(session, list(rows), make_values(dialect))
        assert verdict.accepted
        bill_january(store)  # a billing run commits January's invoice meanwhile
        with pytest.raises(Conflict, match="invoiced during the import"):
            importer.write(session, [record for _, record in verdict.accepted], "test")
        session.rollback()
    assert set(stored(store)) == {("K0000000/L2", "api")}


NASTY = ["tab\there", "back\\slash", 'quote"d', "new\nline", "crlf\r\nline", "Zoë €", "\\N"]


def test_records_are_stored_exactly_as_the_usage_api_stores_them(store, tmp_path):
    """The SQLite insert and the PostgreSQL COPY write what `insert_records` writes."""
    set_line(store, "K0000001/L2", aggregation="duration:minute")
    records = []
    for n, nasty in enumerate(NASTY):
        properties = {"note": nasty, "n": n, "nested": {"list": [1, "two", None]}}
        records.append(("K0000000/L2", nasty, "2026-01-20T10:00:00.123456+05:30", None, "12.50"))
        records.append(("K0000001/L2", f"s{n}", "2026-01-21T10:00:00Z", "2026-01-21T11:00:00Z", ""))
        records[-2] = (*records[-2], properties)
        records[-1] = (*records[-1], None)
    lines = [HEADER]
    api = []
    for line, ident, at, end, quantity, properties in records:
        cells = [
            line,
            f"csv-{ident}",
            at,
            end or "",
            quantity,
            json.dumps(properties) if properties else "",
        ]
        lines.append(",".join('"' + c.replace('"', '""') + '"' for c in cells))
        record = {
            "line": line,
            "id": f"api-{ident}",
            "properties": properties,
            "quantity": quantity or None,
        }
        record |= {"start": at, "end": end} if end else {"at": at}
        api.append({k: v for k, v in record.items() if v is not None})
    result = run_import(store, "usage", write(tmp_path, *lines))
    assert (result.status, result.created) == ("imported", len(records)), result.errors
    with session_scope(store) as session:
        usage.ingest(session, api)
    with Session(store) as session:
        raw = session.execute(
            text('SELECT client_id, line_ref, at, "end", quantity, properties FROM usage_record')
        ).all()
    by_source: dict[str, dict[str, tuple[Any, ...]]] = {"csv": {}, "api": {}}
    for client_id, *columns in raw:
        source, ident = client_id.split("-", 1)
        by_source[source][ident] = tuple(columns)
    assert set(by_source["csv"]) == {ident for _, ident, *_ in records}
    assert by_source["csv"] == by_source["api"]


def test_strict_imports_nothing_when_a_row_is_wrong_and_recovery_the_good_rows(store, tmp_path):
    path = write(
        tmp_path,
        HEADER,
        "K0000000/L2,e1,2026-01-20T10:00:00Z,,5,",
        "K0000000/L1,e2,2026-01-20T10:00:00Z,,5,",
        "K0000001/L2,e3,2026-01-20T10:00:00Z,,5,",
    )
    strict = run_import(store, "usage", path)
    assert (strict.status, strict.errors) == (
        "refused",
        [(3, "line", "K0000000/L1 is a recurring line, not a usage line")],
    )
    assert stored(store) == {}
    rejects = tmp_path / "rejects.csv"
    recovery = run_import(store, "usage", path, mode="recovery", rejects=rejects)
    assert (recovery.status, recovery.created, recovery.rejected) == ("partial", 2, 1)
    assert set(stored(store)) == {("K0000000/L2", "e1"), ("K0000001/L2", "e3")}
    assert "K0000000/L1,e2" in rejects.read_text() and "recurring line" in rejects.read_text()


def test_usage_is_checked_against_lines_and_zones_changed_since_the_last_import(store, tmp_path):
    """The rules of a line are cached per process: an import that changes a line (its
    aggregation) or its contract's time zone must be seen by the next usage import."""
    naive = write(tmp_path, HEADER, "K0000000/L2,n1,2026-02-01T00:30:00,,5,", name="n.csv")
    first = run_import(store, "usage", naive, dry_run=True)
    assert first.status == "checked"  # fills the cache: L2 sums, the company's zone (UTC)

    headers = tmp_path / "contracts.csv"
    headers.write_text(
        "code,customer,price_list,timezone\r\nK0000000,C0000000,STD,America/New_York\r\n",
        encoding="utf-8",
    )
    assert run_import(store, "contracts", headers).updated == 1
    lines = tmp_path / "lines.csv"
    with Session(store) as session:
        line = session.scalars(
            select(models.ContractLine).where(models.ContractLine.contract_code == "K0000001")
        ).all()
    l2 = next(ln for ln in line if ln.code == "L2")
    lines.write_text(
        "contract,code,item,kind,start,aggregation\r\n"
        f"K0000001,L2,{l2.item_code},usage,{l2.start},distinct:user\r\n",
        encoding="utf-8",
    )
    assert run_import(store, "contract-lines", lines).updated == 1

    run_import(store, "usage", naive)
    with Session(store) as session:
        at = session.scalars(select(models.UsageRecord.at)).one()
    assert at == dt.datetime(2026, 2, 1, 5, 30, tzinfo=UTC)  # 00:30 in New York, not UTC
    distinct = write(tmp_path, HEADER, "K0000001/L2,d1,2026-02-01T10:00:00Z,,1,", name="d.csv")
    refused = run_import(store, "usage", distinct)
    assert refused.status == "refused"
    assert refused.errors == [(2, "properties", "needs property 'user'")]

"""The import engine: strict, recovery and dry runs, rejects files, idempotency, crashes,
groups and rows that depend on earlier rows of the same file; on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import pytest
from sqlalchemy import select
from sqlmodel import Session

from cn285.billing_core.scenario.schema import CustomerIn
from cn285.hub.imports import engine as import_engine
from cn285.hub.imports import kinds, reader
from cn285.hub.imports.dialect import ImportFileError
from cn285.hub.imports.engine import run_import
from cn285.hub.imports.kinds.customers import CustomersKind
from cn285.hub.imports.model import Checked, Column, Outcome, Row, RowError, Values
from cn285.hub.services import catalog
from cn285.hub.store import models

HEADER = "code,name,country,vat_number,email"


def write(path: Path, *lines: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))
    return path


def many(count: int, start: int = 1) -> list[str]:
    return [f"C{n:04d},Customer {n},FR,,c{n}@example.com" for n in range(start, start + count)]


def stored_customers(engine) -> dict[str, tuple[Any, ...]]:
    with Session(engine) as session:
        return {
            c.code: (c.name, c.country, c.vat_number, c.email)
            for c in session.scalars(select(models.Customer))
        }


def audit_trail(engine) -> Counter[tuple[str, str, str]]:
    with Session(engine) as session:
        return Counter(
            (a.entity, a.entity_key, a.action) for a in session.scalars(select(models.AuditRecord))
        )


def outbox(engine) -> Counter[tuple[str, str, str]]:
    with Session(engine) as session:
        return Counter(
            (e.entity, e.key, e.event) for e in session.scalars(select(models.OutboxEvent))
        )


def read_csv(path: Path, encoding: str = "utf-8", delimiter: str = ",") -> list[list[str]]:
    with path.open(encoding=encoding, newline="") as stream:
        return list(csv.reader(stream, delimiter=delimiter))


BAD = [
    "ACME,Acme SAS,FR,FR40303265045,billing@acme.example",
    "WRONG,Wrong country,FRA,,",
    "BETA,Beta GmbH,DE,,",
    "NOVAT,Bad VAT,FR,FR123,",
]


def test_strict_with_bad_rows_imports_nothing_and_reports_every_error(engine, tmp_path):
    file = write(tmp_path / "customers.csv", HEADER, *BAD)

    result = run_import(engine, "customers", file)

    assert result.status == "refused"
    assert (result.rows, result.rejected, result.created) == (4, 2, 0)
    assert [(line, column) for line, column, _ in result.errors] == [
        (3, "country"),
        (5, "vat_number"),
    ]
    assert "FR123" in result.errors[1][2]
    assert stored_customers(engine) == {}
    assert audit_trail(engine) == Counter() and outbox(engine) == Counter()
    assert result.rejects is None  # not asked for


def test_strict_writes_the_rejects_file_when_asked(engine, tmp_path):
    file = write(tmp_path / "customers.csv", HEADER, *BAD)

    result = run_import(engine, "customers", file, rejects=tmp_path / "bad.csv")

    assert result.rejects == tmp_path / "bad.csv"
    assert [r[0] for r in read_csv(result.rejects)[1:]] == ["WRONG", "NOVAT"]


def test_recovery_imports_good_rows_and_the_corrected_rejects_file_imports_as_is(engine, tmp_path):
    file = write(tmp_path / "customers.csv", HEADER, *BAD)

    result = run_import(engine, "customers", file, mode="recovery")

    assert result.status == "partial"
    assert (result.created, result.rejected) == (2, 2)
    assert set(stored_customers(engine)) == {"ACME", "BETA"}
    assert result.rejects == tmp_path / "customers.rejects.csv"
    rows = read_csv(result.rejects)
    assert rows[0] == ["code", "name", "country", "vat_number", "email", "error"]
    assert rows[1][:5] == ["WRONG", "Wrong country", "FRA", "", ""]
    assert rows[1][5].startswith("line 3: country: ")
    assert rows[2][5].startswith("line 5: vat_number: 'FR123' is not a valid EU VAT number")

    corrected = [rows[0], [*rows[1][:2], "FR", *rows[1][3:]], [*rows[2][:3], "", *rows[2][4:]]]
    with result.rejects.open("w", newline="") as stream:
        csv.writer(stream).writerows(corrected)
    again = run_import(engine, "customers", result.rejects, mode="recovery")

    assert again.status == "imported" and (again.created, again.rejected) == (2, 0)
    assert again.rejects is None
    assert set(stored_customers(engine)) == {"ACME", "BETA", "WRONG", "NOVAT"}


@pytest.mark.parametrize("mode", ["strict", "recovery"])
def test_dry_run_writes_nothing_and_says_what_it_would_do(engine, tmp_path, mode):
    run_import(engine, "customers", write(tmp_path / "first.csv", HEADER, BAD[0]))
    before = (stored_customers(engine), audit_trail(engine), outbox(engine))
    file = write(
        tmp_path / "customers.csv",
        HEADER,
        "ACME,Acme Industries,FR,FR40303265045,billing@acme.example",
        *BAD[1:],
    )

    result = run_import(engine, "customers", file, mode=mode, dry_run=True)

    assert result.status == "invalid" and result.dry_run
    assert (result.created, result.updated, result.rejected) == (1, 1, 2)
    assert [line for line, _, _ in result.errors] == [3, 5]
    assert (stored_customers(engine), audit_trail(engine), outbox(engine)) == before
    assert not (tmp_path / "customers.rejects.csv").exists()


def test_importing_the_same_file_again_changes_nothing(engine, tmp_path):
    file = write(tmp_path / "customers.csv", HEADER, *many(12))
    first = run_import(engine, "customers", file, batch_size=5)
    state = (stored_customers(engine), audit_trail(engine), outbox(engine))

    second = run_import(engine, "customers", file, batch_size=5)

    assert (first.created, first.unchanged) == (12, 0)
    assert (second.status, second.created, second.updated, second.unchanged) == (
        "imported",
        0,
        0,
        12,
    )
    assert (stored_customers(engine), audit_trail(engine), outbox(engine)) == state


def test_a_changed_row_updates_its_record_with_an_audit_record(engine, tmp_path):
    run_import(engine, "customers", write(tmp_path / "a.csv", HEADER, *many(3)))
    changed = many(3)
    changed[1] = "C0002,Customer Two Renamed,BE,,two@example.com"

    result = run_import(engine, "customers", write(tmp_path / "b.csv", HEADER, *changed))

    assert (result.created, result.updated, result.unchanged) == (0, 1, 2)
    assert stored_customers(engine)["C0002"] == (
        "Customer Two Renamed",
        "BE",
        None,
        "two@example.com",
    )
    with Session(engine) as session:
        update = session.scalars(
            select(models.AuditRecord).where(models.AuditRecord.action == "update")
        ).one()
    assert (update.entity, update.entity_key, update.actor) == ("customer", "C0002", "import")
    assert update.before["name"] == "Customer 2" and update.after["name"] == "Customer Two Renamed"
    assert outbox(engine)[("customer", "C0002", "updated")] == 1


def _crash_on_write(monkeypatch, call: int) -> None:
    real = CustomersKind.write
    calls = {"n": 0}

    def write(self, session, records, actor):
        calls["n"] += 1
        if calls["n"] == call:
            raise RuntimeError("power cut")
        return real(self, session, records, actor)

    monkeypatch.setattr(CustomersKind, "write", write)


@pytest.mark.parametrize(
    ("mode", "kept"),
    [("strict", 0), ("recovery", 20)],  # strict: one transaction; recovery: whole batches
)
def test_a_crash_mid_file_then_a_rerun_gives_the_state_of_a_clean_import(
    engine, tmp_path, monkeypatch, mode, kept
):
    file = write(tmp_path / "customers.csv", HEADER, *many(50))
    _crash_on_write(monkeypatch, 3)

    with pytest.raises(RuntimeError, match="power cut"):
        run_import(engine, "customers", file, mode=mode, batch_size=10)
    assert len(stored_customers(engine)) == kept
    monkeypatch.undo()
    rerun = run_import(engine, "customers", file, mode=mode, batch_size=10)

    assert (rerun.status, rerun.created, rerun.unchanged) == ("imported", 50 - kept, kept)
    customers = stored_customers(engine)
    assert customers == {
        f"C{n:04d}": (f"Customer {n}", "FR", None, f"c{n}@example.com") for n in range(1, 51)
    }
    assert audit_trail(engine) == Counter({("customer", code, "create"): 1 for code in customers})
    assert outbox(engine) == Counter({("customer", code, "created"): 1 for code in customers})


def test_unknown_and_missing_columns_refuse_the_file_naming_them(engine, tmp_path):
    file = write(tmp_path / "customers.csv", "code,nom,pays,colour", "ACME,Acme,FR,red")

    with pytest.raises(ImportFileError) as caught:
        run_import(engine, "customers", file, mode="recovery")

    message = str(caught.value)
    assert "unknown columns: nom, pays, colour" in message
    assert "missing required columns: name, country" in message
    assert stored_customers(engine) == {}
    assert not (tmp_path / "customers.rejects.csv").exists()


def test_a_malformed_record_is_rejected_with_its_line(engine, tmp_path):
    file = write(
        tmp_path / "customers.csv",
        HEADER,
        '"MULTI","Name on',
        'two lines",FR,,',
        "SHORT,Too few fields",
        "OK,Fine,FR,,",
    )

    result = run_import(engine, "customers", file, mode="recovery")

    assert set(stored_customers(engine)) == {"MULTI", "OK"}
    assert stored_customers(engine)["MULTI"][0] == "Name on\r\ntwo lines"  # as written
    assert [(line, column) for line, column, _ in result.errors] == [(4, None)]
    assert "fields" in result.errors[0][2]
    assert read_csv(result.rejects)[1][0] == "SHORT"


def test_only_the_first_errors_stay_in_memory_and_the_rejects_file_has_all(
    engine, tmp_path, monkeypatch
):
    monkeypatch.setattr(import_engine, "MAX_ERRORS", 3)
    file = write(tmp_path / "c.csv", HEADER, *(f"X{n},Name,NOWHERE,," for n in range(10)))

    result = run_import(engine, "customers", file, mode="recovery")

    assert (len(result.errors), result.error_count, result.rejected) == (3, 10, 10)
    assert len(read_csv(result.rejects)) == 11


def test_progress_is_reported_in_bytes_up_to_the_total(engine, tmp_path, monkeypatch):
    monkeypatch.setattr(reader, "BLOCK", 4096)  # the file is read in blocks: 10 of them here
    file = write(tmp_path / "customers.csv", HEADER, *many(1001))
    seen: list[tuple[int, int]] = []

    run_import(
        engine,
        "customers",
        file,
        batch_size=100,
        progress=lambda done, total: seen.append((done, total)),
    )

    size = file.stat().st_size
    assert seen[-1] == (size, size)
    assert [done for done, _ in seen] == sorted({done for done, _ in seen})
    assert len(seen) > 3


# -- a kind whose rows depend on earlier rows, and a kind of grouped rows ---------------------


class ChainKind:
    """Customers that name an existing `parent` customer: valid only if it is stored."""

    name: ClassVar[str] = "chain"
    group: ClassVar[str | None] = None
    columns: ClassVar[Sequence[Column]] = (
        Column("code", True, "code", "A"),
        Column("parent", False, "an existing customer", ""),
    )

    def check(self, session: Session, rows: Sequence[Row], values: Values) -> Checked:
        checked = Checked()
        for row in rows:
            parent = values.text(row, "parent")
            if (
                parent
                and session.scalars(
                    select(models.Customer).where(models.Customer.code == parent)
                ).first()
                is None
            ):
                checked.refused.append((row, RowError("parent", f"unknown customer {parent}")))
            else:
                checked.accepted.append((row, values.text(row, "code")))
        return checked

    def write(self, session: Session, records: Sequence[Any], actor: str) -> Outcome:
        for code in records:
            data = CustomerIn(code=code, name=code, country="FR")
            catalog.create_customer(session, data, actor)
        return Outcome(created=len(records))


@dataclass
class GroupKind:
    """Invoices of several rows (one per line), grouped by `invoice`; stored as customers."""

    name: ClassVar[str] = "grouped"
    group: ClassVar[str | None] = "invoice"
    columns: ClassVar[Sequence[Column]] = (
        Column("invoice", True, "invoice number", "I1"),
        Column("amount", True, "a line's amount", "1"),
    )
    batches: ClassVar[list[list[str]]] = []

    def check(self, session: Session, rows: Sequence[Row], values: Values) -> Checked:
        GroupKind.batches.append([r.values["invoice"] for r in rows])
        checked = Checked()
        for row in rows:
            try:
                values.decimal(row, "amount", required=True)
            except RowError as error:
                checked.refused.append((row, error))
            else:
                checked.accepted.append((row, row.values["invoice"]))
        return checked

    def write(self, session: Session, records: Sequence[Any], actor: str) -> Outcome:
        for code in dict.fromkeys(records):
            catalog.create_customer(session, CustomerIn(code=code, name=code, country="FR"), actor)
        return Outcome(created=len(set(records)))


@pytest.fixture
def test_kinds(monkeypatch):
    real = kinds.kind
    fakes = {"chain": ChainKind, "grouped": GroupKind}
    monkeypatch.setattr(kinds, "kind", lambda name: fakes[name]() if name in fakes else real(name))
    GroupKind.batches = []


def test_strict_pass_one_sees_the_records_accepted_earlier_in_the_file(
    engine, tmp_path, test_kinds
):
    file = write(tmp_path / "chain.csv", "code,parent", "A,", "B,A", "C,B", "D,Z")

    refused = run_import(engine, "chain", file, batch_size=1)
    assert refused.status == "refused"
    assert refused.errors == [(5, "parent", "unknown customer Z")]  # only the truly bad row
    assert stored_customers(engine) == {}

    fixed = write(tmp_path / "chain.csv", "code,parent", "A,", "B,A", "C,B", "D,C")
    done = run_import(engine, "chain", fixed, batch_size=1)
    assert (done.status, done.created) == ("imported", 4)
    assert set(stored_customers(engine)) == {"A", "B", "C", "D"}


def test_a_group_is_never_split_across_batches_and_is_refused_whole(engine, tmp_path, test_kinds):
    file = write(
        tmp_path / "invoices.csv",
        "invoice,amount",
        "I1,10",
        "I1,20",
        "I1,30",
        "I2,5",
        "I2,oops",
        "I3,1",
    )

    result = run_import(engine, "grouped", file, mode="recovery", batch_size=2)

    assert GroupKind.batches == [["I1", "I1", "I1"], ["I2", "I2"], ["I3"]]
    assert set(stored_customers(engine)) == {"I1", "I3"}
    assert (result.rejected, result.errors) == (
        2,
        [(6, "amount", "'oops' is not a decimal number")],
    )
    rows = read_csv(result.rejects)
    assert [r[:2] for r in rows[1:]] == [["I2", "5"], ["I2", "oops"]]
    assert rows[1][2] == rows[2][2] == "line 6: amount: 'oops' is not a decimal number"

"""`cn285 import` as a user runs it: exit codes, the summary, the rejects file, templates."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlmodel import Session
from typer.testing import CliRunner

from cn285.hub.cli import app
from cn285.hub.imports.kinds import MODULES, kind
from cn285.hub.store import models
from cn285.hub.store.database import open_engine

runner = CliRunner()


def cn285(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


def write(path: Path, *lines: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(("\n".join(lines) + "\n").encode(encoding))
    return path


def count(db_url: str, table: type) -> int:
    engine = open_engine(db_url)
    try:
        with Session(engine) as session:
            return session.scalar(select(func.count()).select_from(table)) or 0
    finally:
        engine.dispose()


GOOD = ("code,name,country", "ACME,Acme,FR", "BETA,Beta,DE")
MIXED = ("code,name,country", "ACME,Acme,FR", "BAD,Bad,FRANCE", "BETA,Beta,DE")


def test_a_clean_import_exits_0_with_its_summary(db_url, tmp_path):
    result = cn285("import", "customers", str(write(tmp_path / "c.csv", *GOOD)), "--db", db_url)

    assert result.exit_code == 0, result.output
    assert "customers: imported" in result.stdout
    assert "2 rows: 2 created, 0 updated, 0 unchanged, 0 rejected" in result.stdout
    again = cn285("import", "customers", str(tmp_path / "c.csv"), "--db", db_url)
    assert again.exit_code == 0 and "0 created, 0 updated, 2 unchanged" in again.stdout


def test_a_refused_strict_import_exits_1_naming_line_and_column(db_url, tmp_path):
    result = cn285("import", "customers", str(write(tmp_path / "c.csv", *MIXED)), "--db", db_url)

    assert result.exit_code == 1
    assert "nothing imported" in result.stdout
    assert "line 3, country: " in result.stdout
    assert count(db_url, models.Customer) == 0


def test_recovery_with_rejects_exits_1_and_writes_the_rejects_file(db_url, tmp_path):
    rejects = tmp_path / "out" / "bad.csv"
    rejects.parent.mkdir()
    result = cn285(
        "import",
        "customers",
        str(write(tmp_path / "c.csv", *MIXED)),
        "--mode",
        "recovery",
        "--rejects",
        str(rejects),
        "--db",
        db_url,
        "--batch",
        "1",
    )

    assert result.exit_code == 1
    assert f"rejects: {rejects}" in result.stdout
    with rejects.open(newline="") as stream:
        rows = list(csv.reader(stream))
    assert rows[0] == ["code", "name", "country", "error"]
    assert rows[1][:3] == ["BAD", "Bad", "FRANCE"]
    assert count(db_url, models.Customer) == 2


def test_a_dry_run_exits_0_and_writes_nothing(db_url, tmp_path):
    file = write(tmp_path / "c.csv", *GOOD)
    result = cn285("import", "customers", str(file), "--dry-run", "--db", db_url)

    assert result.exit_code == 0
    assert "valid (dry run" in result.stdout and "2 would be created" in result.stdout
    assert count(db_url, models.Customer) == 0


def test_a_declared_dialect_is_used(db_url, tmp_path):
    file = write(tmp_path / "c.csv", "code;name;country", "ÉLAN;Élan Vital;FR", encoding="cp1252")

    result = cn285(
        "import", "customers", str(file), "--delimiter", ";", "--encoding", "cp1252", "--db", db_url
    )

    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("customers", "{dir}/missing.csv"), "cannot read"),
        (("customers", "{dir}/columns.csv"), "unknown columns: colour"),
        (("customers", "{dir}/good.csv", "--delimiter", "|"), "--delimiter"),
        (("customers", "{dir}/good.csv", "--mode", "lenient"), "unknown mode"),
        (("gadgets", "{dir}/good.csv"), "unknown kind 'gadgets'"),
        (("template", "gadgets"), "unknown kind 'gadgets'"),
    ],
)
def test_file_level_errors_and_bad_options_exit_2(db_url, tmp_path, args, message):
    write(tmp_path / "good.csv", *GOOD)
    write(tmp_path / "columns.csv", "code,name,country,colour", "A,A,FR,red")

    result = cn285("import", *(a.format(dir=tmp_path) for a in args), "--db", db_url)

    assert result.exit_code == 2
    assert message in result.stderr


@pytest.mark.parametrize("name", list(MODULES))
def test_every_kind_has_a_template_of_its_columns(tmp_path, name, monkeypatch):
    monkeypatch.chdir(tmp_path)

    result = cn285("import", "template", name)

    assert result.exit_code == 0, result.output
    columns = kind(name).columns
    with (tmp_path / f"{name}.template.csv").open(newline="", encoding="utf-8") as stream:
        header, example = list(csv.reader(stream))
    assert header == [c.name for c in columns]
    assert example == [c.example for c in columns]
    for column in columns:
        assert column.name in result.stdout
    assert "required" in result.stdout


def test_catalog_templates_import_as_they_are(db_url, tmp_path):
    for name in ("customers", "items", "price-lists"):
        target = tmp_path / f"{name}.csv"
        assert cn285("import", "template", name, "--output", str(target)).exit_code == 0

        result = cn285("import", name, str(target), "--db", db_url)

        assert result.exit_code == 0, result.output
        assert "1 row: 1 created" in result.stdout


def test_a_store_change_during_the_write_stops_with_a_message_not_a_traceback(
    tmp_path, db_url, monkeypatch
):
    from cn285.hub.imports.kinds import customers
    from cn285.hub.services.errors import Conflict

    def conflicting(self, session, records, actor):
        raise Conflict("contract K-1 was invoiced through 2026-03-31 meanwhile")

    monkeypatch.setattr(customers.KIND, "write", conflicting)
    path = write(tmp_path / "customers.csv", *GOOD)
    result = cn285("import", "customers", str(path), "--db", db_url)
    assert result.exit_code == 1
    assert "stopped: contract K-1 was invoiced through 2026-03-31 meanwhile" in result.output
    assert "run the import again" in result.output
    assert count(db_url, models.Customer) == 0


@pytest.mark.parametrize(("given", "expected"), [([], None), (["--batch", "7"], 7)])
def test_the_batch_size_is_the_kinds_unless_given(tmp_path, db_url, monkeypatch, given, expected):
    """Without --batch the engine takes the kind's own size (40,000 usage rows, not 5,000)."""
    from cn285.hub.imports import engine

    seen = {}
    real = engine.run_import

    def spy(*args, **kwargs):
        seen["batch_size"] = kwargs["batch_size"]
        return real(*args, **kwargs)

    monkeypatch.setattr(engine, "run_import", spy)
    path = write(tmp_path / "customers.csv", *GOOD)
    result = cn285("import", "customers", str(path), "--db", db_url, *given)
    assert result.exit_code == 0, result.output
    assert seen == {"batch_size": expected}

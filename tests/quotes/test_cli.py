"""`cn285 quote ...` end to end on a SQLite store."""

from __future__ import annotations

import io

import yaml
from pypdf import PdfReader
from typer.testing import CliRunner

from cn285.hub.cli import app
from cn285.hub.store.database import open_engine
from tests.quotes.builders import ADJUSTMENTS, LINES
from tests.quotes.store_seed import seed

runner = CliRunner()


def _run(*args: str, code: int = 0) -> str:
    result = runner.invoke(app, ["quote", *args])
    assert result.exit_code == code, result.output
    return result.output


def test_create_revise_diff_preview_pdf_send_and_sign(tmp_path, monkeypatch):
    monkeypatch.setenv("CN285_SIGNING_SECRET", "s")
    db = str(tmp_path / "q.db")
    engine = open_engine(db)
    seed(engine)
    engine.dispose()
    v1 = tmp_path / "v1.yaml"
    v1.write_text(yaml.safe_dump({"price_list": "STD", "lines": LINES}))
    v2 = tmp_path / "v2.yaml"
    v2.write_text(yaml.safe_dump({"price_list": "STD", "lines": LINES, "adjustments": ADJUSTMENTS}))

    assert _run("create", "--customer", "ACME", "--file", str(v1), "--db", db).strip() == (
        "Q-000001 v1 draft"
    )
    assert "v2 draft" in _run("revise", "Q-000001", "--file", str(v2), "--db", db)
    diff = _run("diff", "Q-000001", "1", "2", "--months", "3", "--db", db)
    assert "terms    adjustments" in diff and "total" in diff
    shown = _run("preview", "Q-000001", "--version", "1", "--months", "1", "--db", db)
    assert "963.88" in shown
    out = tmp_path / "q.pdf"
    _run("pdf", "Q-000001", "-o", str(out), "--db", db)
    assert (
        "Quote Q-000001 - version 2"
        in PdfReader(io.BytesIO(out.read_bytes())).pages[0].extract_text()
    )

    refused = runner.invoke(app, ["quote", "sign", "Q-000001", "--db", db])
    assert refused.exit_code == 1
    assert "v2 is draft: only a sent version can be signed" in refused.output
    assert "/v1/quotes/sign/bi-" in _run("send", "Q-000001", "--db", db)
    assert "signed -> contract Q-000001" in _run("sign", "Q-000001", "--db", db)
    assert "already signed" in _run("sign", "Q-000001", "--db", db)
    assert "-> contract Q-000001" in _run("list", "--db", db)


def test_a_bad_file_exits_2_naming_the_field(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump({"price_list": "STD", "lines": []}))
    result = runner.invoke(
        app,
        [
            "quote",
            "create",
            "--customer",
            "ACME",
            "--file",
            str(bad),
            "--db",
            str(tmp_path / "x.db"),
        ],
    )
    assert result.exit_code == 2
    assert "lines" in result.output

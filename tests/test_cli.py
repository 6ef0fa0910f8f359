"""The `cn285` command as a user runs it: real subprocesses, exit codes and output."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.conftest import EXAMPLE, ROOT


def cn285(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cn285", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )


def test_scenario_run_prints_invoices_as_json():
    result = cn285("scenario", "run", str(EXAMPLE))
    assert result.returncode == 0, result.stderr
    invoices = json.loads(result.stdout)["invoices"]
    assert [(i["date"], i["total"]) for i in invoices] == [
        ("2026-01-16", "723.88"),
        ("2026-02-01", "379.20"),
    ]
    assert invoices[0]["lines"][1]["amount"] == "103.23"


def test_scenario_check_passes_and_fails(tmp_path: Path):
    assert cn285("scenario", "check", str(EXAMPLE)).returncode == 0
    wrong = tmp_path / "wrong.yaml"
    wrong.write_text(EXAMPLE.read_text().replace('total: "723.88"', 'total: "723.89"'))
    result = cn285("scenario", "check", str(wrong))
    assert result.returncode == 1
    assert "invoice ACME 2026-01-16: total: expected 723.89, got 723.88" in result.stdout


def test_malformed_scenarios_exit_2_without_traceback(tmp_path: Path):
    cases = {
        "yaml.yaml": ("a: [1,\n", "not valid YAML"),
        "date.yaml": (
            EXAMPLE.read_text().replace("until: 2026-02-28", "until: 2026-02-30"),
            "run.until",
        ),
        "key.yaml": (
            EXAMPLE.read_text().replace("timezone: UTC", "timezone: UTC\nfoo: 1"),
            "foo: unknown key",
        ),
        "ref.yaml": (
            EXAMPLE.read_text().replace("price_list: STD", "price_list: GOLD"),
            "unknown price list 'GOLD'",
        ),
        "model.yaml": (
            EXAMPLE.read_text().replace("model: graduated", "model: tiered"),
            "unknown pricing model 'tiered'",
        ),
    }
    for name, (text, message) in cases.items():
        path = tmp_path / name
        path.write_text(text)
        for command in ("run", "check"):
            result = cn285("scenario", command, str(path))
            assert result.returncode == 2, (name, result.stdout, result.stderr)
            assert message in result.stderr, (name, result.stderr)
            assert "Traceback" not in result.stderr
    missing = cn285("scenario", "run", str(tmp_path / "absent.yaml"))
    assert missing.returncode == 2 and "cannot read" in missing.stderr


def test_usage_outside_service_exits_2_naming_the_record(tmp_path: Path):
    text = EXAMPLE.read_text().replace("at: 2026-01-20T10:00:00Z", "at: 2026-01-10T10:00:00Z")
    path = tmp_path / "early.yaml"
    path.write_text(text)
    result = cn285("scenario", "run", str(path))
    assert result.returncode == 2
    assert "usage[0]: usage on 2026-01-10 is outside the service of K1/L2" in result.stderr

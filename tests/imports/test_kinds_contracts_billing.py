"""Contracts imported from files bill exactly like the same contracts declared in a scenario:
each scenario's contracts, lines and actions become the rows of three files, are imported
kind by kind, and a billing run issues the invoices the engine computes for the scenario."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from cn285.billing_core.contracts import ActionKind
from cn285.billing_core.scenario import Scenario, load
from cn285.billing_core.scenario.loader import Builder
from cn285.hub.imports.engine import run_import
from cn285.hub.services.billing import run_billing
from cn285.hub.services.scenario_load import load_scenario
from cn285.hub.services.usage import insert_records
from cn285.hub.store.database import open_engine, session_scope
from tests.conftest import EXAMPLE, OWN_SCENARIOS, SHARED_SCENARIOS
from tests.hub.test_billing_runs import engine_invoices, stored_invoices
from tests.imports.kinds_support import batch, rows, write_csv

FILES = [*sorted(SHARED_SCENARIOS.glob("*.yaml")), *sorted(OWN_SCENARIOS.glob("*.yaml"))]
# with actions, or several kinds of lines: the files that exercise most of the columns
E2E = [EXAMPLE, *(p for p in FILES if p.name.startswith(("29-", "52-", "53-", "69-")))]
CONTRACT_COLUMNS = ["code", "customer", "price_list", "timezone"]
LINE_COLUMNS = [
    "contract",
    "code",
    "item",
    "kind",
    "quantity",
    "start",
    "end",
    "period",
    "billing_period",
    "timing",
    "alignment",
    "prorate",
    "aggregation",
    "threshold_quantity",
    "threshold_amount",
    "trigger",
    "of",
]
ACTION_COLUMNS = [
    "reference",
    "contract",
    "line",
    "kind",
    "on",
    "notice",
    "quantity",
    "from",
    "to",
    "to_contract",
    "percent",
    "period",
    "billing_period",
    "customer",
    "price_list",
    "through",
]


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(getattr(value, "value", value))


def contract_rows(scenario: Scenario) -> list[dict[str, str]]:
    return [
        {
            "code": c.code,
            "customer": c.customer,
            "price_list": c.price_list,
            "timezone": _text(c.timezone),
        }
        for c in scenario.source.contracts  # type: ignore[union-attr]
    ]


def line_rows(scenario: Scenario) -> list[dict[str, str]]:
    result = []
    for c in scenario.source.contracts:  # type: ignore[union-attr]
        for ln in c.lines:
            threshold = ln.threshold
            result.append(
                {
                    "contract": c.code,
                    **{name: _text(getattr(ln, name)) for name in LINE_COLUMNS[1:12]},
                    "aggregation": _text(ln.aggregation),
                    "threshold_quantity": _text(threshold.quantity if threshold else None),
                    "threshold_amount": _text(threshold.amount if threshold else None),
                    "trigger": _text(ln.trigger),
                    "of": _text(ln.of),
                }
            )
    return result


def action_rows(scenario: Scenario) -> list[dict[str, str]]:
    result = []
    for i, a in enumerate(scenario.source.actions):  # type: ignore[union-attr]
        transfer = a.do is ActionKind.TRANSFER
        result.append(
            {
                "reference": f"A-{i}",
                "contract": a.contract or (a.line or "").split("/")[0],
                "line": _text(a.line),
                "kind": a.do.value,
                "on": _text(a.on),
                "notice": _text(a.notice),
                "quantity": _text(a.quantity),
                "from": _text(a.from_),
                "to": "" if transfer else _text(a.to),
                "to_contract": _text(a.to) if transfer else "",
                "percent": _text(a.percent),
                "period": _text(a.period),
                "billing_period": _text(a.billing_period),
                "customer": _text(a.customer),
                "price_list": _text(a.price_list),
                "through": _text(a.through),
            }
        )
    return result


def load_catalog_of(engine, scenario: Scenario) -> None:
    """The scenario's catalog, customers and settings, without its contracts."""
    bare = scenario.source.model_copy(update={"contracts": [], "usage": [], "actions": []})  # type: ignore[union-attr]
    load_scenario(engine, Builder(bare).build())


def load_usage(engine, scenario: Scenario) -> None:
    with session_scope(engine) as session:
        insert_records(
            session,
            [
                {
                    "line_ref": ref,
                    "client_id": record.id or f"u-{record.seq}",
                    "at": record.at,
                    "end": record.end,
                    "quantity": record.quantity,
                    "properties": dict(record.properties) or None,
                }
                for ref, records in scenario.book.usage.items()
                for record in records
            ],
        )


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Iterator[Engine]:
    """Every scenario on SQLite (fast); the files below run on both stores."""
    engine = open_engine(f"sqlite:///{tmp_path / 'sweep.db'}")
    yield engine
    engine.dispose()


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_imported_contracts_bill_like_the_scenario(sqlite_engine: Engine, path: Path):
    engine = sqlite_engine
    scenario = load(path.read_text(encoding="utf-8"))
    load_catalog_of(engine, scenario)
    for name, records in (
        ("contracts", contract_rows(scenario)),
        ("contract-lines", line_rows(scenario)),
        ("actions", action_rows(scenario)),
    ):
        done = batch(engine, name, rows(*records))
        assert done.errors == []
        assert done.outcome.created == len(records)
    load_usage(engine, scenario)
    run_billing(engine, scenario.until)
    assert stored_invoices(engine) == engine_invoices(scenario)


@pytest.mark.parametrize("mode", ["strict", "recovery"])
@pytest.mark.parametrize("path", E2E, ids=lambda p: p.name)
def test_files_imported_then_billed_twice_issue_the_scenarios_invoices_once(
    engine, tmp_path: Path, path: Path, mode: str
):
    scenario = load(path.read_text(encoding="utf-8"))
    load_catalog_of(engine, scenario)
    files = [
        ("contracts", CONTRACT_COLUMNS, contract_rows(scenario)),
        ("contract-lines", LINE_COLUMNS, line_rows(scenario)),
        ("actions", ACTION_COLUMNS, action_rows(scenario)),
    ]
    for name, header, records in files:
        file = write_csv(tmp_path / f"{name}.csv", header, records)
        result = run_import(engine, name, file, mode=mode, batch_size=2)
        assert (result.status, result.errors) == ("imported", [])
        assert result.created == len(records)
    load_usage(engine, scenario)
    run_billing(engine, scenario.until)
    for name, _, records in files:  # again, after billing: nothing changes
        result = run_import(engine, name, tmp_path / f"{name}.csv", mode=mode)
        assert (result.status, result.unchanged, result.created) == ("imported", len(records), 0)
    run_billing(engine, scenario.until)
    assert stored_invoices(engine) == engine_invoices(scenario)

"""Builders for the contract and history kinds' tests: a catalog in the store, rows as a
file would give them, and a batch checked and written the way the import engine does."""

from __future__ import annotations

import csv
import textwrap
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from cn285.billing_core.scenario import load
from cn285.hub.imports.kinds import kind
from cn285.hub.imports.model import Checked, Dialect, Outcome, Row
from cn285.hub.imports.values import make_values
from cn285.hub.services.scenario_load import load_scenario
from cn285.hub.store import models
from cn285.hub.store.database import session_scope

VALUES = make_values(Dialect())

CATALOG = """
scenario: a catalog to import contracts into
timezone: UTC
tax:
  seller_country: FR
  rates:
    FR: {standard: "20", reduced: "5.5"}
customers:
  - {code: ACME, name: Acme SA, country: FR}
  - {code: BETA, name: Beta SARL, country: FR}
items:
  - {code: PLATFORM, name: Platform}
  - {code: API, name: API calls}
  - {code: SETUP, name: Setup fee}
  - {code: ROYALTY, name: Royalty}
  - {code: BOOK, name: Book, tax_category: reduced}
price_lists:
  - code: STD
    currency: EUR
    prices:
      PLATFORM: {model: flat, price: "100.00"}
      API: {model: per_unit, unit_price: "0.01"}
      SETUP: {model: flat, price: "500"}
      ROYALTY: {model: percentage, rate: "5"}
  - code: ALT
    currency: EUR
    prices:
      PLATFORM: {model: flat, price: "90.00"}
run: {until: 2026-01-01}
"""


def load_catalog(engine: Engine, text: str = CATALOG) -> None:
    load_scenario(engine, load(textwrap.dedent(text)))


def rows(*records: Mapping[str, Any], first_line: int = 2) -> list[Row]:
    """Rows as the reader yields them: every value as text, "" when empty."""
    return [
        Row(first_line + i, {k: "" if v is None else str(v) for k, v in r.items()})
        for i, r in enumerate(records)
    ]


@dataclass
class Batch:
    checked: Checked
    outcome: Outcome

    @property
    def errors(self) -> list[tuple[int, str | None, str]]:
        return [(row.line, e.column, e.message) for row, e in self.checked.refused]

    @property
    def columns(self) -> list[str | None]:
        return [e.column for _, e in self.checked.refused]


def batch(engine: Engine, name: str, records: list[Row], actor: str = "tester") -> Batch:
    """Check a batch and write what was accepted, in one transaction (the engine's
    recovery mode, one batch)."""
    handler = kind(name)
    with session_scope(engine) as session:
        checked = handler.check(session, records, VALUES)
        outcome = Outcome()
        if checked.accepted:
            outcome = handler.write(session, [r for _, r in checked.accepted], actor)
    return Batch(checked, outcome)


def counts(outcome: Outcome) -> tuple[int, int, int]:
    return outcome.created, outcome.updated, outcome.unchanged


def audit_actions(engine: Engine, entity: str, key: str) -> list[str]:
    with Session(engine) as session:
        return list(
            session.scalars(
                select(models.AuditRecord.action)
                .where(models.AuditRecord.entity == entity, models.AuditRecord.entity_key == key)
                .order_by(models.AuditRecord.id)
            )
        )


def write_csv(path: Path, header: list[str], records: Iterable[Mapping[str, Any]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(header)
        for record in records:
            writer.writerow(["" if record.get(h) is None else str(record[h]) for h in header])
    return path


def set_billed_until(engine: Engine, code: str, day: Any, next_due: Any = None) -> None:
    """As a billing run leaves a contract: billed up to `day`, due again on `next_due`."""
    with session_scope(engine) as session:
        contract = session.scalars(
            select(models.Contract).where(models.Contract.code == code)
        ).one()
        contract.billed_until = day
        contract.next_due = next_due
        session.add(contract)

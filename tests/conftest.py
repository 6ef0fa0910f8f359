"""Shared test helpers: bill a scenario written inline."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from cn285.billing_core.engine import bill
from cn285.billing_core.invoicing import Invoice
from cn285.billing_core.scenario import load

ROOT = Path(__file__).resolve().parent.parent
SHARED_SCENARIOS = ROOT.parent / "shared" / "scenarios"
OWN_SCENARIOS = ROOT / "tests" / "scenarios"


def bill_text(text: str) -> list[Invoice]:
    scenario = load(textwrap.dedent(text))
    return bill(scenario.book, scenario.until)


@pytest.fixture
def billed():
    return bill_text

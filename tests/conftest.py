"""Shared test helpers: bill a scenario written inline."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest

from cn285.billing_core.engine import bill
from cn285.billing_core.invoicing import Invoice
from cn285.billing_core.scenario import load

pytest_plugins = ["tests.store"]  # store fixtures (SQLite and PostgreSQL) for every folder

ROOT = Path(__file__).resolve().parent.parent
# the project's shared folder lies beside the checkout (CI lays a copy there)
SHARED_SCENARIOS = Path(os.environ.get("CN285_SHARED", ROOT.parent / "shared")) / "scenarios"
OWN_SCENARIOS = ROOT / "tests" / "scenarios"
EXAMPLE = ROOT / "examples" / "saas-platform.yaml"


def require_shared() -> None:
    """Shared scenarios are part of the specification: CI fails without them."""
    if not SHARED_SCENARIOS.is_dir():
        message = f"shared scenarios not found at {SHARED_SCENARIOS} (set CN285_SHARED)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


def bill_text(text: str) -> list[Invoice]:
    scenario = load(textwrap.dedent(text))
    return bill(scenario.book, scenario.until)


@pytest.fixture
def billed():
    return bill_text

"""Billing scenarios: a YAML description of a book and the invoices it must produce.

The format is specified in `shared/scenarios/FORMAT.md`; `load` turns a file's text into a
`Scenario` (or a `ScenarioError` naming each place at fault), `run` bills it, and `check`
compares the invoices with the file's expectations.
"""

from cn285.billing_core.scenario.check import Difference, check
from cn285.billing_core.scenario.loader import Scenario, ScenarioError, load
from cn285.billing_core.scenario.render import render_invoices

__all__ = ["Difference", "Scenario", "ScenarioError", "check", "load", "render_invoices"]

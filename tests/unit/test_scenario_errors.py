"""A malformed scenario is refused with the place at fault, never a traceback."""

import textwrap

import pytest

from cn285.billing_core.scenario import ScenarioError, load

BASE = """\
customers:
  - {code: ACME, name: Acme, country: FR}
items:
  - {code: SEAT, name: Seat}
  - {code: API, name: API}
price_lists:
  - code: STD
    currency: EUR
    prices:
      SEAT: {model: flat, price: "10"}
      API: {model: per_unit, unit_price: "0.1"}
contracts:
  - code: K1
    customer: ACME
    price_list: STD
    lines:
      - {code: L1, item: SEAT, kind: recurring, start: 2026-01-01}
      - {code: L2, item: API, kind: usage, start: 2026-01-01}
run:
  until: 2026-03-31
"""


def problems(extra: str = "", replace: tuple[str, str] | None = None) -> list[str]:
    text = BASE if replace is None else BASE.replace(*replace)
    with pytest.raises(ScenarioError) as error:
        load(text + textwrap.dedent(extra))
    return [str(p) for p in error.value.problems]


def test_the_base_scenario_loads():
    assert load(BASE).until.isoformat() == "2026-03-31"


@pytest.mark.parametrize(
    ("replace", "expected"),
    [
        (
            ("start: 2026-01-01}\n      - {code: L2", "start: 2026-02-30}\n      - {code: L2"),
            "line 17: contracts[0].lines[0].start: ",
        ),
        (
            ("kind: recurring", "kind: recurring, colour: red"),
            "contracts[0].lines[0].colour: unknown key",
        ),
        (("customer: ACME", "customer: NOPE"), "contracts[0].customer: unknown customer 'NOPE'"),
        (("price_list: STD", "price_list: GOLD"), "contracts[0].price_list: unknown price list"),
        (
            ("model: flat", "model: tiered"),
            "price_lists[0].prices.SEAT.model: unknown pricing model",
        ),
        (("currency: EUR", "currency: EUX"), "price_lists[0].currency: unknown currency"),
        (
            ("item: SEAT, kind", "item: DESK, kind"),
            "contracts[0].lines[0].item: unknown item 'DESK'",
        ),
        (
            ("kind: usage", "kind: usage, timing: advance"),
            "usage lines are always billed in arrears",
        ),
        (
            ("kind: usage, start: 2026-01-01", "kind: usage, start: 2026-01-01, aggregation: avg"),
            "contracts[0].lines[1].aggregation: unknown aggregation 'avg'",
        ),
        (
            ("country: FR}", "country: FR, vat_number: FR123}"),
            "customers[0].vat_number: 'FR123' is not a valid",
        ),
        (("until: 2026-03-31", "until: soon"), "run.until"),
        (("run:\n  until: 2026-03-31\n", ""), "run: required key is missing"),
        (
            (
                "kind: recurring, start",
                "kind: recurring, billing_period: month, period: quarter, start",
            ),
            "billing_period: must be a whole number of quarters",
        ),
    ],
)
def test_bad_files_name_the_place(replace, expected):
    found = problems(replace=replace)
    assert any(expected in p for p in found), found


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        (
            "usage:\n  - {line: K1/L9, at: 2026-01-02T00:00:00Z, quantity: 1}\n",
            "usage[0].line: unknown line 'K1/L9'",
        ),
        (
            "usage:\n  - {line: K1/L1, at: 2026-01-02T00:00:00Z, quantity: 1}\n",
            "K1/L1 is a recurring line",
        ),
        (
            "usage:\n  - {line: K1/L2, at: 2026-01-02T00:00:00Z}\n",
            "usage[0].quantity: required for sum",
        ),
        ("usage:\n  - {line: K1/L2, at: yesterday, quantity: 1}\n", "usage[0].at"),
        ("actions:\n  - {on: 2026-02-01, do: teleport, contract: K1}\n", "actions[0].do"),
        (
            "actions:\n  - {on: 2026-02-01, do: pause, contract: K9}\n",
            "actions[0].contract: unknown contract 'K9'",
        ),
        ("actions:\n  - {on: 2026-02-01, do: pause}\n", "pause needs contract or line"),
        (
            "actions:\n  - {on: 2026-02-01, do: pause, contract: K1, quantity: 2}\n",
            "actions[0].quantity: not used by pause",
        ),
        (
            "actions:\n  - {on: 2026-02-01, do: set_quantity, line: K1/L1}\n",
            "set_quantity needs `quantity`",
        ),
        (
            "actions:\n  - {on: 2026-02-01, do: terminate, contract: K1, notice: soon}\n",
            "actions[0].notice",
        ),
        (
            "actions:\n  - {do: discount, line: K1/L1, from: 2026-02-01, to: 2026-01-01, percent: 10}\n",
            "actions[0].to: ends (2026-01-01) before it starts",
        ),
        (
            "actions:\n  - {do: discount, line: K1/L1, from: 2026-02-01, to: 2026-03-01, percent: 110}\n",
            "actions[0].percent",
        ),
        (
            "actions:\n  - {on: 2026-02-01, do: transfer, line: K1/L1, to: K7}\n",
            "actions[0].to: unknown contract 'K7'",
        ),
    ],
)
def test_bad_usage_and_actions_name_the_place(extra, expected):
    found = problems(extra)
    assert any(expected in p for p in found), found


def test_yaml_problems_give_a_line():
    with pytest.raises(ScenarioError) as error:
        load("a: [1,\n")
    assert "not valid YAML" in str(error.value)
    with pytest.raises(ScenarioError, match="appears twice"):
        load(BASE + "run:\n  until: 2026-01-01\n")
    with pytest.raises(ScenarioError, match="a YAML mapping"):
        load("- 1\n- 2\n")


def test_numbers_are_read_as_exact_decimals():
    scenario = load(BASE.replace('unit_price: "0.1"', "unit_price: 0.1"))
    model = scenario.book.price_lists["STD"].prices["API"]
    assert str(model.unit_price()) == "0.1"

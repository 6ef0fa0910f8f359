"""Builders shared by the quote tests: a small catalog as a scenario, and quote content."""

from __future__ import annotations

import textwrap
from typing import Any

from cn285.billing_core.scenario import load
from cn285.hub.quotes.versions import QuoteContent
from cn285.hub.services.book import Catalog

SCENARIO = """
scenario: quote preview reference
tax:
  seller_country: FR
  rates: {FR: {standard: "20"}}
customers:
  - {code: ACME, name: Acme SA, country: FR, vat_number: FR40303265045}
items:
  - {code: PLATFORM, name: Platform}
  - {code: SETUP, name: Setup}
price_lists:
  - code: STD
    currency: EUR
    prices:
      PLATFORM: {model: flat, price: "100.00"}
      SETUP: {model: flat, price: "500.00"}
contracts:
  - code: K1
    customer: ACME
    price_list: STD
    lines:
      - {code: L1, item: PLATFORM, kind: recurring, quantity: 2, start: 2026-01-16, period: month}
      - {code: L2, item: SETUP, kind: one_shot, start: 2026-01-16}
actions:
  - {do: discount, line: K1/L1, from: 2026-02-01, to: 2026-03-31, percent: "10"}
  - {do: free, contract: K1, from: 2026-04-01, to: 2026-04-30}
run:
  until: 2026-07-15
"""

LINES: list[dict[str, Any]] = [
    {
        "code": "L1",
        "item": "PLATFORM",
        "kind": "recurring",
        "quantity": 2,
        "start": "2026-01-16",
        "period": "month",
    },
    {"code": "L2", "item": "SETUP", "kind": "one_shot", "start": "2026-01-16"},
]
ADJUSTMENTS: list[dict[str, Any]] = [
    {"do": "discount", "line": "L1", "from": "2026-02-01", "to": "2026-03-31", "percent": "10"},
    {"do": "free", "from": "2026-04-01", "to": "2026-04-30"},
]


def scenario():
    return load(textwrap.dedent(SCENARIO))


def catalog_and_customer():
    book = scenario().book
    catalog = Catalog(dict(book.items), dict(book.price_lists), book.tax, book.timezone)
    return catalog, book.customers["ACME"]


def content(**changes: Any) -> QuoteContent:
    data = {"price_list": "STD", "lines": LINES, "adjustments": ADJUSTMENTS, **changes}
    return QuoteContent.model_validate(data)

"""The kinds of records a file may hold, one module each, found by name."""

from __future__ import annotations

import importlib

from cn285.hub.imports.model import Kind

#: command-line name -> module of `cn285.hub.imports.kinds` defining `KIND`
MODULES = {
    "customers": "customers",
    "items": "items",
    "price-lists": "price_lists",
    "contracts": "contracts",
    "contract-lines": "contract_lines",
    "usage": "usage",
    "actions": "actions",
    "invoices": "invoices",
    "payments": "payments",
}


def kind(name: str) -> Kind:
    """The kind called `name`; ValueError listing the known ones otherwise."""
    module = MODULES.get(name)
    if module is None:
        raise ValueError(f"unknown kind {name!r} (kinds: {', '.join(MODULES)})")
    return importlib.import_module(f"{__name__}.{module}").KIND()

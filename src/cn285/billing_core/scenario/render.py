"""Invoices as plain JSON-ready data: amounts as decimal strings, dates in ISO format."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from cn285.billing_core.invoicing import Invoice


def _money(value: Decimal, places: int) -> str:
    return f"{value:.{places}f}"


def _plain(value: Decimal | None) -> str | None:
    if value is None:
        return None
    return format(value, "f")


def render_invoice(invoice: Invoice) -> dict[str, Any]:
    places = invoice.currency.minor_units
    data: dict[str, Any] = {
        "number": invoice.number,
        "kind": invoice.kind,
        "customer": invoice.customer,
        "contract": invoice.contract,
        "date": invoice.date.isoformat(),
        "currency": invoice.currency.code,
        "tax_regime": invoice.tax_regime.value,
        "total_excl_tax": _money(invoice.total_excl_tax, places),
        "tax": _money(invoice.tax, places),
        "total": _money(invoice.total, places),
        "lines": [
            {
                "line": line.line,
                "item": line.item,
                "description": line.description,
                "kind": line.kind,
                "from": line.start.isoformat(),
                "to": line.end.isoformat(),
                "quantity": _plain(line.quantity),
                "unit_price": _plain(line.unit_price),
                "amount": _money(line.amount, places),
                "tax_rate": _plain(line.tax_rate),
                "tax": _money(line.tax, places),
                **({"adjustment": True} if line.adjustment else {}),
                **({"contract": line.contract} if invoice.contract is None else {}),
            }
            for line in invoice.lines
        ],
    }
    if invoice.note:
        data["note"] = invoice.note
    return data


def render_invoices(invoices: list[Invoice]) -> dict[str, Any]:
    return {"invoices": [render_invoice(invoice) for invoice in invoices]}

"""Compare billed invoices with a scenario's expectations, field by field."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from cn285.billing_core.invoicing import Invoice, InvoiceLine
from cn285.billing_core.scenario.schema import ExpectIn, ExpectInvoiceIn, ExpectLineIn


@dataclass(frozen=True)
class Difference:
    invoice: str  # "ACME 2026-01-16"
    line: str | None
    field: str
    expected: Any
    got: Any

    def __str__(self) -> str:
        where = f"invoice {self.invoice}" + (f", line {self.line}" if self.line else "")
        return f"{where}: {self.field}: expected {self.expected}, got {self.got}"


_INVOICE_FIELDS = ("kind", "contract", "total_excl_tax", "tax", "total")
_LINE_FIELDS = ("to", "amount", "quantity", "unit_price", "tax", "tax_rate", "kind")


def _invoice_value(invoice: Invoice, name: str) -> Any:
    if name == "currency":
        return invoice.currency.code
    return getattr(invoice, name)


def _line_value(line: InvoiceLine, name: str) -> Any:
    return {"from": line.start, "to": line.end}.get(name, getattr(line, name, None))


def _same(expected: Any, got: Any) -> bool:
    if isinstance(expected, Decimal) and isinstance(got, Decimal):
        return expected == got
    return expected == got


def _invoice_diffs(exp: ExpectInvoiceIn, inv: Invoice, label: str) -> list[Difference]:
    diffs = []
    for name in (*_INVOICE_FIELDS, "currency"):
        want = getattr(exp, name)
        if want is None:
            continue
        got = _invoice_value(inv, name)
        if not _same(want, got):
            diffs.append(Difference(label, None, name, want, got))
    taken: set[int] = set()
    for exp_line in exp.lines:
        diffs.extend(_line_diffs(exp_line, inv, taken, label))
    return diffs


def _line_diffs(exp: ExpectLineIn, inv: Invoice, taken: set[int], label: str) -> list[Difference]:
    name = exp.line + (f" from {exp.from_}" if exp.from_ else "")
    candidates = [
        i
        for i, line in enumerate(inv.lines)
        if i not in taken
        and line.line == exp.line
        and (exp.from_ is None or line.start == exp.from_)
    ]
    if not candidates:
        return [Difference(label, name, "line", "present", "missing")]
    best: tuple[int, list[Difference]] | None = None
    for i in candidates:
        diffs = []
        for field in _LINE_FIELDS:
            want = getattr(exp, field)
            if want is None:
                continue
            got = _line_value(inv.lines[i], field)
            if not _same(want, got):
                diffs.append(Difference(label, name, field, want, got))
        if best is None or len(diffs) < len(best[1]):
            best = (i, diffs)
    assert best is not None
    taken.add(best[0])
    return best[1]


def check(expect: ExpectIn | None, invoices: list[Invoice]) -> list[Difference]:
    """Every difference between the expectations and the invoices; empty when they hold."""
    if expect is None:
        return []
    diffs: list[Difference] = []
    matched: set[int] = set()
    for exp in expect.invoices:
        label = f"{exp.customer} {exp.date}"
        candidates = [
            i
            for i, inv in enumerate(invoices)
            if i not in matched
            and inv.customer == exp.customer
            and inv.date == exp.date
            and (exp.contract is None or inv.contract == exp.contract)
        ]
        if not candidates:
            diffs.append(Difference(label, None, "invoice", "present", "missing"))
            continue
        scored = [(len(_invoice_diffs(exp, invoices[i], label)), i) for i in candidates]
        _, best = min(scored)
        matched.add(best)
        diffs.extend(_invoice_diffs(exp, invoices[best], label))
    if expect.exhaustive:
        for i, inv in enumerate(invoices):
            if i not in matched:
                diffs.append(
                    Difference(
                        f"{inv.customer} {inv.date}",
                        None,
                        "invoice",
                        "absent",
                        f"{inv.kind} {inv.number} total_excl_tax {inv.total_excl_tax}",
                    )
                )
    return diffs

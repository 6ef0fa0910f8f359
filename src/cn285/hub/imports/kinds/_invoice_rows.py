"""Reading one historical invoice (its rows) into the record to store, checked to the cent.

An invoice is several rows with the same `number`: the header columns are read from its
first row and must be repeated identically or left empty on the others; every row is one
line. Amounts are checked the way the engine makes them: each exact to the currency's minor
unit, each line's tax its amount × rate rounded half up, the totals the sums of the lines.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from cn285.billing_core.contracts import LineKind
from cn285.billing_core.money import ZERO, Currency, CurrencyError, currency, round_money
from cn285.billing_core.tax import TaxRegime
from cn285.hub.imports.kinds._catalog import Fields
from cn285.hub.imports.model import Row, RowError, Values

HEADER = (
    "number",
    "kind",
    "customer",
    "contract",
    "date",
    "currency",
    "tax_regime",
    "note",
    "total_excl_tax",
    "total_tax",
    "total",
    "push",
)
KINDS = ("invoice", "credit_note")
_NAMES = {"invoice": "an invoice", "credit_note": "a credit note"}
#: numbers of Cn285's own series (billing.SERIES): an imported number must never take one
OUR_SERIES = re.compile(r"^(INV|CN)-\d+$")
HUNDRED = Decimal(100)
_REGIMES = ", ".join(r.value for r in TaxRegime)
_LINE_KINDS = ", ".join(k.value for k in LineKind)
_PERIODIC = {LineKind.RECURRING.value, LineKind.CASCADE.value}  # a service period to spread


@dataclass
class InvoiceLineData:
    row: Row
    line_ref: str
    contract_code: str
    item_code: str
    description: str | None  # None: the item's name
    kind: str
    start: dt.date
    end: dt.date
    quantity: Decimal | None
    unit_price: Decimal | None
    amount: Decimal
    tax_rate: Decimal
    tax: Decimal


@dataclass
class InvoiceData:
    """A historical invoice as it will be stored (`models.Invoice` names)."""

    number: str
    kind: str
    customer_code: str
    contract_code: str | None
    date: dt.date
    currency: str
    tax_regime: str
    note: str | None
    total_excl_tax: Decimal
    tax: Decimal
    total: Decimal
    push: bool
    lines: list[InvoiceLineData] = field(default_factory=list)


@dataclass(frozen=True)
class Known:
    """What the store holds that an invoice refers to, looked up once per batch."""

    customers: set[str]
    items: dict[str, str]  # code -> name
    contract_lines: dict[str, dict[str, dt.date]]  # contract code -> its lines' starts


def groups(rows: Sequence[Row]) -> list[list[Row]]:
    """Consecutive rows with the same number, as the import engine groups them."""
    result: list[list[Row]] = []
    previous: str | None = None
    for row in rows:
        number = row.values.get("number", "")
        if result and number and number == previous:
            result[-1].append(row)
        else:
            result.append([row])
        previous = number
    return result


def read(rows: list[Row], values: Values, known: Known) -> tuple[InvoiceData | None, list]:
    """The invoice of a group of rows, or the errors (row, RowError) that refuse it."""
    errors: list[tuple[Row, RowError]] = []
    first = rows[0]
    fields = Fields(first)
    header = _header(fields, values, known)
    errors += [(first, e) for e in fields.errors]
    for row in rows[1:]:
        for name in HEADER:
            text = row.values.get(name, "")
            if text and text != first.values.get(name, ""):
                errors.append(
                    (row, RowError(name, f"differs from line {first.line} of the same invoice"))
                )
    cur = header.get("cur")
    lines = []
    for row in rows:
        line_fields = Fields(row)
        line = _line(line_fields, values, known, header, cur)
        errors += [(row, e) for e in line_fields.errors]
        if line is not None:
            lines.append(line)
    if errors or cur is None:
        return None, errors
    invoice = InvoiceData(
        number=header["number"],
        kind=header["kind"] or "",
        customer_code=header["customer"],
        contract_code=header["contract"],
        date=header["date"],
        currency=cur.code,
        tax_regime=header["tax_regime"],
        note=header["note"],
        total_excl_tax=sum((ln.amount for ln in lines), ZERO),
        tax=sum((ln.tax for ln in lines), ZERO),
        total=ZERO,
        push=bool(header["push"]),
        lines=lines,
    )
    invoice.total = invoice.total_excl_tax + invoice.tax
    errors += [(first, e) for e in _totals(invoice, header, cur)]
    return (None, errors) if errors else (invoice, [])


def _header(fields: Fields, values: Values, known: Known) -> dict[str, Any]:
    header: dict[str, Any] = {}
    number = fields.read(values.text, "number", required=True) or ""
    if len(number) > 32:
        fields.fail("number", "at most 32 characters")
    header["number"] = number
    kind = fields.read(values.text, "kind") or None
    if kind is not None and kind not in KINDS:
        fields.fail("kind", f"{kind!r} is not invoice or credit_note")
    header["kind"] = kind
    customer = fields.read(values.text, "customer", required=True)
    if customer and customer not in known.customers:
        fields.fail("customer", f"unknown customer {customer!r}")
    header["customer"] = customer
    contract = fields.read(values.text, "contract") or None
    if contract is not None and contract not in known.contract_lines:
        fields.fail("contract", f"unknown contract {contract!r}")
    header["contract"] = contract
    header["date"] = fields.read(values.date, "date", required=True)
    code = fields.read(values.text, "currency", required=True)
    header["cur"] = None
    if code:
        try:
            header["cur"] = currency(code)
        except CurrencyError as exc:
            fields.fail("currency", str(exc))
    regime = fields.read(values.text, "tax_regime", required=True)
    if regime and regime not in {r.value for r in TaxRegime}:
        fields.fail("tax_regime", f"{regime!r} is not one of {_REGIMES}")
    header["tax_regime"] = regime
    header["note"] = fields.read(values.text, "note") or None
    for name in ("total_excl_tax", "total_tax", "total"):
        header[name] = fields.read(values.decimal, name)
    header["push"] = fields.read(values.boolean, "push")
    return header


def _line(
    fields: Fields, values: Values, known: Known, header: dict[str, Any], cur: Currency | None
) -> InvoiceLineData | None:
    contract = header.get("contract")
    line = fields.read(values.text, "line") or None
    line_ref = ""
    if line is not None:
        if contract is None:
            fields.fail("line", "a contract line needs the invoice's contract")
        elif line not in known.contract_lines.get(contract, {}):
            fields.fail("line", f"unknown line {line!r} of contract {contract}")
        line_ref = f"{contract}/{line}"
    item = fields.read(values.text, "item", required=True) or ""
    if item and item not in known.items:
        fields.fail("item", f"unknown item {item!r}")
    kind = fields.read(values.text, "line_kind", required=True) or ""
    if kind and kind not in {k.value for k in LineKind}:
        fields.fail("line_kind", f"{kind!r} is not one of {_LINE_KINDS}")
    start = fields.read(values.date, "start", required=True)
    end = fields.read(values.date, "end")
    if end is None and kind in _PERIODIC:
        fields.fail("end", f"a {kind} line has a service period: give its last day")
    if start is not None and end is not None and end < start:
        fields.fail("end", f"ends ({end}) before it starts ({start})")
    amount = _money(fields, values, "amount", cur, required=True)
    rate = fields.read(values.decimal, "tax_rate", required=True)
    if rate is not None and not ZERO <= rate <= HUNDRED:
        fields.fail("tax_rate", "a rate is a percent 0–100")
    tax = _money(fields, values, "tax", cur, required=True)
    if amount is not None and rate is not None and tax is not None and cur is not None:
        expected = round_money(amount * rate / HUNDRED, cur)
        if tax != expected:
            fields.fail(
                "tax",
                f"{tax} is not {amount} × {rate} % rounded half up to the {cur.code} minor "
                f"unit ({expected})",
            )
    description = fields.read(values.text, "line_description") or None
    quantity = fields.read(values.decimal, "quantity")
    unit_price = fields.read(values.decimal, "unit_price")
    if fields.errors:
        return None
    assert start is not None and amount is not None and rate is not None and tax is not None
    return InvoiceLineData(
        row=fields.row,
        line_ref=line_ref,
        contract_code=contract or "",
        item_code=item,
        description=description,
        kind=kind,
        start=start,
        end=end or start,
        quantity=quantity,
        unit_price=unit_price,
        amount=amount,
        tax_rate=rate,
        tax=tax,
    )


def _money(
    fields: Fields, values: Values, column: str, cur: Currency | None, *, required: bool
) -> Decimal | None:
    """An amount exact to the currency's minor unit (as every stored amount is)."""
    amount = fields.read(values.decimal, column, required=required)
    if amount is None or cur is None:
        return amount
    exact = round_money(amount, cur)
    if exact != amount:
        fields.fail(column, f"{amount} has more decimals than {cur.code} ({cur.minor_units})")
        return None
    return exact


def _totals(invoice: InvoiceData, header: dict[str, Any], cur: Currency) -> list[RowError]:
    """Given totals must be the sums of the lines; the kind follows the sign, as the
    engine's (an invoice whose total is negative is a credit note)."""
    errors = []
    computed = {
        "total_excl_tax": invoice.total_excl_tax,
        "total_tax": invoice.tax,
        "total": invoice.total,
    }
    for name, value in computed.items():
        given = header.get(name)
        if given is not None and given != value:
            errors.append(
                RowError(name, f"{given} is not the sum of the lines ({value} {cur.code})")
            )
    kind = "credit_note" if invoice.total_excl_tax < 0 else "invoice"
    if invoice.kind and invoice.kind != kind:
        errors.append(
            RowError(
                "kind",
                f"the lines total {invoice.total_excl_tax} excluding tax, which makes "
                f"{_NAMES[kind]}, not {_NAMES[invoice.kind]} (a credit note's amounts are "
                "negative)",
            )
        )
    invoice.kind = kind
    return errors


def billed_twice(invoice: InvoiceData, known: Known) -> tuple[Row, RowError] | None:
    """A historical line of a contract line that Cn285 bills from a day it covers: billing
    runs would invoice that period again (history does not stop them)."""
    for line in invoice.lines:
        if not line.line_ref:
            continue
        contract, code = line.line_ref.split("/", 1)
        start = known.contract_lines[contract][code]
        if line.end >= start:
            return line.row, RowError(
                "end",
                f"{line.end} is on or after {start}, the day Cn285 starts billing line "
                f"{line.line_ref}: that period would be invoiced twice (start the line after "
                "the history it continues)",
            )
    return None

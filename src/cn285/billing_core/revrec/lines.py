"""Revenue lines: the invoice lines revenue recognition works from, one per invoice line.

A revenue line carries what recognition and posting need and nothing else, so that lines
can be streamed from the engine's invoices or from issued invoices stored by the hub.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from cn285.billing_core.invoicing import Invoice
from cn285.billing_core.money import Currency, currency, round_money
from cn285.billing_core.revrec.errors import RevrecError

DOCUMENT_KINDS = frozenset({"invoice", "credit_note"})
#: spread over their service period: the service is rendered day by day
SPREAD_KINDS = frozenset({"recurring", "cascade"})
#: recognised when invoiced: usage is already consumed, a one-shot already delivered
POINT_KINDS = frozenset({"one_shot", "usage"})
LINE_KINDS = SPREAD_KINDS | POINT_KINDS


@dataclass(frozen=True, slots=True, kw_only=True)
class RevenueLine:
    """One line of an issued invoice or credit note; amounts are exact in the minor unit.

    `start`/`end` are the service period, both days included, or both None (no period).
    `amount` excludes tax and is negative on a credit note's crediting lines.
    """

    invoice_number: str
    invoice_date: date
    kind: str  # invoice | credit_note
    position: int  # the line's position on its invoice, from 1
    item_code: str
    item_category: str | None = None
    line_kind: str  # recurring | one_shot | usage | cascade
    start: date | None
    end: date | None
    amount: Decimal
    tax: Decimal
    currency: str  # ISO 4217 code
    customer: str

    def __post_init__(self) -> None:
        where = f"{self.invoice_number or '(no number)'} line {self.position}"
        if not self.invoice_number:
            raise RevrecError(f"{where}: a revenue line needs its invoice number")
        if self.kind not in DOCUMENT_KINDS:
            raise RevrecError(f"{where}: kind {self.kind!r} is not invoice or credit_note")
        if self.line_kind not in LINE_KINDS:
            known = ", ".join(sorted(LINE_KINDS))
            raise RevrecError(f"{where}: line kind {self.line_kind!r} is not one of {known}")
        if (self.start is None) != (self.end is None):
            raise RevrecError(f"{where}: a service period needs both its start and its end")
        if self.start is not None and self.end is not None and self.end < self.start:
            raise RevrecError(f"{where}: service ends {self.end}, before it starts {self.start}")
        cur = currency(self.currency)  # raises CurrencyError on an unknown code
        for name in ("amount", "tax"):
            value = getattr(self, name)
            if not isinstance(value, Decimal) or not value.is_finite():
                raise RevrecError(f"{where}: {name} must be a finite Decimal, got {value!r}")
            if round_money(value, cur) != value:
                raise RevrecError(
                    f"{where}: {name} {value} is not exact to the {cur.code} minor unit"
                )

    @property
    def cur(self) -> Currency:
        return currency(self.currency)

    @property
    def has_period(self) -> bool:
        return self.start is not None


def from_invoice(
    invoice: Invoice, categories: Mapping[str, str] | None = None
) -> Iterator[RevenueLine]:
    """The revenue lines of an engine invoice, in line order.

    Engine items have no category: `categories` maps item codes to the category that
    chooses their income account (items not in it have none). A negative total makes the
    document a credit note, as the engine numbers it.
    """
    categories = categories or {}
    for position, line in enumerate(invoice.lines, start=1):
        yield RevenueLine(
            invoice_number=invoice.number,
            invoice_date=invoice.date,
            kind=invoice.kind,
            position=position,
            item_code=line.item,
            item_category=categories.get(line.item),
            line_kind=line.kind,
            start=line.start,
            end=line.end,
            amount=line.amount,
            tax=line.tax,
            currency=invoice.currency.code,
            customer=invoice.customer,
        )

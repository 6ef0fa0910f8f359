"""The quote document (PDF, fpdf2): number and version, customer, lines, preview invoices.

Drawn from the stored version and its preview only, so the document a customer signs shows
exactly what the contract will invoice. Core fonts are Latin-1: other characters are
replaced rather than failing the document.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from fpdf import FPDF

from cn285.billing_core.catalog import Customer
from cn285.hub.quotes.preview import Preview
from cn285.hub.quotes.versions import QuoteContent


@dataclass(frozen=True)
class QuoteDocument:
    number: str
    version: int
    title: str
    issued: date
    customer: Customer
    content: QuoteContent
    preview: Preview


def _t(text: object) -> str:
    return str(text).encode("latin-1", "replace").decode("latin-1")


def _money(value: object, currency: str) -> str:
    return f"{value} {currency}"


def render(doc: QuoteDocument) -> bytes:
    """The PDF's bytes."""
    pdf = FPDF(format="A4")
    pdf.set_title(_t(f"Quote {doc.number} v{doc.version}"))
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 16)
    pdf.cell(
        0, 10, _t(f"Quote {doc.number} - version {doc.version}"), new_x="LMARGIN", new_y="NEXT"
    )
    pdf.set_font("Helvetica", size=10)
    for text in (
        doc.title,
        f"Date: {doc.issued.isoformat()}",
        f"Customer: {doc.customer.name} ({doc.customer.code}), {doc.customer.country}",
        *([f"VAT number: {doc.customer.vat_number}"] if doc.customer.vat_number else []),
        f"Price list: {doc.content.price_list} ({doc.preview.currency})",
    ):
        if text:
            pdf.cell(0, 6, _t(text), new_x="LMARGIN", new_y="NEXT")
    _lines(pdf, doc.content)
    _invoices(pdf, doc.preview)
    pdf.ln(6)
    pdf.set_font("Helvetica", "B", 10)
    pdf.cell(0, 6, "Signature:", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def _heading(pdf: FPDF, text: str) -> None:
    pdf.ln(4)
    pdf.set_font("Helvetica", "B", 12)
    pdf.cell(0, 8, _t(text), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=9)


def _row(pdf: FPDF, widths: tuple[int, ...], cells: tuple[object, ...], bold: bool = False) -> None:
    pdf.set_font("Helvetica", "B" if bold else "", 9)
    for width, cell in zip(widths, cells, strict=True):
        pdf.cell(width, 6, _t(cell), border=1)
    pdf.ln()


def _lines(pdf: FPDF, content: QuoteContent) -> None:
    _heading(pdf, "Lines")
    widths = (18, 30, 20, 18, 26, 26, 22, 22)
    _row(pdf, widths, ("Line", "Item", "Kind", "Qty", "Start", "End", "Period", "Timing"), True)
    for ln in content.lines:
        _row(
            pdf,
            widths,
            (
                ln.code,
                ln.item,
                ln.kind.value,
                ln.quantity,
                ln.start or "",
                ln.end or "",
                ln.period.value,
                (ln.timing.value if ln.timing else ""),
            ),
        )
    for a in content.adjustments:
        what = f"{a.percent}% discount" if a.do == "discount" else "free period"
        target = f"line {a.line}" if a.line else "all lines"
        pdf.cell(
            0, 6, _t(f"{what} on {target}, {a.from_} to {a.to}"), new_x="LMARGIN", new_y="NEXT"
        )


def _invoices(pdf: FPDF, preview: Preview) -> None:
    cur = preview.currency
    _heading(pdf, f"Invoices from {preview.start} to {preview.until} (preview)")
    widths = (26, 22, 50, 32, 28, 32)
    _row(pdf, widths, ("Date", "Line", "Service", "Excl. tax", "Tax", "Total"), True)
    for invoice in preview.invoices:
        for line in invoice.lines:
            _row(
                pdf,
                widths,
                (
                    invoice.date,
                    line.line.rpartition("/")[2],
                    f"{line.start} - {line.end}",
                    _money(line.amount, cur),
                    _money(line.tax, cur),
                    _money(line.amount + line.tax, cur),
                ),
            )
    _row(
        pdf,
        widths,
        (
            "Total",
            "",
            f"{len(preview.invoices)} invoices",
            _money(preview.total_excl_tax, cur),
            _money(preview.tax, cur),
            _money(preview.total, cur),
        ),
        True,
    )

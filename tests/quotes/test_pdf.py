"""The quote PDF carries the number, version, customer, lines and the preview's totals."""

from __future__ import annotations

import io
from datetime import date

from pypdf import PdfReader

from cn285.hub.quotes.pdf import QuoteDocument, render
from cn285.hub.quotes.preview import preview
from tests.quotes.builders import catalog_and_customer, content


def test_the_pdf_shows_the_version_customer_lines_and_totals():
    catalog, customer = catalog_and_customer()
    quote = content()
    shown = preview(quote, customer, catalog, months=3)
    data = render(
        QuoteDocument("Q-000007", 2, "Platform offer", date(2026, 1, 5), customer, quote, shown)
    )
    assert data.startswith(b"%PDF")
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    assert "Quote Q-000007 - version 2" in text
    assert "Acme SA (ACME)" in text
    assert "PLATFORM" in text and "SETUP" in text
    assert "10% discount on line L1" in text
    assert f"{shown.total} EUR" in text
    assert f"{shown.total_excl_tax} EUR" in text

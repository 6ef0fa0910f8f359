"""The CSV export: RFC 4180 rows an accountant's spreadsheet reads back to the cent."""

from __future__ import annotations

import csv
import io
from decimal import Decimal as D

import pytest

from cn285.hub.exports import CSV_COLUMNS, ExportCounts, ExportError, write_csv
from tests.unit.exports.builders import entry, line, sale


def csv_text(entries) -> str:
    out = io.StringIO(newline="")
    write_csv(entries, out)
    return out.getvalue()


def test_sales_entry_is_written_row_for_row():
    out = io.StringIO(newline="")
    counts = write_csv([sale()], out)
    assert out.getvalue().split("\r\n") == [
        "journal,number,date,piece_ref,piece_date,label,account,account_label,aux_account"
        ",aux_label,line_label,debit,credit,currency,currency_amount",
        "VE,1,2026-01-15,INV-000001,2026-01-14,Invoice INV-000001 C1,411000,Clients,C1,Acme SARL"
        ",Invoice INV-000001 C1,1440.00,0.00,,",
        "VE,1,2026-01-15,INV-000001,2026-01-14,Invoice INV-000001 C1,487000"
        ',Produits constatés d\'avance,,,"Invoice INV-000001 C1, deferred revenue",0.00,1200.00,,',
        "VE,1,2026-01-15,INV-000001,2026-01-14,Invoice INV-000001 C1,445710,TVA collectée,,"
        ',"Invoice INV-000001 C1, VAT",0.00,240.00,,',
        "",
    ]
    assert counts == ExportCounts(entries=1, lines=3, debit=D("1440.00"), credit=D("1440.00"))


def test_csv_reader_gives_back_the_amounts_to_the_cent():
    entries = [
        sale(1),
        entry(line("411000", debit="0.01"), line("706000", credit="0.01"), number=2),
        entry(line("411000", debit="9999999.99"), line("706000", credit="9999999.99"), number=3),
    ]
    rows = list(csv.reader(io.StringIO(csv_text(entries), newline="")))
    assert tuple(rows[0]) == CSV_COLUMNS
    got = [(row[1], row[6], D(row[11]), D(row[12])) for row in rows[1:]]
    assert got == [
        ("1", "411000", D("1440.00"), D(0)),
        ("1", "487000", D(0), D("1200.00")),
        ("1", "445710", D(0), D("240.00")),
        ("2", "411000", D("0.01"), D(0)),
        ("2", "706000", D(0), D("0.01")),
        ("3", "411000", D("9999999.99"), D(0)),
        ("3", "706000", D(0), D("9999999.99")),
    ]


def test_commas_quotes_and_line_breaks_in_labels_survive_the_round_trip():
    label = 'Acme, "the" company\r\nline two'
    tricky = entry(
        line("411000", debit="1.00", label=label, aux=("C,1", label)), line("706000", credit="1.00")
    )
    rows = list(csv.DictReader(io.StringIO(csv_text([tricky]), newline="")))
    assert (rows[0]["line_label"], rows[0]["aux_account"], rows[0]["aux_label"]) == (
        label,
        "C,1",
        label,
    )


def test_currency_and_currency_amount_are_written_per_line():
    usd = entry(currency="USD", currency_amounts=(D("108.5"), D("108.50")))
    rows = list(csv.DictReader(io.StringIO(csv_text([usd]), newline="")))
    assert [(row["currency"], row["currency_amount"]) for row in rows] == [
        ("USD", "108.50"),
        ("USD", "108.50"),
    ]


def test_entries_out_of_sequence_are_refused():
    with pytest.raises(ExportError, match=r"entry 2 .* out of sequence: entry 1 expected"):
        write_csv([entry(number=2)], io.StringIO())

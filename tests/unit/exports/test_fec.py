"""The FEC as written: exact rows, separators, decimal comma, refused text, file name."""

from __future__ import annotations

import io
import re
from datetime import date, datetime
from decimal import Decimal as D

import pytest

from cn285.hub.exports import (
    FEC_COLUMNS,
    ExportCounts,
    ExportError,
    check_fec,
    fec_filename,
    write_fec,
)
from tests.unit.exports.builders import SALE_FEC, entry, fec_text, line, sale


def test_sales_entry_is_written_row_for_row():
    out = io.StringIO(newline="")
    counts = write_fec([sale()], out)
    assert out.getvalue() == "".join(row + "\r\n" for row in SALE_FEC)
    assert counts == ExportCounts(entries=1, lines=3, debit=D("1440.00"), credit=D("1440.00"))


def test_header_names_the_18_columns_of_a47_a1_in_order():
    assert fec_text([]).split("\r\n")[0] == (
        "JournalCode|JournalLib|EcritureNum|EcritureDate|CompteNum|CompteLib|CompAuxNum"
        "|CompAuxLib|PieceRef|PieceDate|EcritureLib|Debit|Credit|EcritureLet|DateLet|ValidDate"
        "|Montantdevise|Idevise"
    )
    assert len(FEC_COLUMNS) == 18


def test_tab_separator_writes_the_same_fields_separated_by_tabs():
    text = fec_text([sale()], separator="\t")
    assert text.split("\r\n")[:-1] == [row.replace("|", "\t") for row in SALE_FEC]
    assert "|" not in text


def test_a_pipe_in_a_field_is_allowed_with_the_tab_separator():
    record = sale(
        label="a|b", account_labels={"411000": "Clients | France", "487000": "PCA", "445710": "TVA"}
    )
    text = fec_text([record], separator="\t")
    assert text.split("\r\n")[1].split("\t")[5] == "Clients | France"
    assert check_fec(io.StringIO(text, newline=""), "\t") == []


def test_amounts_use_a_decimal_comma_and_no_thousands_separator():
    big = entry(line("411000", debit="1234567.80"), line("706000", credit="1234567.80"))
    rows = [row.split("|") for row in fec_text([big]).split("\r\n")[1:3]]
    assert [(row[11], row[12]) for row in rows] == [("1234567,80", "0,00"), ("0,00", "1234567,80")]


def test_amounts_with_fewer_digits_are_written_with_two_decimals():
    whole = entry(line("411000", debit="5"), line("706000", credit="5.0"))
    rows = [row.split("|") for row in fec_text([whole]).split("\r\n")[1:3]]
    assert [(row[11], row[12]) for row in rows] == [("5,00", "0,00"), ("0,00", "5,00")]


def test_negative_zero_on_the_unused_side_is_written_as_zero():
    signed = entry(line("411000", debit="1.00", credit="-0.00"), line("706000", credit="1.00"))
    assert fec_text([signed]).split("\r\n")[1].split("|")[12] == "0,00"


def test_foreign_currency_amounts_go_to_montantdevise_and_idevise():
    usd = entry(currency="USD", currency_amounts=(D("108.5"), D("108.50")))
    jpy = entry(number=2, currency="JPY", currency_amounts=(D("15000"), D("15000")))
    rows = [row.split("|") for row in fec_text([usd, jpy]).split("\r\n")[1:5]]
    assert [(row[16], row[17]) for row in rows] == [
        ("108,50", "USD"),
        ("108,50", "USD"),
        ("15000", "JPY"),
        ("15000", "JPY"),
    ]


@pytest.mark.parametrize(
    ("overrides", "field", "shown"),
    [
        ({"journal_label": "Ventes|France"}, "JournalLib", "the separator '|'"),
        ({"piece_ref": "INV|1"}, "PieceRef", "the separator '|'"),
        (
            {"lines": (line(debit="1", label="Acme | Co"), line("706000", credit="1"))},
            "EcritureLib",
            "the separator '|'",
        ),
        (
            {"lines": (line(debit="1", account_label="Clients\n"), line("706000", credit="1"))},
            "CompteLib",
            r"a control character '\n'",
        ),
        (
            {"lines": (line(debit="1", aux=("C1", "Acme\tSA")), line("706000", credit="1"))},
            "CompAuxLib",
            r"a control character '\t'",
        ),
        (
            {"lines": (line(debit="1", label="a\u2028b"), line("706000", credit="1"))},
            "EcritureLib",
            r"a control character '\u2028'",
        ),
    ],
)
def test_a_field_holding_the_separator_or_a_control_character_is_refused(overrides, field, shown):
    out = io.StringIO()
    with pytest.raises(ExportError) as error:
        write_fec([entry(number=1), entry(number=2, **overrides)], out)
    assert str(error.value).startswith(f"entry 2: {field} ")
    assert f"contains {shown}" in str(error.value)
    assert (error.value.number, error.value.field) == (2, field)


def test_a_tab_in_a_field_is_refused_with_the_tab_separator_naming_it():
    bad = entry(label="x", lines=(line(debit="1", label="a\tb"), line("706000", credit="1")))
    with pytest.raises(
        ExportError, match=r"entry 1: EcritureLib 'a\\tb' contains the separator '\\t'"
    ):
        write_fec([bad], io.StringIO(), "\t")


def test_other_separators_are_refused():
    with pytest.raises(ExportError, match=re.escape("FEC separator must be '|' or a tab, got ';'")):
        write_fec([], io.StringIO(), ";")
    with pytest.raises(ExportError, match="FEC separator"):
        check_fec([], ",")


def test_entries_must_be_numbered_from_one_without_gap():
    with pytest.raises(ExportError, match=r"entry 3 .* out of sequence: entry 2 expected"):
        write_fec([sale(1), sale(3)], io.StringIO())


def test_an_unbalanced_entry_never_reaches_the_writer(tmp_path):
    with pytest.raises(ExportError, match=r"entry 4 \(INV-000004\) does not balance"):
        write_fec(
            [entry(number=4, lines=(line(debit="10.00"), line("706000", credit="9.99")))],
            io.StringIO(),
        )


def test_dates_are_written_yyyymmdd_even_before_year_1000():
    old = entry(date=date(999, 3, 4), piece_date=date(1, 1, 1), validated_on=date(2026, 12, 31))
    row = fec_text([old]).split("\r\n")[1].split("|")
    assert (row[3], row[9], row[15]) == ("09990304", "00010101", "20261231")


def test_fec_filename_is_siren_fec_closing_date():
    assert fec_filename("732 829 320", date(2026, 12, 31)) == "732829320FEC20261231.txt"


@pytest.mark.parametrize("siren", ["732829321", "73282932", "ABCDEFGHI", ""])
def test_fec_filename_refuses_an_invalid_siren(siren):
    with pytest.raises(ExportError, match=f"FEC file name: SIREN '{siren}' is not valid"):
        fec_filename(siren, date(2026, 12, 31))


def test_fec_filename_refuses_a_datetime_closing_date():
    with pytest.raises(ExportError, match="closing date must be a date"):
        fec_filename("732829320", datetime(2026, 12, 31))

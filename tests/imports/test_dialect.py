"""Dialect detection on real files: delimiters, encodings, decimal marks and date formats,
and declared options winning over detection."""

from __future__ import annotations

from pathlib import Path

import pytest

from cn285.hub.imports.dialect import SAMPLE, ImportFileError, detect
from cn285.hub.imports.model import Dialect


def write(folder: Path, data: bytes | str, name: str = "data.csv") -> Path:
    path = folder / name
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


USAGE = "line,id,at,quantity\nK1/L2,e1,2026-01-20T10:00:00Z,12.50\nK1/L2,e2,2026-01-21,3\n"


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_each_delimiter_is_detected(tmp_path, delimiter):
    path = write(tmp_path, USAGE.replace(",", delimiter))
    assert detect(path).delimiter == delimiter


def test_a_plain_utf8_file_reads_as_iso_dates_and_decimal_points(tmp_path):
    assert detect(write(tmp_path, USAGE)) == Dialect(",", "utf-8", ".", "iso")


def test_a_bom_means_utf8_sig(tmp_path):
    path = write(tmp_path, b"\xef\xbb\xbf" + "code;name\nACME;Société\n".encode())
    assert detect(path).encoding == "utf-8-sig"


def test_windows_1252_bytes_are_detected(tmp_path):
    path = write(tmp_path, "code;name;price\nACME;Société Générale (€);12,50\n".encode("cp1252"))
    assert detect(path) == Dialect(";", "cp1252", ",", "iso")


def test_a_byte_neither_utf8_nor_cp1252_refuses_the_file(tmp_path):
    path = write(tmp_path, b"code;name\nACME;\x81\xe9\n")  # 0x81 is undefined in cp1252
    with pytest.raises(ImportFileError, match=r"line 2: byte 0x81"):
        detect(path)


def test_utf16_is_refused_with_advice(tmp_path):
    path = write(tmp_path, "code,name\nA,B\n".encode("utf-16"))
    with pytest.raises(ImportFileError, match="UTF-16"):
        detect(path)


@pytest.mark.parametrize("data", [b"", b"  \r\n\n"])
def test_an_empty_file_is_refused(tmp_path, data):
    with pytest.raises(ImportFileError, match="empty"):
        detect(write(tmp_path, data))


def test_a_missing_file_is_a_file_error(tmp_path):
    with pytest.raises(ImportFileError, match="cannot read"):
        detect(tmp_path / "nowhere.csv")


def test_one_column_gives_no_delimiter(tmp_path):
    with pytest.raises(ImportFileError, match="--delimiter"):
        detect(write(tmp_path, "code\nA\nB\n"))


def test_quoted_newlines_and_delimiters_do_not_fool_the_delimiter(tmp_path):
    notes = '"a note; with semicolons;\nover; two lines; and more;"'
    text = f"code,name,notes\nA,Alpha,{notes}\nB,Beta,{notes}\nC,Gamma,plain\n"
    assert detect(write(tmp_path, text)).delimiter == ","


def test_the_delimiter_most_records_agree_with_wins_over_a_damaged_row(tmp_path):
    rows = "".join(f"K{n}/L2;e{n};2026-01-20;{n},5\n" for n in range(20))
    text = "line;id;at;quantity\n" + rows + "K9/L2;broken\n"
    assert detect(write(tmp_path, text)).delimiter == ";"


@pytest.mark.parametrize(
    ("cells", "decimal"),
    [
        (["12,50", "3"], ","),
        (["-3,5", "1"], ","),
        (["1 234,50", "7"], ","),
        (["12.50", "3"], "."),
        (["12", "3"], "."),
        (["v1,2,3", "x"], "."),  # not a number
    ],
)
def test_the_decimal_mark_is_read_from_numeric_cells(tmp_path, cells, decimal):
    text = "code;amount\n" + "".join(f"C{i};{cell}\n" for i, cell in enumerate(cells))
    assert detect(write(tmp_path, text)).decimal == decimal


def test_a_comma_delimited_file_keeps_decimal_points(tmp_path):
    text = 'code,amount\nA,"12,50"\nB,3\n'  # a quoted comma is not a decimal comma here
    assert detect(write(tmp_path, text)).decimal == "."


@pytest.mark.parametrize(
    ("dates", "expected"),
    [
        (["2026-01-20", "2026-02-01T10:00:00Z"], "iso"),
        (["31/01/2026", "01/02/2026"], "dmy"),
        (["05/02/2026", "20/02/2026 10:30"], "dmy"),
        (["2026-01-20", "13/01/2026"], "dmy"),
        (["no date", "12"], "iso"),
    ],
)
def test_the_date_format_is_read_from_unambiguous_dates(tmp_path, dates, expected):
    text = "code;on\n" + "".join(f"C{i};{d}\n" for i, d in enumerate(dates))
    assert detect(write(tmp_path, text)).date_format == expected


def test_only_ambiguous_slashed_dates_ask_for_the_date_format(tmp_path):
    path = write(tmp_path, "code;on\nA;01/02/2026\nB;03/04/2026\n")
    with pytest.raises(ImportFileError, match=r"'01/02/2026'.*--date-format"):
        detect(path)
    assert detect(path, {"date_format": "dmy"}).date_format == "dmy"


def test_month_first_dates_are_refused(tmp_path):
    with pytest.raises(ImportFileError, match="month first"):
        detect(write(tmp_path, "code;on\nA;01/31/2026\n"))


def test_declared_options_win(tmp_path):
    path = write(tmp_path, "a;b;c\n1;2,5;x\n3;4,5;y\n")
    declared = {"delimiter": ",", "encoding": "cp1252", "decimal": ".", "date_format": "dmy"}
    assert detect(path, declared) == Dialect(",", "cp1252", ".", "dmy")
    assert detect(path, {"delimiter": None, "decimal": None}).delimiter == ";"


@pytest.mark.parametrize(
    ("declared", "expected"),
    [
        ({"delimiter": "tab"}, "\t"),
        ({"delimiter": "\\t"}, "\t"),
        ({"delimiter": "semicolon"}, ";"),
        ({"encoding": "UTF8"}, "utf-8"),
        ({"encoding": "windows-1252"}, "cp1252"),
        ({"decimal": "comma"}, ","),
        ({"date_format": "DD/MM/YYYY"}, "dmy"),
    ],
)
def test_declared_options_accept_their_usual_names(tmp_path, declared, expected):
    dialect = detect(write(tmp_path, USAGE), declared)
    assert getattr(dialect, next(iter(declared))) == expected


def test_declared_utf8_on_a_bom_file_skips_the_bom(tmp_path):
    path = write(tmp_path, b"\xef\xbb\xbfcode,name\nA,B\n")
    assert detect(path, {"encoding": "utf-8"}).encoding == "utf-8-sig"


@pytest.mark.parametrize(
    ("declared", "option"),
    [
        ({"delimiter": "|"}, "--delimiter"),
        ({"encoding": "latin-9"}, "--encoding"),
        ({"encoding": "no-such-codec"}, "--encoding"),
        ({"decimal": "x"}, "--decimal"),
        ({"date_format": "mdy"}, "--date-format"),
        ({"quote": "'"}, "unknown option 'quote'"),
    ],
)
def test_invalid_declared_values_name_the_option(tmp_path, declared, option):
    with pytest.raises(ImportFileError, match=option):
        detect(write(tmp_path, USAGE), declared)


def test_a_declared_encoding_that_does_not_fit_the_sample_is_refused(tmp_path):
    path = write(tmp_path, "code;name\nACME;Société\n".encode("cp1252"))
    with pytest.raises(ImportFileError, match="line 2: byte 0xe9 is not valid utf-8"):
        detect(path, {"encoding": "utf-8"})


def test_only_the_sample_is_read(tmp_path):
    """A cp1252 byte after the first 256 KB is not seen: the reader reports it later, with
    its line (see test_reader)."""
    head = "line,id,at,quantity\n" + "K1/L2,e,2026-01-20,1\n" * (SAMPLE // 21 + 10)
    path = write(tmp_path, head.encode() + "K1/L2,é,2026-01-20,1\n".encode("cp1252"))
    assert detect(path).encoding == "utf-8"


def test_a_multibyte_character_cut_by_the_sample_end_is_still_utf8(tmp_path):
    filler = b"line,id,at,quantity\n" + b"K1/L2,e,2026-01-20,1\n" * (SAMPLE // 21 - 10)
    pad = SAMPLE - 1 - len(filler) - len(b"K1/L2,")
    data = filler + b"K1/L2," + b"x" * pad + "é,2026-01-20,1\n".encode() * 3
    assert data[SAMPLE - 1 : SAMPLE + 1] == "é".encode()  # cut in two by the sample
    assert detect(write(tmp_path, data)).encoding == "utf-8"


def test_two_delimiters_that_fit_equally_are_a_question(tmp_path):
    with pytest.raises(ImportFileError, match="cannot tell the delimiter"):
        detect(write(tmp_path, "a;b,c\n1;2,5\n3;4,5\n"))

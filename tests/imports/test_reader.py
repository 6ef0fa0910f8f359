"""Reading rows: the header, line numbers, damaged records marked (never half-read), and
flat memory."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import pytest

from cn285.hub.imports import reader
from cn285.hub.imports.dialect import ImportFileError, detect
from cn285.hub.imports.model import Dialect, Row
from cn285.hub.imports.reader import FIELD_LIMIT, MALFORMED, open_rows

COMMA = Dialect()


def write(folder: Path, data: bytes | str) -> Path:
    path = folder / "data.csv"
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def read(path: Path, dialect: Dialect = COMMA) -> tuple[list[str], list[Row]]:
    header, rows = open_rows(path, dialect)
    return header, list(rows)


def test_the_header_is_stripped_and_in_lower_case_and_values_are_stripped(tmp_path):
    header, rows = read(write(tmp_path, " Line , ID,At\nK1/L2 ,  e1 ,2026-01-20\n"))
    assert header == ["line", "id", "at"]
    assert rows == [Row(2, {"line": "K1/L2", "id": "e1", "at": "2026-01-20"})]


def test_lines_count_physical_lines_quoted_newlines_and_blank_lines_included(tmp_path):
    text = (
        "code,name,notes\r\n"  # 1
        "A,Alpha,plain\r\n"  # 2
        'B,Beta,"first line\r\n'  # 3
        "second line\r\n"  # 4
        'third line"\r\n'  # 5
        "\r\n"  # 6 (blank)
        "C,Gamma,\r\n"  # 7
    )
    _, rows = read(write(tmp_path, text))
    assert [row.line for row in rows] == [2, 3, 7]
    assert rows[1].values["notes"] == "first line\r\nsecond line\r\nthird line"
    assert rows[2].values == {"code": "C", "name": "Gamma", "notes": ""}


@pytest.mark.parametrize(("delimiter", "encoding"), [(";", "cp1252"), ("\t", "utf-8-sig")])
def test_other_delimiters_and_encodings(tmp_path, delimiter, encoding):
    text = delimiter.join(["code", "name"]) + "\n" + delimiter.join(["A", "Société €"]) + "\n"
    path = write(tmp_path, text.encode(encoding))
    dialect = detect(path)
    assert (dialect.delimiter, dialect.encoding) == (delimiter, encoding)
    header, rows = read(path, dialect)
    assert header == ["code", "name"]  # no BOM in the first name
    assert rows == [Row(2, {"code": "A", "name": "Société €"})]


def test_a_record_with_a_wrong_number_of_fields_is_marked_and_reading_goes_on(tmp_path):
    text = "a,b,c,d,e,f,g\n1,2,3,4,5\n1,2,3,4,5,6,7,8\n1,2,3,4,5,6,7\n"
    _, rows = read(write(tmp_path, text))
    assert rows[0].values[MALFORMED] == "5 fields where the header has 7"
    assert rows[0].values["e"] == "5" and "f" not in rows[0].values
    assert rows[1].values[MALFORMED] == "8 fields where the header has 7"
    assert rows[2] == Row(4, dict(zip("abcdefg", "1234567", strict=True)))


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("code,,name", "no name for column 2"),
        ("code,name,Code", "columns named twice: code"),
        ("", "no header"),
    ],
)
def test_a_bad_header_refuses_the_file(tmp_path, header, message):
    with pytest.raises(ImportFileError, match=message):
        read(write(tmp_path, header + ("\nA,B,C\n" if header else "")))


def test_a_nul_byte_refuses_its_record_only(tmp_path):
    _, rows = read(write(tmp_path, "code,name\nA,Al\x00pha\nB,Beta\n"))
    assert rows[0].line == 2 and "NUL byte" in rows[0].values[MALFORMED]
    assert rows[1] == Row(3, {"code": "B", "name": "Beta"})


def test_a_field_over_the_limit_refuses_its_record_and_is_not_kept(tmp_path):
    huge = "x" * (FIELD_LIMIT + 1)
    text = f'code,name\nA,{huge}\nB,"{huge}\n{huge}"\nC,Gamma\n'
    _, rows = read(write(tmp_path, text))
    assert [row.line for row in rows] == [2, 3, 5]
    for row in rows[:2]:
        assert "name: " in row.values[MALFORMED] and "more than 1,000,000" in row.values[MALFORMED]
        assert row.values["name"] == ""
    assert rows[2] == Row(5, {"code": "C", "name": "Gamma"})


def test_a_stray_quote_refuses_its_record_and_the_next_ones_are_read(tmp_path):
    text = 'code,name\nA,"Alpha" Omega\nB,Beta\n'
    _, rows = read(write(tmp_path, text))
    assert rows[0].line == 2 and "cannot be read" in rows[0].values[MALFORMED]
    assert rows[1] == Row(3, {"code": "B", "name": "Beta"})


def test_a_quote_left_open_at_the_end_refuses_the_last_record(tmp_path):
    _, rows = read(write(tmp_path, 'code,name\nA,Alpha\nB,"Beta\nand more\n'))
    assert rows[0] == Row(2, {"code": "A", "name": "Alpha"})
    assert rows[1].line == 3 and MALFORMED in rows[1].values


def test_a_last_row_without_a_line_break_may_be_cut_and_is_refused(tmp_path):
    _, rows = read(write(tmp_path, "line,id,quantity\nK1/L2,e1,38\nK1/L2,e2,3"))
    assert rows[0] == Row(2, {"line": "K1/L2", "id": "e1", "quantity": "38"})
    assert "cut short" in rows[1].values[MALFORMED]
    assert rows[1].values["quantity"] == "3"


def test_a_last_row_ended_by_a_carriage_return_is_complete(tmp_path):
    _, rows = read(write(tmp_path, "code,name\r\nA,Alpha\r"))
    assert rows == [Row(2, {"code": "A", "name": "Alpha"})]


def test_a_quote_never_closed_on_a_huge_file_refuses_the_file(tmp_path, monkeypatch):
    monkeypatch.setattr(reader, "RECORD_LIMIT", 100_000)
    text = 'code,name\nA,"Alpha\n' + "more text\n" * 20_000
    with pytest.raises(ImportFileError, match=r"line 2: a field longer than"):
        read(write(tmp_path, text))


def test_a_line_with_no_end_over_the_record_limit_refuses_the_file(tmp_path, monkeypatch):
    monkeypatch.setattr(reader, "RECORD_LIMIT", 100_000)
    monkeypatch.setattr(reader, "BLOCK", 4096)
    with pytest.raises(ImportFileError, match="line 3 is longer than"):
        read(write(tmp_path, "code,name\nA,B\n" + "x" * 200_000))


def test_a_decoding_error_past_the_sample_names_its_line(tmp_path):
    row = "K1/L2,e,2026-01-20,1\n"
    count = 300_000 // len(row)  # more than the sample, and than a block
    data = ("line,id,at,quantity\n" + row * count).encode() + "K1/L2,é,x,1\n".encode("cp1252")
    path = write(tmp_path, data)
    dialect = detect(path)
    assert dialect.encoding == "utf-8"
    _, rows = open_rows(path, dialect)
    with pytest.raises(ImportFileError, match=rf"line {count + 2}: byte 0xe9 is not valid utf-8"):
        for _ in rows:
            pass


def test_reading_a_large_file_holds_one_block_at_a_time(tmp_path):
    row = "K0000001/L2,event-000000001,2026-01-20T10:00:00Z,12.50," + "p" * 150 + "\n"
    path = write(tmp_path, "line,id,at,quantity,notes\n" + row * 60_000)  # 13 MB
    tracemalloc.start()
    try:
        _, rows = open_rows(path, COMMA)
        count = sum(1 for _ in rows)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 60_000
    assert peak < 3_000_000, f"{peak:,} bytes held while reading"


def test_the_file_is_closed_when_the_rows_are_closed(tmp_path):
    _, rows = open_rows(write(tmp_path, "a,b\n1,2\n3,4\n"), COMMA)
    assert next(rows) == Row(2, {"a": "1", "b": "2"})
    rows.close()  # type: ignore[attr-defined]
    assert list(rows) == []


def test_a_long_column_name_is_cut_in_the_message_of_a_field_over_the_limit(tmp_path, monkeypatch):
    """Found by the fuzz test: the message named the column in full, so a row refused for a
    field over the limit carried a value over the limit itself (a 616-character name)."""
    monkeypatch.setattr(reader, "FIELD_LIMIT", 300)
    name = "x" * 616
    _, rows = read(write(tmp_path, f"code,{name}\nA,{'y' * 400}\n"))
    message = rows[0].values[MALFORMED]
    assert message == f"{'x' * 57}...: 400 characters, more than 300"
    assert all(len(value) <= 300 for value in rows[0].values.values())

"""`check_fec` finds each kind of defect in a hand-broken copy of the sales entry's FEC."""

from __future__ import annotations

import pytest

from cn285.hub.exports import FEC_COLUMNS, check_fec
from tests.unit.exports.builders import SALE_FEC


def with_field(line_number: int, column: str, value: str, lines=SALE_FEC) -> list[str]:
    """`lines` (file lines numbered from 1) with one field of one line replaced."""
    lines = list(lines)
    fields = lines[line_number - 1].split("|")
    fields[FEC_COLUMNS.index(column)] = value
    lines[line_number - 1] = "|".join(fields)
    return lines


def second_entry(number: str = "2") -> list[str]:
    """The sales entry's rows again, numbered `number`."""
    return [row.replace("|1|20260115|", f"|{number}|20260115|") for row in SALE_FEC[1:]]


def test_the_sales_entry_has_no_problem_with_or_without_line_ends():
    assert check_fec(SALE_FEC) == []
    assert check_fec([row + "\r\n" for row in SALE_FEC]) == []
    assert check_fec(["\ufeff" + SALE_FEC[0] + "\n", *SALE_FEC[1:]]) == []
    assert check_fec([*SALE_FEC, *second_entry()]) == []


def test_a_header_only_file_has_no_problem_and_an_empty_file_has_one():
    assert check_fec(SALE_FEC[:1]) == []
    assert check_fec([]) == ["empty file: no header line"]


@pytest.mark.parametrize(
    ("header", "problems"),
    [
        (
            SALE_FEC[0].replace("EcritureLib", "EcritureLibelle"),
            ["line 1 (header): column 11 is 'EcritureLibelle', expected 'EcritureLib'"],
        ),
        (
            SALE_FEC[0].replace("Debit|Credit", "Credit|Debit"),
            [
                "line 1 (header): column 12 is 'Credit', expected 'Debit'",
                "line 1 (header): column 13 is 'Debit', expected 'Credit'",
            ],
        ),
        (
            SALE_FEC[0].replace("|Idevise", ""),
            [f"line 1 (header): 17 column names, expected 18: {'|'.join(FEC_COLUMNS)}"],
        ),
        (
            SALE_FEC[0].replace("|", "\t"),
            [f"line 1 (header): 1 column names, expected 18: {'|'.join(FEC_COLUMNS)}"],
        ),
    ],
)
def test_a_wrong_header_is_reported_column_by_column(header, problems):
    assert check_fec([header, *SALE_FEC[1:]]) == problems


@pytest.mark.parametrize(
    ("lines", "problems"),
    [
        (
            [*SALE_FEC[:2], SALE_FEC[2].removesuffix("|"), SALE_FEC[3]],
            ["line 3: 17 fields, expected 18 (separated by '|')"],
        ),
        (
            [*SALE_FEC[:2], SALE_FEC[2] + "|x", SALE_FEC[3]],
            ["line 3: 19 fields, expected 18 (separated by '|')"],
        ),
        ([*SALE_FEC, ""], ["line 5: blank line"]),
    ],
)
def test_rows_with_the_wrong_number_of_fields_are_reported(lines, problems):
    assert check_fec(lines) == problems


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("PieceDate", "2026-01-14"),
        ("PieceDate", "20260230"),
        ("ValidDate", "2026013"),
        ("DateLet", "31/01/2026"),
    ],
)
def test_dates_not_as_yyyymmdd_are_reported(column, value):
    assert check_fec(with_field(3, column, value)) == [
        f"line 3: {column} {value!r} is not a date as YYYYMMDD"
    ]


def test_an_entry_date_that_differs_within_an_entry_is_reported():
    assert check_fec(with_field(4, "EcritureDate", "20260116")) == [
        "line 4: EcritureNum 1 has JournalCode 'VE' and EcritureDate '20260116', its first row"
        " (line 2) 'VE' and '20260115'"
    ]


@pytest.mark.parametrize("value", ["1440.00", "1 440,00", "1440", "1440,0", "-1440,00", "1.440,00"])
def test_amounts_not_written_with_a_decimal_comma_are_reported(value):
    assert check_fec(with_field(2, "Debit", value)) == [
        f"line 2: Debit {value!r} is not an amount like 1440,00"
        " (decimal comma, two decimals, no thousands separator)"
    ]


def test_a_malformed_currency_amount_is_reported():
    lines = with_field(2, "Idevise", "USD", with_field(2, "Montantdevise", "1.440"))
    assert check_fec(lines) == ["line 2: Montantdevise '1.440' is not an amount like 1440,00"]


def test_an_unbalanced_entry_is_reported_with_its_lines():
    assert check_fec(with_field(4, "Credit", "239,00")) == [
        "lines 2-4: EcritureNum 1 does not balance: Debit 1440,00, Credit 1439,00"
    ]


def test_an_unbalanced_entry_followed_by_another_is_reported_when_it_ends():
    lines = [*with_field(4, "Credit", "241,00"), *second_entry()]
    assert check_fec(lines) == [
        "lines 2-4: EcritureNum 1 does not balance: Debit 1440,00, Credit 1441,00"
    ]


@pytest.mark.parametrize(
    ("debit", "credit"),
    [("1440,00", "1440,00"), ("0,00", "0,00")],
)
def test_a_row_must_have_exactly_one_side(debit, credit):
    lines = with_field(2, "Credit", credit, with_field(2, "Debit", debit))
    problems = check_fec(lines)
    assert problems[0] == (
        f"line 2: exactly one of Debit ({debit}) and Credit ({credit}) must be non-zero"
    )
    assert len(problems) == 2  # and the entry no longer balances
    assert problems[1].startswith("lines 2-4: EcritureNum 1 does not balance")


@pytest.mark.parametrize(
    ("lines", "problems"),
    [
        (
            [SALE_FEC[0], *second_entry("2")],
            [
                "line 2: EcritureNum 2 follows 0, expected 1 (numbered from 1 without gap, rows of an entry together)"
            ],
        ),
        (
            [*SALE_FEC, *second_entry("3")],
            [
                "line 5: EcritureNum 3 follows 1, expected 2 (numbered from 1 without gap, rows of an entry together)"
            ],
        ),
        (
            [*SALE_FEC[:3], *second_entry("2"), SALE_FEC[3]],
            [
                "lines 2-3: EcritureNum 1 does not balance: Debit 1440,00, Credit 1200,00",
                "line 7: EcritureNum 1 follows 2, expected 3 (numbered from 1 without gap, rows of an entry together)",
                "lines 7-7: EcritureNum 1 does not balance: Debit 0,00, Credit 240,00",
            ],
        ),
        (
            with_field(2, "EcritureNum", "VE1"),
            ["line 2: EcritureNum 'VE1' is not a positive integer"],
        ),
    ],
)
def test_entry_numbers_must_run_from_one_without_gap(lines, problems):
    assert check_fec(lines) == problems


@pytest.mark.parametrize(
    "column", ["JournalCode", "CompteNum", "CompteLib", "PieceRef", "EcritureLib", "ValidDate"]
)
def test_an_empty_required_field_is_reported(column):
    problems = check_fec(with_field(3, column, ""))
    assert problems[0] == f"line 3: {column} is empty"


@pytest.mark.parametrize(
    ("column", "value", "pair"),
    [
        ("CompAuxLib", "", "CompAuxNum and CompAuxLib"),
        ("CompAuxNum", "", "CompAuxNum and CompAuxLib"),
        ("Montantdevise", "1440,00", "Montantdevise and Idevise"),
        ("Idevise", "USD", "Montantdevise and Idevise"),
    ],
)
def test_half_of_a_pair_is_reported(column, value, pair):
    assert check_fec(with_field(2, column, value)) == [
        f"line 2: {pair} go together (both or neither)"
    ]


def test_a_journal_code_that_changes_within_an_entry_is_reported():
    assert check_fec(with_field(3, "JournalCode", "OD")) == [
        "line 3: EcritureNum 1 has JournalCode 'OD' and EcritureDate '20260115', its first row"
        " (line 2) 'VE' and '20260115'"
    ]


def test_the_tab_separator_is_read_when_asked_and_reported_when_not():
    tabbed = [row.replace("|", "\t") for row in SALE_FEC]
    assert check_fec(tabbed, "\t") == []
    assert check_fec(SALE_FEC, "\t")[0].startswith("line 1 (header): 1 column names, expected 18")


def test_checking_stops_after_max_problems():
    lines = [SALE_FEC[0], *([SALE_FEC[1].removesuffix("|")] * 10)]
    assert check_fec(lines, max_problems=3) == [
        "line 2: 17 fields, expected 18 (separated by '|')",
        "line 3: 17 fields, expected 18 (separated by '|')",
        "line 4: 17 fields, expected 18 (separated by '|')",
        "stopped after 3 problems",
    ]


def test_digits_of_other_scripts_are_not_dates_or_amounts():
    assert check_fec(with_field(3, "ValidDate", "٢٠٢٦٠١٣١")) == [
        "line 3: ValidDate '٢٠٢٦٠١٣١' is not a date as YYYYMMDD"
    ]
    assert check_fec(with_field(2, "Debit", "١٤٤٠,00"))[0].startswith(
        "line 2: Debit '١٤٤٠,00' is not an amount"
    )


@pytest.mark.parametrize(
    "lines",
    [
        [*SALE_FEC[:2], "VE|broken", SALE_FEC[3], *second_entry()],  # a row of entry 1
        [*SALE_FEC, "VE|broken", *second_entry()[1:]],  # the first row of entry 2
    ],
)
def test_an_unreadable_row_is_not_also_reported_as_an_unbalanced_entry(lines):
    problems = check_fec(lines)
    assert problems == [
        f"line {lines.index('VE|broken') + 1}: 2 fields, expected 18 (separated by '|')"
    ]

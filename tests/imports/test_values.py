"""Typed values in each dialect: what is read, and the refusals that name the value."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from cn285.hub.imports.model import Dialect, Row, RowError
from cn285.hub.imports.values import make_values

POINT = make_values(Dialect())
COMMA = make_values(Dialect(delimiter=";", decimal=","))
DMY = make_values(Dialect(delimiter=";", decimal=",", date_format="dmy"))
UTC = dt.UTC
PARIS = ZoneInfo("Europe/Paris")
PLUS_ONE = dt.timezone(dt.timedelta(hours=1))


def row(value: str) -> Row:
    return Row(7, {"v": value})


def refusal(read, value: str, *args) -> RowError:
    with pytest.raises(RowError) as caught:
        read(row(value), "v", *args)
    assert caught.value.column == "v"
    return caught.value


@pytest.mark.parametrize(
    ("values", "text", "expected"),
    [
        (POINT, "12.50", Decimal("12.50")),
        (POINT, "-3", Decimal(-3)),
        (POINT, "+0.5", Decimal("0.5")),
        (POINT, ".5", Decimal("0.5")),
        (POINT, "1234567890.123456789", Decimal("1234567890.123456789")),
        (COMMA, "12,50", Decimal("12.50")),
        (COMMA, "-3,5", Decimal("-3.5")),
        (COMMA, "1 234,50", Decimal("1234.50")),
        (COMMA, "1\u202f234\u202f567,5", Decimal("1234567.5")),  # narrow no-break spaces
        (COMMA, "1\u00a0234", Decimal(1234)),
        (COMMA, "7", Decimal(7)),
    ],
)
def test_decimals(values, text, expected):
    number = values.decimal(row(text), "v")
    assert number == expected and isinstance(number, Decimal)


@pytest.mark.parametrize(
    ("values", "text", "message"),
    [
        (POINT, "1,234.50", "'1,234.50': write numbers without thousands separators"),
        (POINT, "12,5", "'12,5' has a decimal comma but the file uses decimal points"),
        (POINT, "1 234.50", "'1 234.50' is not a decimal number"),
        (POINT, "1e3", "'1e3' is not a decimal number"),
        (POINT, "NaN", "'NaN' is not a decimal number"),
        (POINT, "Infinity", "'Infinity' is not a decimal number"),
        (POINT, "1_000", "'1_000' is not a decimal number"),
        (POINT, "١٢", "'١٢' is not a decimal number"),  # digits, but not ASCII ones
        (POINT, "12 €", "'12 €' is not a decimal number"),
        (COMMA, "1.234,50", "'1.234,50': write numbers without thousands separators"),
        (COMMA, "12.50", "'12.50' has a decimal point but the file uses decimal commas"),
        (COMMA, "12 34,5", "'12 34,5' is not a decimal number"),
    ],
)
def test_decimals_refused(values, text, message):
    assert refusal(values.decimal, text).message.startswith(message)


@pytest.mark.parametrize(
    "read", [POINT.text, POINT.decimal, POINT.integer, POINT.boolean, POINT.date]
)
def test_empty_is_none_or_required(read):
    assert read(row(""), "v") is None
    assert read(Row(2, {}), "v") is None
    assert refusal(lambda r, c: read(r, c, required=True), "").message == "required"


def test_an_empty_instant_is_none_or_required():
    assert POINT.instant(row(""), "v", "UTC") is None
    assert refusal(lambda r, c: POINT.instant(r, c, "UTC", required=True), "").message == (
        "required"
    )


def test_text_is_the_stripped_cell():
    assert POINT.text(row("Société"), "v") == "Société"


@pytest.mark.parametrize(
    ("values", "text", "expected"),
    [(POINT, "42", 42), (POINT, "-7", -7), (COMMA, "1 000", 1000), (POINT, "+3", 3)],
)
def test_integers(values, text, expected):
    assert values.integer(row(text), "v") == expected


@pytest.mark.parametrize("text", ["4.0", "1 000", "x", "٣"])
def test_integers_refused(text):
    assert refusal(POINT.integer, text).message == f"{text!r} is not a whole number"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("true", True),
        ("TRUE", True),
        ("Yes", True),
        ("1", True),
        ("false", False),
        ("No", False),
        ("0", False),
    ],
)
def test_booleans(text, expected):
    assert POINT.boolean(row(text), "v") is expected


def test_booleans_refused():
    assert "'maybe' is not a yes or no" in refusal(POINT.boolean, "maybe").message


@pytest.mark.parametrize(
    ("values", "text", "expected"),
    [
        (POINT, "2026-01-31", dt.date(2026, 1, 31)),
        (DMY, "31/01/2026", dt.date(2026, 1, 31)),
        (DMY, "5/2/2026", dt.date(2026, 2, 5)),
        (DMY, "2026-01-31", dt.date(2026, 1, 31)),  # ISO is always understood
    ],
)
def test_dates(values, text, expected):
    assert values.date(row(text), "v") == expected


@pytest.mark.parametrize(
    ("values", "text", "message"),
    [
        (POINT, "2026-02-30", "'2026-02-30' is not a day of the calendar"),
        (DMY, "31/02/2026", "'31/02/2026' is not a day of the calendar"),
        (POINT, "31/01/2026", "'31/01/2026': write dates as YYYY-MM-DD (or declare"),
        (POINT, "20260131", "'20260131' is not a date (YYYY-MM-DD)"),
        (DMY, "31.01.2026", "'31.01.2026' is not a date (YYYY-MM-DD or DD/MM/YYYY)"),
    ],
)
def test_dates_refused(values, text, message):
    assert refusal(values.date, text).message.startswith(message)


@pytest.mark.parametrize(
    ("values", "text", "expected"),
    [
        (POINT, "2026-01-20T10:00:00Z", dt.datetime(2026, 1, 20, 10, tzinfo=UTC)),
        (POINT, "2026-01-20T10:00:00+01:00", dt.datetime(2026, 1, 20, 10, tzinfo=PLUS_ONE)),
        (POINT, "2026-01-20 10:00", dt.datetime(2026, 1, 20, 10, tzinfo=PARIS)),
        (POINT, "2026-07-20T10:00:00.250", dt.datetime(2026, 7, 20, 10, 0, 0, 250000, PARIS)),
        (DMY, "20/01/2026 10:00", dt.datetime(2026, 1, 20, 10, tzinfo=PARIS)),
        (DMY, "20/07/2026 10:00:30", dt.datetime(2026, 7, 20, 10, 0, 30, tzinfo=PARIS)),
        (DMY, "2026-01-20T10:00:00Z", dt.datetime(2026, 1, 20, 10, tzinfo=UTC)),
    ],
)
def test_instants_with_their_offset_or_in_the_zone(values, text, expected):
    moment = values.instant(row(text), "v", "Europe/Paris")
    assert moment == expected and moment.utcoffset() == expected.utcoffset()


@pytest.mark.parametrize(
    ("values", "text", "message"),
    [
        (POINT, "20/01/2026 10:00", "'20/01/2026 10:00' is not an instant such as 2026-01-20"),
        (POINT, "yesterday", "'yesterday' is not an instant"),
        (DMY, "31/02/2026 10:00", "'31/02/2026 10:00' is not a valid date and time"),
        (DMY, "20/01/2026 25:00", "'20/01/2026 25:00' is not a valid date and time"),
        (DMY, "20/01/2026", "'20/01/2026' is not an instant such as"),
    ],
)
def test_instants_refused(values, text, message):
    assert refusal(lambda r, c: values.instant(r, c, "UTC"), text).message.startswith(message)


def test_an_unknown_zone_is_a_row_error():
    error = refusal(lambda r, c: POINT.instant(r, c, "Mars/Olympus"), "2026-01-20 10:00")
    assert error.message == "unknown time zone 'Mars/Olympus'"

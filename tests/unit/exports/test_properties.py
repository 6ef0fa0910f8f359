"""Properties: whatever balanced entries go in, `check_fec` finds nothing wrong in the FEC."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal as D

from hypothesis import given
from hypothesis import strategies as st

from cn285.hub.exports import ExportError, LedgerEntry, LedgerLine, check_fec, write_csv, write_fec

# any text without the separators and the control characters the FEC refuses
SAFE = st.text(
    st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp"), blacklist_characters="|"),
    min_size=1,
    max_size=20,
).filter(str.strip)
ANY_TEXT = st.text(min_size=1, max_size=20).filter(str.strip)
CENTS = st.integers(min_value=1, max_value=10**12).map(lambda cents: D(cents).scaleb(-2))
DATES = st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 31))


@st.composite
def ledger_lines(draw, text=SAFE):
    """Balanced lines: random debits and credits, and one line that makes up the difference."""

    def one(debit: D, credit: D) -> LedgerLine:
        aux = draw(st.none() | st.tuples(text, text))
        return LedgerLine(draw(text), draw(text), draw(text), debit, credit, *(aux or (None, None)))

    debits = draw(st.lists(CENTS, min_size=1, max_size=4))
    credits = draw(st.lists(CENTS, max_size=4))
    lines = [one(amount, D(0)) for amount in debits] + [one(D(0), amount) for amount in credits]
    difference = sum(debits) - sum(credits)
    if difference > 0:
        lines.append(one(D(0), difference))
    elif difference < 0:
        lines.append(one(-difference, D(0)))
    return tuple(draw(st.permutations(lines)))


@st.composite
def ledger_entries(draw, text=SAFE):
    count = draw(st.integers(min_value=0, max_value=5))
    entries = []
    for number in range(1, count + 1):
        lines = draw(ledger_lines(text))
        code = draw(st.sampled_from([None, "USD", "JPY"]))
        amounts = None
        if code is not None:
            quantum = D(1) if code == "JPY" else D("0.01")
            amounts = tuple(
                draw(st.integers(min_value=0, max_value=10**9)) * quantum for _ in lines
            )
        entries.append(
            LedgerEntry(
                draw(text),
                draw(text),
                number,
                draw(DATES),
                draw(text),
                draw(DATES),
                draw(text),
                lines,
                draw(DATES),
                code,
                amounts,
            )
        )
    return entries


@given(ledger_entries(), st.sampled_from(["|", "\t"]))
def test_check_fec_finds_no_problem_in_what_write_fec_writes(entries, separator):
    out = io.StringIO(newline="")
    counts = write_fec(entries, out, separator)
    assert check_fec(io.StringIO(out.getvalue(), newline=""), separator) == []
    assert counts.entries == len(entries)
    assert counts.lines == sum(len(entry.lines) for entry in entries)
    assert counts.debit == counts.credit == sum(entry.total for entry in entries)
    assert out.getvalue().count("\r\n") == counts.lines + 1


@given(ledger_entries(ANY_TEXT), st.sampled_from(["|", "\t"]))
def test_any_text_is_either_refused_or_written_as_a_valid_fec(entries, separator):
    out = io.StringIO(newline="")
    try:
        write_fec(entries, out, separator)
    except ExportError as error:
        assert error.number is not None and error.field is not None
        return
    assert check_fec(io.StringIO(out.getvalue(), newline=""), separator) == []


@given(ledger_entries(ANY_TEXT))
def test_csv_gives_back_every_field_and_amount_to_the_cent(entries):
    out = io.StringIO(newline="")
    counts = write_csv(entries, out)
    rows = list(csv.DictReader(io.StringIO(out.getvalue(), newline="")))
    expected = [
        (
            str(entry.number),
            entry.label,
            line.account,
            line.label,
            line.aux_label or "",
            line.debit,
            line.credit,
        )
        for entry in entries
        for line in entry.lines
    ]
    assert [
        (
            row["number"],
            row["label"],
            row["account"],
            row["line_label"],
            row["aux_label"],
            D(row["debit"]),
            D(row["credit"]),
        )
        for row in rows
    ] == expected
    assert counts.lines == len(rows)
    assert sum(D(row["debit"]) for row in rows) == counts.debit == counts.credit

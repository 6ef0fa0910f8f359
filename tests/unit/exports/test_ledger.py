"""Export records: made from journal entries, refused when an accountant could not use them."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal as D

import pytest

from cn285.billing_core.journal import JournalEntry, JournalLine
from cn285.billing_core.revrec import AccountPlan, issue_entry
from cn285.hub.exports import ExportError, LedgerEntry, LedgerLine, from_journal_entry, in_sequence
from tests.unit.exports.builders import ACCOUNT_LABELS, SALE, entry, line, sale
from tests.unit.revrec.builders import revenue_line


def test_from_journal_entry_carries_labels_aux_piece_and_validation_date():
    assert sale(7) == LedgerEntry(
        journal_code="VE",
        journal_label="Ventes",
        number=7,
        date=date(2026, 1, 15),
        piece_ref="INV-000001",
        piece_date=date(2026, 1, 14),
        label="Invoice INV-000001 C1",
        lines=(
            LedgerLine(
                "411000", "Clients", "Invoice INV-000001 C1", D("1440.00"), D(0), "C1", "Acme SARL"
            ),
            LedgerLine(
                "487000",
                "Produits constatés d'avance",
                "Invoice INV-000001 C1, deferred revenue",
                D(0),
                D("1200.00"),
            ),
            LedgerLine("445710", "TVA collectée", "Invoice INV-000001 C1, VAT", D(0), D("240.00")),
        ),
        validated_on=date(2026, 1, 31),
    )


def test_from_journal_entry_defaults_piece_and_validation_to_the_entry_itself():
    record = from_journal_entry(
        SALE, journal_code="VE", journal_label="Ventes", number=1, account_labels=ACCOUNT_LABELS
    )
    assert (record.piece_ref, record.piece_date, record.validated_on) == (
        "ISSUE-INV-000001",
        date(2026, 1, 15),
        date(2026, 1, 15),
    )
    assert all(ln.aux_account is None and ln.aux_label is None for ln in record.lines)
    assert record.total == D("1440.00")


def test_from_journal_entry_takes_what_revenue_recognition_issues():
    issued = issue_entry([revenue_line("1200.00", tax="240.00")], AccountPlan())
    record = from_journal_entry(
        issued, journal_code="VE", journal_label="Ventes", number=1, account_labels=ACCOUNT_LABELS
    )
    assert [(ln.account, ln.debit, ln.credit) for ln in record.lines] == [
        ("411000", D("1440.00"), D(0)),
        ("487000", D(0), D("1200.00")),
        ("445710", D(0), D("240.00")),
    ]


def test_account_without_label_is_refused_naming_entry_and_account():
    with pytest.raises(
        ExportError, match=r"entry 3 \(ISSUE-INV-000001\): no label for account '445710'"
    ) as error:
        sale(3, account_labels={"411000": "Clients", "487000": "PCA"})
    assert (error.value.number, error.value.field) == (3, "account_label")


def test_unbalanced_journal_entry_is_refused_with_its_number():
    unbalanced = JournalEntry(
        "ISSUE-INV-000002",
        date(2026, 1, 15),
        (
            JournalLine("411000", "Invoice", debit=D("1440.00")),
            JournalLine("487000", "Invoice", credit=D("1200.00")),
            JournalLine("445710", "Invoice", credit=D("239.99")),
        ),
    )
    with pytest.raises(
        ExportError,
        match=r"entry 12 \(INV-000001\) does not balance: debit 1440.00, credit 1439.99 \(difference 0.01\)",
    ) as error:
        sale(12, journal=unbalanced)
    assert error.value.number == 12


BAD_ENTRIES = [
    ({"number": 0}, "entry number must be a positive integer, got 0"),
    ({"number": True}, "entry number must be a positive integer, got True"),
    ({"journal_code": " "}, "entry 1: journal_code must be a non-blank string"),
    ({"label": None}, "entry 1: label must be a non-blank string, got None"),
    (
        {"piece_date": "2026-01-15"},
        "entry 1: piece_date must be a date (not a datetime), got '2026-01-15'",
    ),
    (
        {"validated_on": datetime(2026, 1, 31, 12)},
        "entry 1: validated_on must be a date (not a datetime), got datetime.datetime(2026, 1, 31, 12, 0)",
    ),
    ({"lines": ()}, "entry 1 has no line"),
    (
        {"lines": (line(debit="100.00"), line("706000", credit="100.00", label=""))},
        "entry 1: line 2 label must be a non-blank string",
    ),
    (
        {"lines": (line(debit="1.00", aux=("C1", "")), line("706000", credit="1.00"))},
        "entry 1: line 1 aux_label must be a non-blank string",
    ),
    (
        {
            "lines": (
                LedgerLine("411000", "Clients", "x", D("1.00"), D(0), "C1", None),
                line("706000", credit="1.00"),
            )
        },
        "entry 1: line 1 on 411000 has aux_account 'C1' and aux_label None (both or neither)",
    ),
    (
        {"lines": (LedgerLine("411000", "Clients", "x", 1.0, D(0)), line("706000", credit="1"))},
        "entry 1: line 1 on 411000 debit must be a Decimal, got float 1.0",
    ),
    (
        {"lines": (line(debit="1.005"), line("706000", credit="1.005"))},
        "entry 1: line 1 on 411000 debit is 1.005, expected a non-negative amount exact to 0.01",
    ),
    (
        {"lines": (line(debit="-1.00"), line("706000", debit="1.00"))},
        "entry 1: line 1 on 411000 debit is -1.00, expected a non-negative amount",
    ),
    (
        {"lines": (line(debit="NaN"), line("706000", credit="1.00"))},
        "entry 1: line 1 on 411000 debit is NaN",
    ),
    (
        {"lines": (line(debit="1.00", credit="1.00"), line("706000"))},
        "entry 1: line 1 on 411000 must have exactly one positive side (debit 1.00, credit 1.00)",
    ),
    (
        {"lines": (line(), line("706000"))},
        "entry 1: line 1 on 411000 must have exactly one positive side (debit 0, credit 0)",
    ),
    ({"currency": "USD"}, "entry 1: currency and currency_amounts go together"),
    (
        {"currency": "XXY", "currency_amounts": (D("1.00"), D("1.00"))},
        "entry 1: unknown currency 'XXY' (expected ISO 4217)",
    ),
    (
        {"currency": "USD", "currency_amounts": (D("1.00"),)},
        "entry 1: 1 currency amounts for 2 lines (one per line)",
    ),
    (
        {"currency": "JPY", "currency_amounts": (D("100"), D("100.5"))},
        "entry 1: line 2 currency amount is 100.5, expected a non-negative amount exact to 1",
    ),
]


@pytest.mark.parametrize(("overrides", "message"), BAD_ENTRIES)
def test_bad_entry_is_refused_with_the_exact_reason(overrides, message):
    with pytest.raises(ExportError) as error:
        entry(**overrides)
    assert str(error.value).startswith(message)


def test_currency_code_is_normalised_and_amounts_kept_per_line():
    record = entry(currency="usd", currency_amounts=[D("108.00"), D("108.00")])
    assert (record.currency, record.currency_amounts) == ("USD", (D("108.00"), D("108.00")))


def test_entries_out_of_sequence_are_refused_with_the_number():
    with pytest.raises(ExportError, match=r"entry 3 .* out of sequence: entry 2 expected") as error:
        list(in_sequence([entry(number=1), entry(number=3)]))
    assert error.value.number == 3
    with pytest.raises(ExportError, match=r"entry 2 .* out of sequence: entry 1 expected"):
        list(in_sequence([entry(number=2)]))


def test_a_journal_entry_without_lines_is_refused_as_such():
    empty = JournalEntry("ISSUE-INV-000009", date(2026, 1, 15), ())
    with pytest.raises(ExportError, match="entry 9 has no line"):
        sale(9, journal=empty)

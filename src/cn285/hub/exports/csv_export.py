"""Accounting entries as CSV, for accountants whose tools do not read a FEC.

RFC 4180 through the csv module: comma separator, fields quoted when they need it, CRLF
row ends (open the file with `newline=""`). Amounts use a decimal point and dates are ISO
8601, so that any spreadsheet locale reads them the same. One row per entry line.

`currency` and `currency_amount` are the document's foreign currency and the line's amount
in it (empty when the entry has none); debit and credit are always in the book's currency.
Text is written as it is: a spreadsheet may read a label starting with `=` as a formula.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from decimal import Decimal
from typing import TextIO

from cn285.billing_core.money import ZERO, currency
from cn285.hub.exports.ledger import ExportCounts, LedgerEntry, in_sequence

CSV_COLUMNS = (
    "journal",
    "number",
    "date",
    "piece_ref",
    "piece_date",
    "label",
    "account",
    "account_label",
    "aux_account",
    "aux_label",
    "line_label",
    "debit",
    "credit",
    "currency",
    "currency_amount",
)


def write_csv(entries: Iterable[LedgerEntry], out: TextIO) -> ExportCounts:
    """Write the header and one row per line of `entries`, one entry at a time.

    Entries must be numbered 1, 2, 3… in the order given, as for the FEC.
    """
    writer = csv.writer(out)  # the excel dialect is RFC 4180: comma, minimal quoting, CRLF
    writer.writerow(CSV_COLUMNS)
    entry_count = line_count = 0
    debit = credit = ZERO
    for entry in in_sequence(entries):
        head = (
            entry.journal_code,
            entry.number,
            entry.date.isoformat(),
            entry.piece_ref,
            entry.piece_date.isoformat(),
            entry.label,
        )
        code = entry.currency or ""
        minor_units = currency(code).minor_units if code else 0
        for position, line in enumerate(entry.lines):
            if entry.currency_amounts is None:
                amount_in_currency = ""
            else:
                amount_in_currency = _amount(entry.currency_amounts[position], minor_units)
            writer.writerow(
                (
                    *head,
                    line.account,
                    line.account_label,
                    line.aux_account or "",
                    line.aux_label or "",
                    line.label,
                    _amount(line.debit),
                    _amount(line.credit),
                    code,
                    amount_in_currency,
                )
            )
            debit += line.debit
            credit += line.credit
        entry_count += 1
        line_count += len(entry.lines)
    return ExportCounts(entry_count, line_count, debit, credit)


def _amount(amount: Decimal, places: int = 2) -> str:
    """Decimal point, no thousands separator; a zero never prints as `-0.00`."""
    if not amount:
        amount = ZERO
    return f"{amount:.{places}f}"

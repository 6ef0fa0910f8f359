"""Accounting exports for accountants: the French FEC and CSV, written as entries stream.

Pure functions over iterables of `LedgerEntry`, writing to a text stream and holding one
entry at a time. `from_journal_entry` turns the entries of revenue recognition into export
records; `check_fec` reads a FEC back and lists its problems.
"""

from cn285.hub.exports.csv_export import CSV_COLUMNS, write_csv
from cn285.hub.exports.errors import ExportError
from cn285.hub.exports.fec import FEC_COLUMNS, check_fec, fec_filename, write_fec
from cn285.hub.exports.ledger import (
    ExportCounts,
    LedgerEntry,
    LedgerLine,
    from_journal_entry,
    in_sequence,
)

__all__ = [
    "CSV_COLUMNS",
    "FEC_COLUMNS",
    "ExportCounts",
    "ExportError",
    "LedgerEntry",
    "LedgerLine",
    "check_fec",
    "fec_filename",
    "from_journal_entry",
    "in_sequence",
    "write_csv",
    "write_fec",
]

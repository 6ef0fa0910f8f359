"""The French FEC (Fichier des Écritures Comptables), written and checked as it streams.

The format is set by article A47 A-1 of the Livre des procédures fiscales (commented in
BOI-CF-IOR-60-40-20): a first line naming the 18 columns below, in this order, then one row
per entry line; fields separated by `|` or a tab; dates as YYYYMMDD; amounts with a decimal
comma and no thousands separator. Our choices within it:

- A field holding the separator or a control character (tab, line break…) is refused with
  an `ExportError` naming the entry and the column, never altered: a silently changed label
  in a file handed to the tax administration is worse than an export that stops.
- EcritureNum is the entry's number in the export: 1, 2, 3… without gap.
- Debit and Credit both hold an amount, `0,00` on the side the line does not use.
- EcritureLet and DateLet (lettering) are empty: matching is the accounting system's job.
- Montantdevise is the line's positive amount in the document's currency, to that
  currency's minor unit, and Idevise its ISO 4217 code; both empty when the entry has none.
- Rows end with CRLF. Open the file with `newline=""` (as for the csv module) and the
  character set the administration accepts (A47 A-1 lists them).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from decimal import Decimal
from typing import TextIO

from stdnum.exceptions import ValidationError
from stdnum.fr import siren as stdnum_siren

from cn285.billing_core.money import ZERO, currency
from cn285.hub.exports.errors import ExportError
from cn285.hub.exports.ledger import ExportCounts, LedgerEntry, in_sequence

FEC_COLUMNS = (
    "JournalCode",
    "JournalLib",
    "EcritureNum",
    "EcritureDate",
    "CompteNum",
    "CompteLib",
    "CompAuxNum",
    "CompAuxLib",
    "PieceRef",
    "PieceDate",
    "EcritureLib",
    "Debit",
    "Credit",
    "EcritureLet",
    "DateLet",
    "ValidDate",
    "Montantdevise",
    "Idevise",
)
SEPARATORS = ("|", "\t")
LINE_END = "\r\n"
# control characters (tab, line breaks, NEL…) and Unicode line/paragraph separators break rows
_CONTROLS = "\x00-\x1f\x7f-\x9f\u2028\u2029"
_FORBIDDEN = {"|": re.compile(f"[{_CONTROLS}|]"), "\t": re.compile(f"[{_CONTROLS}]")}
_ENTRY_TEXT = ("JournalCode", "JournalLib", "PieceRef")
_LINE_TEXT = ("CompteNum", "CompteLib", "CompAuxNum", "CompAuxLib", "EcritureLib")


def fec_filename(siren: str, closing_date: dt.date) -> str:
    """`{SIREN}FEC{YYYYMMDD}.txt`, the name A47 A-1 gives the file of a fiscal year."""
    if not isinstance(closing_date, dt.date) or isinstance(closing_date, dt.datetime):
        raise ExportError(f"FEC file name: closing date must be a date, got {closing_date!r}")
    try:
        number = stdnum_siren.validate(siren)
    except ValidationError as error:
        raise ExportError(f"FEC file name: SIREN {siren!r} is not valid ({error})") from None
    return f"{number}FEC{_date(closing_date)}.txt"


def write_fec(entries: Iterable[LedgerEntry], out: TextIO, separator: str = "|") -> ExportCounts:
    """Write the header and one row per line of `entries`, one entry at a time.

    Entries must be numbered 1, 2, 3… in the order given. On `ExportError` the stream holds
    the rows written so far: write to a temporary file and rename it when this returns.
    """
    _check_separator(separator)
    out.write(separator.join(FEC_COLUMNS) + LINE_END)
    entry_count = line_count = 0
    debit = credit = ZERO
    for entry in in_sequence(entries):
        rows = _rows(entry, separator)
        out.write("".join(rows))
        entry_count += 1
        line_count += len(rows)
        for line in entry.lines:
            debit += line.debit
            credit += line.credit
    return ExportCounts(entry_count, line_count, debit, credit)


def _rows(entry: LedgerEntry, separator: str) -> list[str]:
    """The rows of one entry, each ending with LINE_END; refuses unsafe text."""
    number = entry.number
    _check_fields(
        number, _ENTRY_TEXT, (entry.journal_code, entry.journal_label, entry.piece_ref), separator
    )
    head = separator.join((entry.journal_code, entry.journal_label, str(number), _date(entry.date)))
    piece = separator.join((entry.piece_ref, _date(entry.piece_date)))
    tail = separator.join(("", "", _date(entry.validated_on)))  # EcritureLet, DateLet, ValidDate
    code = entry.currency or ""
    minor_units = currency(code).minor_units if code else 0
    rows = []
    for position, line in enumerate(entry.lines):
        text = (
            line.account,
            line.account_label,
            line.aux_account or "",
            line.aux_label or "",
        )
        _check_fields(number, _LINE_TEXT, (*text, line.label), separator)
        if entry.currency_amounts is None:
            amount_in_currency = ""
        else:
            amount_in_currency = _amount(entry.currency_amounts[position], minor_units)
        fields = (
            head,
            *text,
            piece,
            line.label,
            _amount(line.debit),
            _amount(line.credit),
            tail,
            amount_in_currency,
            code,
        )
        rows.append(separator.join(fields) + LINE_END)
    return rows


def check_fec(
    text_lines: Iterable[str], separator: str = "|", *, max_problems: int = 1000
) -> list[str]:
    """The problems of a FEC as `write_fec` writes it, in file order; empty when none.

    Checks the header, the column count of each row, dates, amounts, one side per row,
    required fields, and that entries are numbered 1, 2, 3… with their rows together, each
    in one journal on one date, and balanced (not checked for the entries either side of a
    row that cannot be read). Reads one row at a time and keeps only the current entry;
    stops after `max_problems` problems.
    """
    _check_separator(separator)
    check = _FecCheck(separator, max_problems)
    try:
        for line_number, text in enumerate(text_lines, 1):
            check.line(line_number, text.rstrip("\r\n"))
        if not check.seen_header:
            check.problem("empty file: no header line")
        check.finish()
    except _Enough:
        check.problems.append(f"stopped after {max_problems} problems")
    return check.problems


# ASCII digits only: `\d` would accept any script's digits
_DATE = re.compile(r"[0-9]{8}")
_AMOUNT = re.compile(r"[0-9]+,[0-9]{2}")
_CURRENCY_AMOUNT = re.compile(r"[0-9]+(,[0-9]+)?")
_NUMBER = re.compile(r"[1-9][0-9]*")
_REQUIRED = (
    "JournalCode",
    "JournalLib",
    "EcritureNum",
    "EcritureDate",
    "CompteNum",
    "CompteLib",
    "PieceRef",
    "PieceDate",
    "EcritureLib",
    "Debit",
    "Credit",
    "ValidDate",
)
_PAIRS = (("CompAuxNum", "CompAuxLib"), ("Montantdevise", "Idevise"))


class _Enough(Exception):
    """Raised when the problem list is full."""


class _Entry:
    """The rows seen so far of the entry being read."""

    __slots__ = ("balanced_check", "credit", "debit", "first_line", "journal", "last_line", "num")

    def __init__(self, num: int, line_number: int, journal: str, date: str) -> None:
        self.num = num
        self.first_line = self.last_line = line_number
        self.journal = (journal, date)
        self.debit = self.credit = ZERO
        self.balanced_check = True  # False once a row's amount could not be read


class _FecCheck:
    def __init__(self, separator: str, max_problems: int) -> None:
        self.separator = separator
        self.max_problems = max_problems
        self.problems: list[str] = []
        self.entry: _Entry | None = None
        self.last_num = 0
        self.seen_header = False
        self.after_unreadable = False

    def problem(self, message: str) -> None:
        if len(self.problems) >= self.max_problems:
            raise _Enough
        self.problems.append(message)

    def line(self, line_number: int, text: str) -> None:
        if not self.seen_header:
            self.seen_header = True
            self.header(text.removeprefix("\ufeff"))
            return
        if not text:
            self.problem(f"line {line_number}: blank line")
            return
        fields = text.split(self.separator)
        if len(fields) != len(FEC_COLUMNS):
            self.problem(
                f"line {line_number}: {len(fields)} fields, expected {len(FEC_COLUMNS)}"
                f" (separated by {self.separator!r})"
            )
            self.unreadable()
            return
        self.row(line_number, dict(zip(FEC_COLUMNS, fields, strict=True)))

    def header(self, text: str) -> None:
        names = tuple(text.split(self.separator))
        if names == FEC_COLUMNS:
            return
        if len(names) != len(FEC_COLUMNS):
            self.problem(
                f"line 1 (header): {len(names)} column names, expected {len(FEC_COLUMNS)}:"
                f" {self.separator.join(FEC_COLUMNS)}"
            )
            return
        for index, (name, expected) in enumerate(zip(names, FEC_COLUMNS, strict=True), 1):
            if name != expected:
                self.problem(f"line 1 (header): column {index} is {name!r}, expected {expected!r}")

    def row(self, n: int, row: dict[str, str]) -> None:
        for column in _REQUIRED:
            if not row[column].strip():
                self.problem(f"line {n}: {column} is empty")
        for first, second in _PAIRS:
            if bool(row[first]) != bool(row[second]):
                self.problem(f"line {n}: {first} and {second} go together (both or neither)")
        for column in ("EcritureDate", "PieceDate", "ValidDate", "DateLet"):
            value = row[column]
            if value and not _is_date(value):
                self.problem(f"line {n}: {column} {value!r} is not a date as YYYYMMDD")
        debit = self.amount(n, row, "Debit")
        credit = self.amount(n, row, "Credit")
        value = row["Montantdevise"]
        if value and not _CURRENCY_AMOUNT.fullmatch(value):
            self.problem(f"line {n}: Montantdevise {value!r} is not an amount like 1440,00")
        if debit is not None and credit is not None and (debit > 0) == (credit > 0):
            self.problem(
                f"line {n}: exactly one of Debit ({row['Debit']}) and Credit ({row['Credit']})"
                " must be non-zero"
            )
        self.track(n, row, debit, credit)

    def amount(self, n: int, row: dict[str, str], column: str) -> Decimal | None:
        value = row[column]
        if not _AMOUNT.fullmatch(value):
            if value:
                self.problem(
                    f"line {n}: {column} {value!r} is not an amount like 1440,00"
                    " (decimal comma, two decimals, no thousands separator)"
                )
            return None
        return Decimal(value.replace(",", "."))

    def track(
        self, n: int, row: dict[str, str], debit: Decimal | None, credit: Decimal | None
    ) -> None:
        """Follow the entry the row belongs to: numbering, journal and date, balance."""
        text = row["EcritureNum"]
        if not _NUMBER.fullmatch(text):
            if text:
                self.problem(f"line {n}: EcritureNum {text!r} is not a positive integer")
            self.unreadable()
            return
        num = int(text)
        entry = self.entry
        if entry is None or num != entry.num:
            self.finish()
            if num != self.last_num + 1:
                self.problem(
                    f"line {n}: EcritureNum {num} follows {self.last_num}, expected"
                    f" {self.last_num + 1} (numbered from 1 without gap, rows of an entry together)"
                )
            self.last_num = num
            entry = self.entry = _Entry(num, n, row["JournalCode"], row["EcritureDate"])
            entry.balanced_check = not self.after_unreadable
        elif (row["JournalCode"], row["EcritureDate"]) != entry.journal:
            self.problem(
                f"line {n}: EcritureNum {num} has JournalCode {row['JournalCode']!r} and"
                f" EcritureDate {row['EcritureDate']!r}, its first row (line {entry.first_line})"
                f" {entry.journal[0]!r} and {entry.journal[1]!r}"
            )
        entry.last_line = n
        self.after_unreadable = False
        if debit is None or credit is None:
            entry.balanced_check = False
        else:
            entry.debit += debit
            entry.credit += credit

    def unreadable(self) -> None:
        """A row of unknown entry: the balance of the entries either side cannot be known."""
        if self.entry is not None:
            self.entry.balanced_check = False
        self.after_unreadable = True

    def finish(self) -> None:
        """Check the balance of the entry being read, and forget it."""
        entry, self.entry = self.entry, None
        if entry is None or not entry.balanced_check or entry.debit == entry.credit:
            return
        self.problem(
            f"lines {entry.first_line}-{entry.last_line}: EcritureNum {entry.num} does not"
            f" balance: Debit {_amount(entry.debit)}, Credit {_amount(entry.credit)}"
        )


def _check_separator(separator: str) -> None:
    if separator not in SEPARATORS:
        raise ExportError(
            f"FEC separator must be '|' or a tab, got {separator!r}", field="separator"
        )


def _check_fields(
    number: int, columns: tuple[str, ...], values: tuple[str, ...], separator: str
) -> None:
    """Refuse the first of `values` holding the separator or a control character."""
    forbidden = _FORBIDDEN[separator]
    if forbidden.search("".join(values)) is None:  # one search for the usual, clean case
        return
    for column, value in zip(columns, values, strict=True):
        found = forbidden.search(value)
        if found is not None:
            char = found.group()
            what = "the separator" if char == separator else "a control character"
            raise ExportError(
                f"entry {number}: {column} {value!r} contains {what} {char!r}"
                " (a FEC field cannot; fix the text at its source)",
                number=number,
                field=column,
            )


def _date(day: dt.date) -> str:
    # not strftime: `%Y` does not pad years before 1000 on every platform; isoformat does
    return day.isoformat().replace("-", "")


def _is_date(text: str) -> bool:
    if not _DATE.fullmatch(text):
        return False
    try:
        dt.date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        return False
    return True


def _amount(amount: Decimal, places: int = 2) -> str:
    """Decimal comma, no thousands separator; a zero never prints as `-0,00`."""
    if not amount:
        amount = ZERO
    return f"{amount:.{places}f}".replace(".", ",")

"""The records of accounting exports: journal entries as an accountant's file shows them.

Richer than `JournalEntry`: an entry carries its journal, its number in the export, the
document it records (the piece), the day it was validated and the labels of its accounts.
An entry checks itself when made, so that every writer can trust it: each line has one
positive side exact to the cent, and debits equal credits. Lines are checked by the entry
that holds them, so that every error names the entry's number.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from cn285.billing_core.journal import JournalEntry
from cn285.billing_core.money import ZERO, CurrencyError, currency
from cn285.hub.exports.errors import ExportError

CENT = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class LedgerLine:
    """One line of an entry: an amount on one side of one account (and customer, say).

    `aux_account`/`aux_label` name a subsidiary account, such as the customer behind the
    receivable 411000: both or neither.
    """

    account: str
    account_label: str
    label: str
    debit: Decimal
    credit: Decimal
    aux_account: str | None = None
    aux_label: str | None = None


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    """A balanced entry numbered in its export; amounts are in the book's currency.

    `currency` and `currency_amounts` are the foreign currency of the document, if any, and
    each line's amount in it (one per line, positive: the line's side carries the sign).
    """

    journal_code: str
    journal_label: str
    number: int
    date: dt.date
    piece_ref: str
    piece_date: dt.date
    label: str
    lines: tuple[LedgerLine, ...]
    validated_on: dt.date
    currency: str | None = None
    currency_amounts: tuple[Decimal, ...] | None = None

    def __post_init__(self) -> None:
        number = self.number
        if isinstance(number, bool) or not isinstance(number, int) or number < 1:
            raise ExportError(
                f"entry number must be a positive integer, got {number!r}",
                field="number",
            )
        for name in ("journal_code", "journal_label", "piece_ref", "label"):
            _check_text(number, name, getattr(self, name))
        for name in ("date", "piece_date", "validated_on"):
            value = getattr(self, name)
            if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
                raise ExportError(
                    f"entry {number}: {name} must be a date (not a datetime), got {value!r}",
                    number=number,
                    field=name,
                )
        lines = tuple(self.lines)
        object.__setattr__(self, "lines", lines)
        if not lines:
            raise ExportError(f"entry {number} has no line", number=number, field="lines")
        debit = credit = ZERO
        for position, line in enumerate(lines, 1):
            _check_line(number, position, line)
            debit += line.debit
            credit += line.credit
        if debit != credit:
            raise ExportError(
                f"entry {number} ({self.piece_ref}) does not balance: debit {debit},"
                f" credit {credit} (difference {debit - credit})",
                number=number,
                field="lines",
            )
        self._check_currency()

    @property
    def total(self) -> Decimal:
        """The entry's debits, which equal its credits."""
        return sum((line.debit for line in self.lines), ZERO)

    def _check_currency(self) -> None:
        number = self.number
        if (self.currency is None) != (self.currency_amounts is None):
            raise ExportError(
                f"entry {number}: currency and currency_amounts go together"
                f" (got {self.currency!r} and {self.currency_amounts!r})",
                number=number,
                field="currency",
            )
        if self.currency is None or self.currency_amounts is None:
            return
        try:
            cur = currency(self.currency)
        except (CurrencyError, AttributeError):
            raise ExportError(
                f"entry {number}: unknown currency {self.currency!r} (expected ISO 4217)",
                number=number,
                field="currency",
            ) from None
        object.__setattr__(self, "currency", cur.code)
        amounts = tuple(self.currency_amounts)
        object.__setattr__(self, "currency_amounts", amounts)
        if len(amounts) != len(self.lines):
            raise ExportError(
                f"entry {number}: {len(amounts)} currency amounts for {len(self.lines)} lines"
                " (one per line)",
                number=number,
                field="currency_amounts",
            )
        for position, amount in enumerate(amounts, 1):
            _check_amount(
                number, f"line {position} currency amount", amount, cur.quantum, "currency_amounts"
            )


@dataclass(frozen=True, slots=True)
class ExportCounts:
    """What a writer wrote: entries, lines (rows) and the totals of each side."""

    entries: int
    lines: int
    debit: Decimal
    credit: Decimal


def from_journal_entry(
    entry: JournalEntry,
    *,
    journal_code: str,
    journal_label: str,
    number: int,
    piece_ref: str | None = None,
    piece_date: dt.date | None = None,
    account_labels: Mapping[str, str],
    aux: Mapping[str, tuple[str, str]] | None = None,
    validated_on: dt.date | None = None,
    label: str | None = None,
) -> LedgerEntry:
    """The export record of `entry`, numbered `number` in journal `journal_code`.

    The piece defaults to the entry itself (its reference and date), the validation date to
    the entry's date (revenue recognition posts entries final), and the label to the first
    line's. `aux` maps an account to the subsidiary account of its lines, e.g. the receivable
    411000 to (customer code, customer name). Every account needs a label.
    """
    aux = aux or {}
    lines = []
    for line in entry.lines:
        try:
            account_label = account_labels[line.account]
        except KeyError:
            raise ExportError(
                f"entry {number} ({entry.reference}): no label for account {line.account!r}"
                " (add it to account_labels)",
                number=number,
                field="account_label",
            ) from None
        aux_account, aux_label = aux.get(line.account, (None, None))
        lines.append(
            LedgerLine(
                line.account,
                account_label,
                line.label,
                line.debit,
                line.credit,
                aux_account,
                aux_label,
            )
        )
    return LedgerEntry(
        journal_code=journal_code,
        journal_label=journal_label,
        number=number,
        date=entry.date,
        piece_ref=entry.reference if piece_ref is None else piece_ref,
        piece_date=entry.date if piece_date is None else piece_date,
        label=label
        if label is not None
        else (entry.lines[0].label if entry.lines else entry.reference),
        lines=tuple(lines),
        validated_on=entry.date if validated_on is None else validated_on,
    )


def in_sequence(entries: Iterable[LedgerEntry]) -> Iterator[LedgerEntry]:
    """Yield `entries`, refusing any whose number does not follow the previous (1, 2, 3…).

    An export numbers its entries without gap, so that a missing entry shows.
    """
    expected = 1
    for entry in entries:
        if not isinstance(entry, LedgerEntry):
            raise ExportError(
                f"entry {expected}: expected a LedgerEntry, got {type(entry).__name__}",
                number=expected,
            )
        if entry.number != expected:
            raise ExportError(
                f"entry {entry.number} ({entry.piece_ref}) is out of sequence: entry"
                f" {expected} expected (numbers run from 1 without gap in an export)",
                number=entry.number,
                field="number",
            )
        yield entry
        expected += 1


def _check_line(number: int, position: int, line: object) -> None:
    if not isinstance(line, LedgerLine):
        raise ExportError(
            f"entry {number}: line {position} must be a LedgerLine, got {type(line).__name__}",
            number=number,
            field="lines",
        )
    _check_text(number, "account", line.account, f"line {position} ")
    _check_text(number, "account_label", line.account_label, f"line {position} ")
    _check_text(number, "label", line.label, f"line {position} ")
    if (line.aux_account is None) != (line.aux_label is None):
        raise ExportError(
            f"entry {number}: line {position} on {line.account} has aux_account"
            f" {line.aux_account!r} and aux_label {line.aux_label!r} (both or neither)",
            number=number,
            field="aux_account",
        )
    if line.aux_account is not None:
        _check_text(number, "aux_account", line.aux_account, f"line {position} ")
        _check_text(number, "aux_label", line.aux_label, f"line {position} ")
    where = f"line {position} on {line.account}"
    _check_amount(number, f"{where} debit", line.debit, CENT, "debit")
    _check_amount(number, f"{where} credit", line.credit, CENT, "credit")
    if (line.debit > 0) == (line.credit > 0):
        raise ExportError(
            f"entry {number}: {where} must have exactly one positive side"
            f" (debit {line.debit}, credit {line.credit})",
            number=number,
            field="debit",
        )


def _check_text(number: int, name: str, value: object, where: str = "") -> None:
    if not isinstance(value, str) or not value.strip():
        raise ExportError(
            f"entry {number}: {where}{name} must be a non-blank string, got {value!r}",
            number=number,
            field=name,
        )


def _check_amount(number: int, what: str, amount: object, quantum: Decimal, field: str) -> None:
    """Refuse anything but a finite, non-negative Decimal exact to `quantum`: never round."""
    if not isinstance(amount, Decimal):
        raise ExportError(
            f"entry {number}: {what} must be a Decimal, got {type(amount).__name__} {amount!r}",
            number=number,
            field=field,
        )
    try:
        exact = amount.is_finite() and amount >= 0 and amount.quantize(quantum) == amount
    except InvalidOperation:  # more digits than the context holds
        exact = False
    if not exact:
        raise ExportError(
            f"entry {number}: {what} is {amount}, expected a non-negative amount exact to"
            f" {quantum} (amounts are rounded before export, never by it)",
            number=number,
            field=field,
        )

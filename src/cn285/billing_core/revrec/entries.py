"""Journal entries of revenue recognition, in the shape the ERP connectors push.

Issuing a document moves its amount excluding tax to deferred revenue; each month's close
releases what that month recognised from deferred revenue to the income accounts. Every
amount on a line is positive: the side (debit or credit) carries the sign.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from cn285.billing_core.journal import JournalEntry, JournalLine
from cn285.billing_core.money import ZERO, CurrencyError
from cn285.billing_core.revrec.accounts import AccountPlan
from cn285.billing_core.revrec.errors import EntryError, RevrecError, UnbalancedEntryError
from cn285.billing_core.revrec.lines import RevenueLine
from cn285.billing_core.revrec.months import month_end, month_of
from cn285.billing_core.revrec.schedule import Recognition

DOCUMENT_NAMES = {"invoice": "Invoice", "credit_note": "Credit note"}


def issue_entry(lines: Iterable[RevenueLine], plan: AccountPlan) -> JournalEntry | None:
    """The entry of one issued invoice or credit note, `ISSUE-<number>` on its date.

    Invoice: receivable debit (total incl. tax), deferred revenue and VAT collected credit.
    Credit note: the mirror image. None when the document has no line or only zeros.
    """
    first: RevenueLine | None = None
    excl = ZERO
    tax = ZERO
    for line in lines:
        if first is None:
            first = line
        else:
            _same_document(first, line)
        excl += line.amount
        tax += line.tax
    if first is None:
        return None
    sign = -1 if first.kind == "credit_note" else 1
    if excl * sign < 0:
        raise RevrecError(
            f"{first.invoice_number}: {first.kind} totals {excl} excluding tax"
            " (an invoice cannot total less than zero, nor a credit note more)"
        )
    label = f"{DOCUMENT_NAMES[first.kind]} {first.invoice_number} {first.customer}"
    entry_lines = [
        *_posting(plan.receivable, label, excl + tax),
        *_posting(plan.deferred_revenue, f"{label}, deferred revenue", -excl),
        *_posting(plan.vat_collected, f"{label}, VAT", -tax),
    ]
    if not entry_lines:
        return None
    return check_entry(
        JournalEntry(f"ISSUE-{first.invoice_number}", first.invoice_date, tuple(entry_lines))
    )


def close_entry(
    month: date,
    recognitions: Iterable[tuple[RevenueLine, Recognition]],
    plan: AccountPlan,
) -> JournalEntry | None:
    """The close of `month`, `REVREC-YYYY-MM` on its last day; None when nothing nets.

    Recognitions of other months are skipped, so a whole stream can be passed.
    """
    month = month_of(month)
    entries = _close(((line, r) for line, r in recognitions if r.month == month), plan)
    return entries[0] if entries else None


def close_entries(
    recognitions: Iterable[tuple[RevenueLine, Recognition]], plan: AccountPlan
) -> list[JournalEntry]:
    """The close entry of every month the recognitions touch, in month order, in one pass."""
    return _close(recognitions, plan)


def check_entry(entry: JournalEntry) -> JournalEntry:
    """Return `entry` if a ledger can take it: one positive side per line, balanced."""
    debits = ZERO
    credits = ZERO
    for line in entry.lines:
        if line.debit < 0 or line.credit < 0 or (line.debit and line.credit):
            raise EntryError(
                f"{entry.reference}: line {line.label!r} on {line.account} must have one"
                f" positive side (debit {line.debit}, credit {line.credit})"
            )
        debits += line.debit
        credits += line.credit
    if debits != credits:
        raise UnbalancedEntryError(
            f"{entry.reference} does not balance: debits {debits}, credits {credits}"
            f" (difference {debits - credits})"
        )
    return entry


def _close(
    recognitions: Iterable[tuple[RevenueLine, Recognition]], plan: AccountPlan
) -> list[JournalEntry]:
    """Net recognitions per (month, income account) as they stream, then post them."""
    totals: dict[date, dict[str, Decimal]] = {}
    currency: str | None = None
    for line, recognition in recognitions:
        if currency is None:
            currency = line.currency
        elif line.currency != currency:
            raise CurrencyError(
                f"{line.invoice_number}: cannot close {line.currency} revenue with {currency}"
                " revenue in one entry (close each currency on its own)"
            )
        account = plan.income_for(line.item_code, line.item_category)
        per_account = totals.setdefault(recognition.month, {})
        per_account[account] = per_account.get(account, ZERO) + recognition.amount
    entries = []
    for month in sorted(totals):
        period = f"{month:%Y-%m}"
        entry_lines = []
        for account, amount in sorted(totals[month].items()):
            entry_lines += _posting(
                plan.deferred_revenue, f"Revenue recognised {period}, to {account}", amount
            )
            entry_lines += _posting(account, f"Revenue recognised {period}", -amount)
        if entry_lines:
            entry = JournalEntry(f"REVREC-{period}", month_end(month), tuple(entry_lines))
            entries.append(check_entry(entry))
    return entries


def _posting(account: str, label: str, amount: Decimal) -> list[JournalLine]:
    """A line debiting a positive `amount`, crediting a negative one; nothing for zero."""
    if amount > 0:
        return [JournalLine(account, label, debit=amount)]
    if amount < 0:
        return [JournalLine(account, label, credit=-amount)]
    return []


def _same_document(first: RevenueLine, line: RevenueLine) -> None:
    for name in ("invoice_number", "invoice_date", "kind", "currency", "customer"):
        if getattr(line, name) != getattr(first, name):
            raise RevrecError(
                f"issue entry of {first.invoice_number}: line {line.position} has {name}"
                f" {getattr(line, name)!r}, not {getattr(first, name)!r} (one document per entry)"
            )

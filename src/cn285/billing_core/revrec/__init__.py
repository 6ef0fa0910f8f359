"""Revenue recognition: when invoiced revenue is earned, and the entries that post it.

Pure like the rest of `billing_core`: lines in, schedules, journal entries and a deferred
revenue waterfall out. Functions take iterables and keep only per-month totals, so that a
year of invoices can stream through them. Rules and a worked example: docs/revrec.md.
"""

from cn285.billing_core.revrec.accounts import AccountPlan
from cn285.billing_core.revrec.entries import (
    check_entry,
    close_entries,
    close_entry,
    issue_entry,
)
from cn285.billing_core.revrec.errors import EntryError, RevrecError, UnbalancedEntryError
from cn285.billing_core.revrec.lines import RevenueLine, from_invoice
from cn285.billing_core.revrec.schedule import Recognition, recognise, schedule
from cn285.billing_core.revrec.waterfall import WaterfallRow, waterfall

__all__ = [
    "AccountPlan",
    "EntryError",
    "Recognition",
    "RevenueLine",
    "RevrecError",
    "UnbalancedEntryError",
    "WaterfallRow",
    "check_entry",
    "close_entries",
    "close_entry",
    "from_invoice",
    "issue_entry",
    "recognise",
    "schedule",
    "waterfall",
]

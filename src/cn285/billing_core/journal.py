"""A balanced journal entry, as revenue recognition makes it and the ERP connectors push it.

It lives in the core so that the core depends on nothing outside it; `cn285.connectors.base`
re-exports it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class JournalLine:
    account: str  # account code in the ERP's chart
    label: str
    debit: Decimal = Decimal(0)
    credit: Decimal = Decimal(0)


@dataclass(frozen=True)
class JournalEntry:
    """A balanced journal entry (revenue recognition, for one), keyed by our reference."""

    reference: str
    date: dt.date
    lines: tuple[JournalLine, ...]

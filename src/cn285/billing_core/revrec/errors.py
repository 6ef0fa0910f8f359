"""Errors of revenue recognition, named after what the caller has to fix."""

from __future__ import annotations


class RevrecError(ValueError):
    """Revenue lines that cannot be recognised or posted as they stand."""


class EntryError(RevrecError):
    """A journal entry an ERP would refuse: a negative or two-sided line."""


class UnbalancedEntryError(EntryError):
    """A journal entry whose debits and credits differ: never pushed to a ledger."""

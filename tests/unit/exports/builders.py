"""Builders of export records and the hand-made sales entry the export tests share."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal as D

from cn285.billing_core.journal import JournalEntry, JournalLine
from cn285.hub.exports import LedgerEntry, LedgerLine, from_journal_entry, write_fec

ACCOUNT_LABELS = {
    "411000": "Clients",
    "487000": "Produits constatés d'avance",
    "445710": "TVA collectée",
    "706000": "Prestations de services",
}
CUSTOMER = {"411000": ("C1", "Acme SARL")}

SALE = JournalEntry(
    "ISSUE-INV-000001",
    date(2026, 1, 15),
    (
        JournalLine("411000", "Invoice INV-000001 C1", debit=D("1440.00")),
        JournalLine("487000", "Invoice INV-000001 C1, deferred revenue", credit=D("1200.00")),
        JournalLine("445710", "Invoice INV-000001 C1, VAT", credit=D("240.00")),
    ),
)

SALE_FEC = [
    "JournalCode|JournalLib|EcritureNum|EcritureDate|CompteNum|CompteLib|CompAuxNum|CompAuxLib"
    "|PieceRef|PieceDate|EcritureLib|Debit|Credit|EcritureLet|DateLet|ValidDate|Montantdevise"
    "|Idevise",
    "VE|Ventes|1|20260115|411000|Clients|C1|Acme SARL|INV-000001|20260114"
    "|Invoice INV-000001 C1|1440,00|0,00|||20260131||",
    "VE|Ventes|1|20260115|487000|Produits constatés d'avance|||INV-000001|20260114"
    "|Invoice INV-000001 C1, deferred revenue|0,00|1200,00|||20260131||",
    "VE|Ventes|1|20260115|445710|TVA collectée|||INV-000001|20260114"
    "|Invoice INV-000001 C1, VAT|0,00|240,00|||20260131||",
]


def sale(number: int = 1, journal: JournalEntry = SALE, **overrides) -> LedgerEntry:
    """The sales entry as the export records it: piece INV-000001, validated at month end."""
    options = {
        "journal_code": "VE",
        "journal_label": "Ventes",
        "number": number,
        "piece_ref": "INV-000001",
        "piece_date": date(2026, 1, 14),
        "account_labels": ACCOUNT_LABELS,
        "aux": CUSTOMER,
        "validated_on": date(2026, 1, 31),
    } | overrides
    return from_journal_entry(journal, **options)


def line(
    account: str = "411000",
    debit: str | D = "0",
    credit: str | D = "0",
    *,
    label: str = "Invoice INV-000001 C1",
    account_label: str = "Clients",
    aux: tuple[str, str] | None = None,
) -> LedgerLine:
    aux_account, aux_label = aux or (None, None)
    return LedgerLine(account, account_label, label, D(debit), D(credit), aux_account, aux_label)


def entry(*lines: LedgerLine, number: int = 1, **overrides) -> LedgerEntry:
    """A ledger entry of `lines` (by default 100.00 from 411000 to 706000)."""
    fields = {
        "journal_code": "VE",
        "journal_label": "Ventes",
        "number": number,
        "date": date(2026, 1, 15),
        "piece_ref": f"INV-{number:06d}",
        "piece_date": date(2026, 1, 15),
        "label": f"Invoice INV-{number:06d}",
        "lines": lines or (line("411000", debit="100.00"), line("706000", credit="100.00")),
        "validated_on": date(2026, 1, 31),
    } | overrides
    return LedgerEntry(**fields)


def fec_text(entries, separator: str = "|") -> str:
    """What `write_fec` writes for `entries`, as one string."""
    out = io.StringIO(newline="")
    write_fec(entries, out, separator)
    return out.getvalue()

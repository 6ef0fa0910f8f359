"""The sales journal and the REVREC journal, read from the store as accounting entries.

Both stream: invoices are read a chunk at a time in date and number order, closed months
one at a time; each becomes a `LedgerEntry` numbered 1, 2, 3… for the FEC or CSV writers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from cn285.billing_core.revrec import AccountPlan, issue_entry
from cn285.hub.exports import LedgerEntry, from_journal_entry
from cn285.hub.services.revrec import revenue_line, stored_entry
from cn285.hub.store import models

CHUNK = 1_000
LABELS = {  # plan comptable général
    "411000": "Clients",
    "487000": "Produits constatés d'avance",
    "445710": "TVA collectée",
    "706000": "Prestations de services",
}


def account_labels(plan: AccountPlan) -> dict[str, str]:
    accounts = {
        plan.receivable,
        plan.deferred_revenue,
        plan.vat_collected,
        plan.income,
        *plan.income_by_item.values(),
        *plan.income_by_category.values(),
    }
    return {code: LABELS.get(code, f"Compte {code}") for code in accounts}


def sales_journal(
    engine: Engine, start: dt.date, end: dt.date, plan: AccountPlan
) -> Iterator[LedgerEntry]:
    """Journal VE: one entry per invoice and credit note issued from `start` to `end`."""
    labels = account_labels(plan)
    number = 0
    after: tuple[dt.date, str] = (dt.date.min, "")
    with Session(engine) as session:
        while True:
            invoices = session.scalars(
                select(models.Invoice)
                .where(
                    models.Invoice.number.is_not(None),  # type: ignore[union-attr]
                    models.Invoice.date >= start,
                    models.Invoice.date <= end,
                    (models.Invoice.date > after[0])
                    | ((models.Invoice.date == after[0]) & (models.Invoice.number > after[1])),
                )
                .order_by(models.Invoice.date, models.Invoice.number)
                .limit(CHUNK)
            ).all()
            if not invoices:
                return
            after = (invoices[-1].date, invoices[-1].number or "")
            names = dict(
                session.execute(
                    select(models.Customer.code, models.Customer.name).where(
                        models.Customer.code.in_({i.customer_code for i in invoices})  # type: ignore[attr-defined]
                    )
                ).all()
            )
            for invoice in invoices:
                lines = session.scalars(
                    select(models.InvoiceLine)
                    .where(models.InvoiceLine.invoice_id == invoice.id)
                    .order_by(models.InvoiceLine.position)
                )
                entry = issue_entry((revenue_line(line, invoice) for line in lines), plan)
                if entry is None:
                    continue
                number += 1
                customer = invoice.customer_code
                yield from_journal_entry(
                    entry,
                    journal_code="VE",
                    journal_label="Ventes",
                    number=number,
                    piece_ref=invoice.number,
                    piece_date=invoice.date,
                    account_labels=labels,
                    aux={plan.receivable: (customer, names.get(customer) or customer)},
                )


def revrec_journal(
    engine: Engine, start: dt.date, end: dt.date, plan: AccountPlan
) -> Iterator[LedgerEntry]:
    """Journal OD: the entries of the months closed from `start` to `end`, as posted."""
    labels = account_labels(plan)
    number = 0
    with Session(engine) as session:
        periods = session.scalars(
            select(models.RevrecPeriod)
            .where(
                models.RevrecPeriod.month >= start.replace(day=1), models.RevrecPeriod.month <= end
            )
            .order_by(models.RevrecPeriod.month)
        ).all()
        for period in periods:
            entry = stored_entry(session, period)
            if entry is None:
                continue
            number += 1
            accounts = {line.account for line in entry.lines}
            yield from_journal_entry(
                entry,
                journal_code="OD",
                journal_label="Opérations diverses",
                number=number,
                account_labels={**{a: LABELS.get(a, f"Compte {a}") for a in accounts}, **labels},
            )

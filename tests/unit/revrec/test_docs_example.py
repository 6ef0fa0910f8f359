"""The worked example of docs/revrec.md, figure by figure."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

from cn285.billing_core.journal import JournalEntry, JournalLine
from cn285.billing_core.revrec import (
    AccountPlan,
    close_entry,
    issue_entry,
    recognise,
    schedule,
    waterfall,
)
from tests.unit.revrec.builders import months_of, revenue_line

ANNUAL = revenue_line(
    "1200.00",
    tax="240.00",
    number="INV-000001",
    invoiced=date(2026, 1, 15),
    start=date(2026, 1, 15),
    end=date(2027, 1, 14),  # 365 days
    customer="C1",
)
PLAN = AccountPlan()


def test_annual_subscription_issue_entry_defers_the_amount_excluding_tax():
    assert issue_entry([ANNUAL], PLAN) == JournalEntry(
        "ISSUE-INV-000001",
        date(2026, 1, 15),
        (
            JournalLine("411000", "Invoice INV-000001 C1", debit=D("1440.00")),
            JournalLine("487000", "Invoice INV-000001 C1, deferred revenue", credit=D("1200.00")),
            JournalLine("445710", "Invoice INV-000001 C1, VAT", credit=D("240.00")),
        ),
    )


def test_annual_subscription_january_close_recognises_17_days():
    # 1200 × 17/365 = 55.890…
    assert close_entry(date(2026, 1, 1), recognise([ANNUAL]), PLAN) == JournalEntry(
        "REVREC-2026-01",
        date(2026, 1, 31),
        (
            JournalLine("487000", "Revenue recognised 2026-01, to 706000", debit=D("55.89")),
            JournalLine("706000", "Revenue recognised 2026-01", credit=D("55.89")),
        ),
    )


def test_annual_subscription_february_close_recognises_28_days():
    # 1200 × 28/365 = 92.054…
    assert close_entry(date(2026, 2, 1), recognise([ANNUAL]), PLAN) == JournalEntry(
        "REVREC-2026-02",
        date(2026, 2, 28),
        (
            JournalLine("487000", "Revenue recognised 2026-02, to 706000", debit=D("92.05")),
            JournalLine("706000", "Revenue recognised 2026-02", credit=D("92.05")),
        ),
    )


def test_annual_subscription_full_schedule_and_year_total():
    months = months_of(schedule(ANNUAL))
    assert months == {
        date(2026, 1, 1): D("55.89"),
        date(2026, 2, 1): D("92.05"),
        **{date(2026, m, 1): D("101.92") for m in (3, 5, 7, 8, 10, 12)},  # 31 days
        **{date(2026, m, 1): D("98.63") for m in (4, 6, 9, 11)},  # 30 days
        date(2027, 1, 1): D("46.02"),  # 14 days, 46.03 exact, takes the remainder
    }
    assert sum(a for m, a in months.items() if m.year == 2026) == D("1153.98")
    assert sum(months.values()) == D("1200.00")


def test_annual_subscription_waterfall_first_months():
    rows = waterfall([ANNUAL], [date(2026, 1, 1), date(2026, 2, 1), date(2026, 12, 1)])
    assert [(r.opening, r.invoiced, r.recognised, r.closing) for r in rows] == [
        (D("0"), D("1200.00"), D("55.89"), D("1144.11")),
        (D("1144.11"), D("0"), D("92.05"), D("1052.06")),
        (D("147.94"), D("0"), D("101.92"), D("46.02")),
    ]

"""Issue and close journal entries: sides, aggregation per account, balance."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest

from cn285.billing_core.journal import JournalEntry, JournalLine
from cn285.billing_core.money import CurrencyError
from cn285.billing_core.revrec import (
    AccountPlan,
    EntryError,
    Recognition,
    RevrecError,
    UnbalancedEntryError,
    check_entry,
    close_entries,
    close_entry,
    issue_entry,
    recognise,
)
from tests.unit.revrec.builders import revenue_line

PLAN = AccountPlan()
JAN, FEB, MAR = date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1)


def sides(entry: JournalEntry) -> list[tuple[str, D, D]]:
    return [(line.account, line.debit, line.credit) for line in entry.lines]


def test_issue_entry_of_an_invoice_sums_its_lines():
    lines = [
        revenue_line("100.00", tax="20.00"),
        revenue_line("10.55", tax="0.58", position=2, line_kind="usage"),
    ]
    entry = issue_entry(iter(lines), PLAN)
    assert entry.reference == "ISSUE-INV-000001"
    assert entry.date == date(2026, 1, 1)
    assert sides(entry) == [
        ("411000", D("131.13"), D(0)),
        ("487000", D(0), D("110.55")),
        ("445710", D(0), D("20.58")),
    ]


def test_issue_entry_of_a_credit_note_is_the_mirror_image():
    lines = [
        revenue_line("-100.00", tax="-20.00", number="CN-000001"),
        revenue_line("30.00", tax="6.00", number="CN-000001", position=2, kind="credit_note"),
    ]
    entry = issue_entry(lines, PLAN)
    assert entry.reference == "ISSUE-CN-000001"
    assert entry.lines[0].label == "Credit note CN-000001 C1"
    assert sides(entry) == [
        ("411000", D(0), D("84.00")),
        ("487000", D("70.00"), D(0)),
        ("445710", D("14.00"), D(0)),
    ]


def test_issue_entry_without_tax_has_no_vat_line():
    entry = issue_entry([revenue_line("100.00", tax="0.00")], PLAN)
    assert sides(entry) == [("411000", D("100.00"), D(0)), ("487000", D(0), D("100.00"))]


def test_issue_entry_uses_the_plan_accounts():
    plan = AccountPlan(receivable="1200", deferred_revenue="2400", vat_collected="2200")
    entry = issue_entry([revenue_line("100.00", tax="20.00")], plan)
    assert [line.account for line in entry.lines] == ["1200", "2400", "2200"]


def test_issue_entry_with_nothing_in_it_is_none():
    assert issue_entry([], PLAN) is None
    assert issue_entry([revenue_line("0.00", tax="0.00")], PLAN) is None


def test_issue_entry_refuses_lines_of_two_documents():
    lines = [revenue_line("10.00"), revenue_line("10.00", number="INV-000002", position=2)]
    with pytest.raises(RevrecError, match="line 2 has invoice_number 'INV-000002'"):
        issue_entry(lines, PLAN)


def test_issue_entry_refuses_an_invoice_with_a_negative_total():
    lines = [revenue_line("10.00"), revenue_line("-20.00", kind="invoice", position=2)]
    with pytest.raises(RevrecError, match=r"INV-000001: invoice totals -10\.00 excluding tax"):
        issue_entry(lines, PLAN)


def test_close_entry_aggregates_per_income_account():
    plan = AccountPlan(
        income_by_item={"SETUP": "706100"},
        income_by_category={"training": "706200", "setup": "706999"},
    )
    lines = [
        revenue_line("100.00", item="SUB"),
        revenue_line("50.00", item="SUB", position=2),
        revenue_line("30.00", item="SETUP", category="setup", line_kind="one_shot", position=3),
        revenue_line("20.00", item="COURSE", category="training", line_kind="one_shot", position=4),
        revenue_line("5.00", item="OTHER", category="unknown", line_kind="usage", position=5),
    ]
    entry = close_entry(date(2026, 1, 20), recognise(lines), plan)
    assert entry.reference == "REVREC-2026-01"
    assert entry.date == date(2026, 1, 31)
    assert sides(entry) == [
        ("487000", D("155.00"), D(0)),
        ("706000", D(0), D("155.00")),
        ("487000", D("30.00"), D(0)),  # item code before category
        ("706100", D(0), D("30.00")),
        ("487000", D("20.00"), D(0)),
        ("706200", D(0), D("20.00")),
    ]


def test_close_entry_flips_sides_when_an_account_nets_negative():
    invoice = revenue_line("310.00", start=date(2026, 1, 1), end=date(2026, 1, 31))
    credit = revenue_line(
        "-900.00",
        number="CN-000001",
        invoiced=date(2026, 1, 31),
        start=date(2026, 1, 1),
        end=date(2026, 3, 31),
    )  # the whole quarter credited on 31 Jan: February reverses 280.00
    usage = revenue_line("100.00", number="INV-000002", invoiced=FEB, line_kind="usage")
    entry = close_entry(FEB, recognise([invoice, credit, usage]), PLAN)
    assert sides(entry) == [("487000", D(0), D("180.00")), ("706000", D("180.00"), D(0))]


def test_close_entry_skips_other_months_and_is_none_when_nothing_is_left():
    lines = [revenue_line("100.00")]
    assert close_entry(FEB, recognise(lines), PLAN) is None


def test_close_entry_is_none_when_the_month_nets_to_zero():
    lines = [revenue_line("100.00"), revenue_line("-100.00", number="CN-000001")]
    assert close_entry(JAN, recognise(lines), PLAN) is None


def test_close_entry_refuses_to_mix_currencies():
    lines = [revenue_line("100.00"), revenue_line("100", currency="JPY", number="INV-000002")]
    with pytest.raises(CurrencyError, match="INV-000002: cannot close JPY revenue with EUR"):
        close_entry(JAN, recognise(lines), PLAN)


def test_close_entries_gives_every_month_in_one_pass():
    line = revenue_line("1000.00", start=date(2026, 1, 1), end=date(2026, 3, 31))
    entries = close_entries(recognise([line]), PLAN)
    assert [(e.reference, e.date, e.lines[0].debit) for e in entries] == [
        ("REVREC-2026-01", date(2026, 1, 31), D("344.44")),
        ("REVREC-2026-02", date(2026, 2, 28), D("311.11")),
        ("REVREC-2026-03", date(2026, 3, 31), D("344.45")),
    ]
    assert entries == [close_entry(m, recognise([line]), PLAN) for m in (JAN, FEB, MAR)]


def test_close_entry_accepts_recognitions_built_by_hand():
    pairs = [(revenue_line("1.00"), Recognition(MAR, D("0.40")))]
    assert sides(close_entry(MAR, pairs, PLAN)) == [
        ("487000", D("0.40"), D(0)),
        ("706000", D(0), D("0.40")),
    ]


def test_check_entry_refuses_an_unbalanced_entry():
    entry = JournalEntry(
        "REVREC-2026-01",
        date(2026, 1, 31),
        (
            JournalLine("487000", "x", debit=D("10.00")),
            JournalLine("706000", "x", credit=D("9.99")),
        ),
    )
    with pytest.raises(
        UnbalancedEntryError,
        match=r"REVREC-2026-01 does not balance: debits 10.00, credits 9.99 \(difference 0.01\)",
    ):
        check_entry(entry)


@pytest.mark.parametrize(
    "line",
    [
        JournalLine("487000", "x", debit=D("-1.00")),
        JournalLine("487000", "x", credit=D("-1.00")),
        JournalLine("487000", "x", debit=D("1.00"), credit=D("1.00")),
    ],
)
def test_check_entry_refuses_a_negative_or_two_sided_line(line):
    entry = JournalEntry("ISSUE-X", date(2026, 1, 1), (line,))
    with pytest.raises(EntryError, match="must have one positive side"):
        check_entry(entry)


def test_check_entry_returns_a_balanced_entry():
    entry = JournalEntry(
        "ISSUE-X",
        date(2026, 1, 1),
        (JournalLine("411000", "x", debit=D("1.20")), JournalLine("487000", "x", credit=D("1.20"))),
    )
    assert check_entry(entry) is entry


def test_account_plan_defaults_to_the_french_plan():
    plan = AccountPlan()
    assert (plan.receivable, plan.deferred_revenue, plan.vat_collected, plan.income) == (
        "411000",
        "487000",
        "445710",
        "706000",
    )
    assert plan.income_for("ANY", "any") == "706000"


def test_account_plan_refuses_an_empty_account_code():
    with pytest.raises(RevrecError, match=r"income_by_category.training must be a non-empty"):
        AccountPlan(income_by_category={"training": " "})


def test_account_plan_mappings_cannot_be_changed_afterwards():
    source = {"SUB": "706100"}
    plan = AccountPlan(income_by_item=source)
    source["SUB"] = "999999"
    assert plan.income_for("SUB") == "706100"
    with pytest.raises(TypeError):
        plan.income_by_item["SUB"] = "999999"  # type: ignore[index]

"""Invariants of revenue recognition, checked on generated lines."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta
from decimal import Decimal as D

from hypothesis import given, settings
from hypothesis import strategies as st

from cn285.billing_core.journal import JournalEntry
from cn285.billing_core.money import currency, round_money
from cn285.billing_core.revrec import (
    AccountPlan,
    RevenueLine,
    close_entries,
    issue_entry,
    recognise,
    schedule,
    waterfall,
)
from cn285.billing_core.revrec.lines import LINE_KINDS

CURRENCIES = ["EUR", "JPY", "KWD"]  # 2, 0 and 3 minor units
days = st.dates(min_value=date(2025, 1, 1), max_value=date(2028, 12, 31))
PLAN = AccountPlan(income_by_item={"B": "706100"}, income_by_category={"c": "706200"})
PROPERTY = settings(max_examples=200, deadline=None)


def month(day: date) -> date:
    return day.replace(day=1)


def money(draw, code: str, low: int = -(10**9), high: int = 10**9) -> D:
    return D(draw(st.integers(low, high))).scaleb(-currency(code).minor_units)


@st.composite
def revenue_lines(draw, code: str | None = None, number: str = "INV-1", position: int = 1):
    code = code or draw(st.sampled_from(CURRENCIES))
    invoiced = draw(days)
    start = end = None
    if draw(st.integers(0, 4)):  # mostly with a service period
        start = invoiced + timedelta(days=draw(st.integers(-400, 120)))
        end = start + timedelta(days=draw(st.integers(0, 800)))
    amount = money(draw, code)
    rate = draw(st.sampled_from([D(0), D("5.5"), D(20)]))
    return RevenueLine(
        invoice_number=number,
        invoice_date=invoiced,
        kind="credit_note" if amount < 0 else "invoice",
        position=position,
        item_code=draw(st.sampled_from("ABC")),
        item_category=draw(st.sampled_from([None, "c"])),
        line_kind=draw(st.sampled_from(sorted(LINE_KINDS))),
        start=start,
        end=end,
        amount=amount,
        tax=round_money(amount * rate / 100, currency(code)),
        currency=code,
        customer="C1",
    )


@st.composite
def documents(draw):
    """The lines of one invoice or credit note (its kind follows its total)."""
    first = draw(revenue_lines())
    lines = [first]
    for position in range(2, draw(st.integers(1, 6)) + 1):
        other = draw(revenue_lines(first.currency, position=position))
        lines.append(dataclasses.replace(other, invoice_date=first.invoice_date))
    kind = "credit_note" if sum(line.amount for line in lines) < 0 else "invoice"
    return [dataclasses.replace(line, kind=kind) for line in lines]


def assert_balanced(entry: JournalEntry) -> None:
    for line in entry.lines:
        assert line.debit >= 0 and line.credit >= 0
        assert (line.debit > 0) != (line.credit > 0)
    assert sum(line.debit for line in entry.lines) == sum(line.credit for line in entry.lines)


@PROPERTY
@given(revenue_lines())
def test_every_schedule_sums_exactly_to_its_line(line):
    recognitions = schedule(line)
    assert sum(r.amount for r in recognitions) == line.amount
    cur = currency(line.currency)
    assert all(r.amount and round_money(r.amount, cur) == r.amount for r in recognitions)


@PROPERTY
@given(revenue_lines())
def test_nothing_is_recognised_before_the_document_month_nor_outside_the_service(line):
    months = [r.month for r in schedule(line)]
    assert months == sorted(set(months))
    assert all(m.day == 1 for m in months)
    document_month = month(line.invoice_date)
    assert all(m >= document_month for m in months)
    if line.start is not None and line.line_kind in ("recurring", "cascade"):
        assert all(m <= max(document_month, month(line.end)) for m in months)
        assert all(m >= month(line.start) for m in months)
    else:
        assert months in ([], [document_month])


@PROPERTY
@given(documents())
def test_every_issue_entry_balances(lines):
    entry = issue_entry(iter(lines), PLAN)
    if entry is None:
        assert all(not line.amount and not line.tax for line in lines)
        return
    assert_balanced(entry)
    receivable = sum(line.debit - line.credit for line in entry.lines if line.account == "411000")
    assert receivable == sum(line.amount + line.tax for line in lines)


@PROPERTY
@given(st.sampled_from(CURRENCIES).flatmap(lambda c: st.lists(revenue_lines(c), max_size=8)))
def test_every_close_entry_balances_and_releases_all_that_is_recognised(lines):
    entries = close_entries(recognise(iter(lines)), PLAN)
    for entry in entries:
        assert_balanced(entry)
    income = sum(
        line.credit - line.debit
        for entry in entries
        for line in entry.lines
        if line.account != PLAN.deferred_revenue
    )
    assert income == sum(line.amount for line in lines)
    assert [e.date for e in entries] == sorted({e.date for e in entries})


@PROPERTY
@given(
    st.sampled_from(CURRENCIES).flatmap(lambda c: st.lists(revenue_lines(c), max_size=8)),
    st.lists(days, max_size=12),
)
def test_waterfall_closing_is_invoiced_less_recognised_to_date(lines, asked):
    rows = waterfall(iter(lines), asked)
    assert [r.month for r in rows] == sorted({month(day) for day in asked})
    for row in rows:
        assert row.closing == row.opening + row.invoiced - row.recognised
        invoiced = sum(line.amount for line in lines if month(line.invoice_date) <= row.month)
        recognised = sum(r.amount for line in lines for r in schedule(line) if r.month <= row.month)
        assert row.closing == invoiced - recognised
        assert row.invoiced == sum(
            line.amount for line in lines if month(line.invoice_date) == row.month
        )


@PROPERTY
@given(revenue_lines(), st.integers(0, 900))
def test_credit_note_of_a_full_line_and_the_line_recognise_to_zero(line, delay):
    line = dataclasses.replace(line, kind="invoice", amount=abs(line.amount), tax=abs(line.tax))
    credit = dataclasses.replace(
        line,
        invoice_number="CN-1",
        kind="credit_note",
        invoice_date=line.invoice_date + timedelta(days=delay),
        amount=-line.amount,
        tax=-line.tax,
    )
    net: dict[date, D] = {}
    for _, r in recognise([line, credit]):
        net[r.month] = net.get(r.month, D(0)) + r.amount
    assert sum(net.values()) == 0
    # after the credit note's month, nothing is left but rounding on the period's last month
    last = max(net, default=None)
    assert all(not amount for m, amount in net.items() if month(credit.invoice_date) < m < last)

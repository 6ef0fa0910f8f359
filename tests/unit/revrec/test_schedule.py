"""Recognition schedules worked by hand: straight line by day, catch-up, point in time."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

from cn285.billing_core.revrec import Recognition, recognise, schedule
from tests.unit.revrec.builders import months_of, revenue_line

JAN, FEB, MAR, APR, MAY, JUN = (date(2026, m, 1) for m in range(1, 7))
QUARTER = {"start": date(2026, 1, 1), "end": date(2026, 3, 31)}  # 31 + 28 + 31 = 90 days


def test_quarterly_line_is_split_by_days_with_the_remainder_on_the_last_month():
    line = revenue_line("1000.00", invoiced=date(2026, 1, 1), **QUARTER)
    # 1000 × 31/90 = 344.444…, 1000 × 28/90 = 311.111…, rest 1000 − 655.55
    assert schedule(line) == (
        Recognition(JAN, D("344.44")),
        Recognition(FEB, D("311.11")),
        Recognition(MAR, D("344.45")),
    )


def test_mid_month_start_recognises_the_days_served_in_each_month():
    line = revenue_line(
        "100.00", invoiced=date(2026, 1, 15), start=date(2026, 1, 15), end=date(2026, 2, 14)
    )
    # 31 days: 17 in January (15–31), 14 in February; 100 × 17/31 = 54.838…
    assert months_of(schedule(line)) == {JAN: D("54.84"), FEB: D("45.16")}


def test_credit_note_for_the_second_half_catches_up_the_days_before_its_month():
    invoice = revenue_line(
        "1810.00", invoiced=date(2026, 1, 1), start=date(2026, 1, 1), end=date(2026, 6, 30)
    )  # 181 days at 10.00 a day
    credit = revenue_line(
        "-910.00",
        number="CN-000001",
        invoiced=date(2026, 5, 15),
        start=date(2026, 4, 1),
        end=date(2026, 6, 30),
    )  # 91 days credited, April's 30 already recognised in a closed month
    assert months_of(schedule(credit)) == {MAY: D("-610.00"), JUN: D("-300.00")}
    net: dict[date, D] = {}
    for _, recognition in recognise([invoice, credit]):
        net[recognition.month] = net.get(recognition.month, D(0)) + recognition.amount
    assert net == {
        JAN: D("310.00"),
        FEB: D("280.00"),
        MAR: D("310.00"),
        APR: D("300.00"),
        MAY: D("-300.00"),  # May's 310 less April's 300 reversed and May's 310
        JUN: D("0.00"),
    }
    assert sum(net.values()) == D("900.00")  # January to March served


def test_credit_note_issued_mid_month_follows_the_straight_line_from_its_month():
    credit = revenue_line(
        "-450.00",
        invoiced=date(2026, 2, 15),
        start=date(2026, 2, 15),
        end=date(2026, 3, 31),
    )  # 45 days: 14 in February, 31 in March
    assert months_of(schedule(credit)) == {FEB: D("-140.00"), MAR: D("-310.00")}


def test_invoice_in_arrears_catches_up_past_months_in_the_invoice_month():
    line = revenue_line("1000.00", invoiced=date(2026, 2, 10), **QUARTER)
    # January and February: 59 days, 1000 × 59/90 = 655.555…
    assert months_of(schedule(line)) == {FEB: D("655.56"), MAR: D("344.44")}


def test_invoice_after_the_whole_period_is_recognised_in_its_month():
    line = revenue_line("1000.00", invoiced=date(2026, 4, 1), **QUARTER)
    assert schedule(line) == (Recognition(APR, D("1000.00")),)


def test_invoice_in_advance_recognises_nothing_before_service_starts():
    line = revenue_line("1000.00", invoiced=date(2025, 12, 20), **QUARTER)
    assert months_of(schedule(line)) == {JAN: D("344.44"), FEB: D("311.11"), MAR: D("344.45")}


def test_usage_line_is_recognised_in_the_invoice_month():
    line = revenue_line(
        "37.50",
        line_kind="usage",
        invoiced=date(2026, 2, 1),
        start=date(2026, 1, 1),
        end=date(2026, 1, 31),
    )
    assert schedule(line) == (Recognition(FEB, D("37.50")),)


def test_one_shot_line_is_recognised_in_the_invoice_month_whatever_its_period():
    line = revenue_line("500.00", line_kind="one_shot", invoiced=date(2026, 1, 20), **QUARTER)
    assert schedule(line) == (Recognition(JAN, D("500.00")),)


def test_line_without_a_service_period_is_recognised_in_the_invoice_month():
    line = revenue_line("80.00", invoiced=date(2026, 3, 31), start=None, end=None)
    assert schedule(line) == (Recognition(MAR, D("80.00")),)


def test_cascade_line_is_spread_over_its_period_like_recurring():
    line = revenue_line("1000.00", line_kind="cascade", invoiced=date(2026, 1, 1), **QUARTER)
    assert months_of(schedule(line)) == {JAN: D("344.44"), FEB: D("311.11"), MAR: D("344.45")}


def test_negative_shares_round_half_up_symmetrically():
    line = revenue_line("-1000.00", invoiced=date(2026, 1, 1), **QUARTER)
    assert months_of(schedule(line)) == {
        JAN: D("-344.44"),
        FEB: D("-311.11"),
        MAR: D("-344.45"),
    }


def test_shares_are_rounded_to_the_currency_minor_unit():
    line = revenue_line("10000", currency="JPY", invoiced=date(2026, 1, 1), **QUARTER)
    assert months_of(schedule(line)) == {JAN: D("3444"), FEB: D("3111"), MAR: D("3445")}


def test_half_a_cent_rounds_up():
    # 0.03 over 2 days, one per month: 0.015 → 0.02, the rest 0.01
    line = revenue_line(
        "0.03", invoiced=date(2026, 1, 1), start=date(2026, 1, 31), end=date(2026, 2, 1)
    )
    assert months_of(schedule(line)) == {JAN: D("0.02"), FEB: D("0.01")}


def test_months_rounding_to_zero_are_left_out():
    line = revenue_line("0.01", invoiced=date(2026, 1, 1), **QUARTER)
    assert schedule(line) == (Recognition(MAR, D("0.01")),)


def test_zero_line_has_no_recognition():
    assert schedule(revenue_line("0.00")) == ()


def test_recognise_streams_each_recognition_with_its_line():
    first = revenue_line("1000.00", **QUARTER)
    second = revenue_line("20.00", line_kind="usage", position=2)
    pairs = list(recognise(iter([first, second])))
    assert [(line.position, r.month, r.amount) for line, r in pairs] == [
        (1, JAN, D("344.44")),
        (1, FEB, D("311.11")),
        (1, MAR, D("344.45")),
        (2, JAN, D("20.00")),
    ]

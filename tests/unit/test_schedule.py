from datetime import date
from decimal import Decimal as D

from cn285.billing_core.calendar import Alignment, Period
from cn285.billing_core.catalog import PriceList
from cn285.billing_core.contracts import Line, LineKind, Timing
from cn285.billing_core.money import currency
from cn285.billing_core.schedule import schedule
from cn285.billing_core.terms import ContractTimelines, build_terms

PL = PriceList("P", currency("EUR"), {})
TIMELINES = ContractTimelines({"K": [(date.min, "C")]}, {"K": [(date.min, PL)]})


def periods(line, until, actions=(), timing=None):
    terms = build_terms(line, "K", list(actions), TIMELINES, until, lambda ln: ln.period)
    return [
        (p.start, p.end, p.full_days, p.invoice_date)
        for p in schedule(terms, until, timing or line.timing)
    ]


def test_calendar_month_in_advance_with_partial_first_period():
    line = Line("L", "X", LineKind.RECURRING, date(2026, 1, 16))
    assert periods(line, date(2026, 3, 1)) == [
        (date(2026, 1, 16), date(2026, 1, 31), 31, date(2026, 1, 16)),
        (date(2026, 2, 1), date(2026, 2, 28), 28, date(2026, 2, 1)),
        (date(2026, 3, 1), date(2026, 3, 31), 31, date(2026, 3, 1)),
        (date(2026, 4, 1), date(2026, 4, 30), 30, date(2026, 4, 1)),  # when next due
    ]


def test_quarterly_billing_of_monthly_service_groups_three_months():
    line = Line("L", "X", LineKind.RECURRING, date(2026, 2, 10), billing_period=Period.QUARTER)
    got = periods(line, date(2026, 4, 1))
    assert [p[3] for p in got] == (
        [date(2026, 2, 10)] * 2 + [date(2026, 4, 1)] * 3 + [date(2026, 7, 1)] * 3
    )
    assert got[4][:2] == (date(2026, 6, 1), date(2026, 6, 30))  # the open group is complete


def test_arrears_invoice_after_the_end_of_service():
    line = Line(
        "L", "X", LineKind.RECURRING, date(2026, 1, 1), end=date(2026, 2, 14), timing=Timing.ARREARS
    )
    assert periods(line, date(2026, 12, 31)) == [
        (date(2026, 1, 1), date(2026, 1, 31), 31, date(2026, 2, 1)),
        (date(2026, 2, 1), date(2026, 2, 14), 28, date(2026, 2, 15)),
    ]


def test_anniversary_quarters_clamp_and_keep_their_day():
    line = Line(
        "L",
        "X",
        LineKind.RECURRING,
        date(2026, 11, 30),
        period=Period.QUARTER,
        alignment=Alignment.ANNIVERSARY,
        quantity=D(1),
    )
    got = periods(line, date(2027, 6, 1))
    assert [(p[0], p[1]) for p in got] == [
        (date(2026, 11, 30), date(2027, 2, 27)),
        (date(2027, 2, 28), date(2027, 5, 29)),
        (date(2027, 5, 30), date(2027, 8, 29)),
        (date(2027, 8, 30), date(2027, 11, 29)),
    ]

"""Effective dates come from the billing engine's own notice rules, on a real store.

The effective date is the first day without service: the day after the last day of service
the engine computes; for a whole contract, the day after its latest line end.
"""

from __future__ import annotations

from cn285.hub.services.notifications import termination_dates
from tests.notifications.conftest import d, monthly, yearly_anniversary


def dates(store, action_id):
    termination = termination_dates(store.engine, [action_id])[action_id]
    assert termination is not None
    return termination.effective, {ln.ref: ln.last_day for ln in termination.lines}


def test_immediate_contract_termination_is_effective_on_the_request_day(store):
    store.contract("K", monthly(), yearly_anniversary())
    action = store.terminate("K", "2026-03-10")
    effective, lines = dates(store, action)
    assert effective == d("2026-03-10")
    assert lines == {"K/L1": d("2026-03-09"), "K/L2": d("2026-03-09")}


def test_notice_of_30_days_on_a_line_counts_days(store):
    store.contract("K", monthly(), yearly_anniversary())
    action = store.terminate("K", "2026-03-10", "30 days", line="L1")
    effective, lines = dates(store, action)
    assert effective == d("2026-04-09")
    assert lines == {"K/L1": d("2026-04-08")}  # L2 is not concerned


def test_notice_of_1_month_on_a_line_counts_calendar_months(store):
    store.contract("K", monthly())
    action = store.terminate("K", "2026-01-31", "1 month", line="L1")
    effective, lines = dates(store, action)
    # 31 Jan + 1 month clamps to 28 Feb; service ends the day before
    assert effective == d("2026-02-28")
    assert lines == {"K/L1": d("2026-02-27")}


def test_end_of_period_follows_each_lines_billing_regime(store):
    store.contract("M", monthly())
    store.contract("Q", monthly(period="quarter"))
    store.contract("Y", yearly_anniversary("L1"))
    monthly_end = store.terminate("M", "2026-02-10", "end_of_period", line="L1")
    quarter_end = store.terminate("Q", "2026-02-10", "end_of_period", line="L1")
    year_end = store.terminate("Y", "2026-02-10", "end_of_period", line="L1")
    assert dates(store, monthly_end)[0] == d("2026-03-01")
    assert dates(store, quarter_end)[0] == d("2026-04-01")
    assert dates(store, year_end)[0] == d("2026-07-15")  # anniversary of 15 Jul 2025


def test_contract_end_of_period_is_the_day_after_its_latest_line_end(store):
    store.contract("K", monthly(), yearly_anniversary())
    action = store.terminate("K", "2026-03-10", "end_of_period")
    effective, lines = dates(store, action)
    assert lines == {"K/L1": d("2026-03-31"), "K/L2": d("2026-07-14")}
    assert effective == d("2026-07-15")


def test_end_of_period_uses_the_period_in_force_on_the_request_day(store):
    store.contract("K", monthly())
    store.action("K", on="2026-02-01", do="change_period", line="K/L1", period="quarter")
    action = store.terminate("K", "2026-02-10", "end_of_period", line="L1")
    assert dates(store, action)[0] == d("2026-04-01")  # calendar quarter Jan–Mar, not Feb


def test_a_line_already_ended_is_not_concerned(store):
    store.contract("K", monthly(), monthly("OLD", end="2026-02-28"))
    action = store.terminate("K", "2026-03-10", "30 days")
    effective, lines = dates(store, action)
    assert lines == {"K/L1": d("2026-04-08")}
    assert effective == d("2026-04-09")


def test_a_termination_superseded_by_an_earlier_end_ends_nothing(store):
    store.contract("K", monthly())
    slow = store.terminate("K", "2026-03-01", "3 months")
    fast = store.terminate("K", "2026-03-10")
    result = termination_dates(store.engine, [slow, fast])
    assert result[slow] is None
    assert result[fast] is not None and result[fast].effective == d("2026-03-10")


def test_a_contract_termination_reaches_the_lines_transferred_to_it(store):
    store.contract("FROM", monthly())
    store.contract("TO", monthly("OWN"))
    store.action("FROM", on="2026-02-01", do="transfer", line="FROM/L1", to="TO")
    action = store.terminate("TO", "2026-03-10", "30 days")
    termination = termination_dates(store.engine, [action])[action]
    assert termination is not None
    assert {ln.ref: ln.last_day for ln in termination.lines} == {
        "FROM/L1": d("2026-04-08"),
        "TO/OWN": d("2026-04-08"),
    }
    assert termination.contract == "TO" and termination.customer == "ACME"

"""The demo company, as declared: it exercises everything the engine knows, the same way
for the same seed, with valid VAT numbers and events on days the store accepts."""

from __future__ import annotations

from datetime import date, timedelta
from random import Random

import pytest
from stdnum.eu import vat as eu_vat

from cn285.billing_core.calendar import Alignment, Period
from cn285.billing_core.contracts import ActionKind, LineKind, Timing
from cn285.billing_core.pricing import REGISTRY
from cn285.billing_core.tax import TaxRegime, validate_vat_number
from cn285.hub.demo.company import Company, build_company, coverage
from cn285.hub.demo.model import ContractChange, UsageBatch
from cn285.hub.demo.vat import MAKERS, vat_number
from cn285.hub.demo.windows import service_end

START = date(2026, 1, 1)


@pytest.fixture(scope="module")
def company() -> Company:
    return build_company(START)


def changes(company: Company, kind: ActionKind | None = None) -> list[ContractChange]:
    return [
        e
        for e in company.events
        if isinstance(e, ContractChange) and (kind is None or e.action.do is kind)
    ]


def test_company_prices_lines_with_every_pricing_model_of_the_engine(company):
    assert coverage(company)["pricing_models"] == sorted(REGISTRY)


def test_company_takes_every_action_kind(company):
    assert coverage(company)["action_kinds"] == sorted(k.value for k in ActionKind)


def test_terminations_use_every_notice_kind(company):
    assert coverage(company)["notices"] == sorted(
        ["immediate", "30 days", "1 month", "end_of_period"]
    )


def test_lines_use_every_kind_period_timing_and_alignment(company):
    summary = coverage(company)
    assert summary["line_kinds"] == sorted(k.value for k in LineKind)
    assert summary["periods"] == sorted(p.value for p in Period)
    assert summary["timings"] == sorted(t.value for t in Timing)
    assert summary["alignments"] == sorted(a.value for a in Alignment)


def test_customers_fall_in_every_tax_regime(company):
    regimes = set(coverage(company)["tax_regimes"])
    assert regimes == {r.value for r in TaxRegime} - {TaxRegime.NONE.value}


def test_company_is_a_small_saas_book(company):
    summary = coverage(company)
    assert 35 <= summary["customers"] <= 45
    assert 45 <= summary["contracts"] + summary["contracts_signed"] <= 60
    assert summary["customers_signed"] >= 3
    assert 1_000 <= summary["usage_records"] <= 5_000
    countries = {c.country for c in company.all_customers}
    assert {"FR", "DE", "BE", "IT", "US", "CH", "GB"} <= countries
    assert any(c.group_invoices for c in company.customers)
    french = sum(c.country == "FR" for c in company.customers)
    assert french > len(company.customers) / 2


def test_same_seed_builds_the_same_company(company):
    assert build_company(START) == company


def test_another_seed_builds_another_company(company):
    other = build_company(START, seed=286)
    assert other != company
    assert other.customers != company.customers
    assert coverage(other)["action_kinds"] == coverage(company)["action_kinds"]


def test_vat_numbers_are_valid_for_the_customer_country(company):
    numbered = [c for c in company.all_customers if c.vat_number]
    assert len(numbered) > 30
    for customer in numbered:
        assert eu_vat.is_valid(customer.vat_number), customer
        validate_vat_number(customer.vat_number, customer.country)


@pytest.mark.parametrize("country", sorted(MAKERS))
def test_vat_makers_only_make_valid_numbers(country):
    rng = Random(country)
    for _ in range(500):
        number = vat_number(country, rng)
        assert eu_vat.is_valid(number) and number.startswith(country)


def test_every_action_takes_effect_on_the_day_it_is_recorded(company):
    for change in changes(company):
        assert change.action.on == change.day
        assert company.start <= change.day <= company.end


def test_terminations_end_inside_the_year_after_both_reminders(company):
    contracts = {c.code: c for c in company.all_contracts}
    for change in changes(company, ActionKind.TERMINATE):
        if change.action.notice is None:  # immediate: nothing to remind
            continue
        lines = contracts[change.contract].lines
        if change.action.line:
            lines = [ln for ln in lines if change.action.line.endswith(f"/{ln.code}")]
        for line in lines:
            end = service_end(line, line.start, change.day, change.action.notice)
            assert company.start <= end - timedelta(days=30), change
            assert end <= company.end, change


def test_usage_stops_when_the_service_ends(company):
    contracts = {c.code: c for c in company.all_contracts}
    last_record: dict[str, date] = {}
    for batch in (e for e in company.events if isinstance(e, UsageBatch)):
        for record in batch.records:
            last_record[record.line] = batch.day
    for change in changes(company, ActionKind.TERMINATE):
        for line in contracts[change.contract].lines:
            ref = f"{change.contract}/{line.code}"
            if ref in last_record and change.action.line in (None, ref):
                end = service_end(line, line.start, change.day, change.action.notice)
                assert last_record[ref] <= end, ref


def test_usage_records_have_one_id_each_and_resends_repeat_a_batch(company):
    sent: dict[date, UsageBatch] = {}
    ids: set[tuple[str, str]] = set()
    resent = 0
    for batch in (e for e in company.events if isinstance(e, UsageBatch)):
        if batch.resend:
            assert sent[batch.day].records == batch.records
            resent += 1
            continue
        sent[batch.day] = batch
        for record in batch.records:
            moment = record.at or record.start
            assert moment.date() == batch.day
            assert (record.line, record.id) not in ids
            ids.add((record.line, record.id))
    assert resent > 0


def test_event_days_are_the_days_with_events_in_order(company):
    days = company.event_days
    assert list(days) == sorted(days)
    assert days[0] >= company.start and days[-1] <= company.end
    assert all(company.events_on(day) for day in days)
    assert company.events_on(company.start - timedelta(days=1)) == ()

from datetime import UTC, datetime, timedelta
from decimal import Decimal as D

import pytest

from cn285.billing_core.usage import Aggregation, UsageRecord

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def rec(q=None, minutes=0, seq=0, **props):
    return UsageRecord(
        at=T0 + timedelta(minutes=minutes),
        quantity=None if q is None else D(q),
        properties=props,
        seq=seq,
    )


def agg(kind, records):
    return Aggregation.parse(kind).accumulator().extend(records).value()


def test_simple_aggregations():
    records = [rec("5", 0), rec("2", 10), rec("9", 5), rec("4", 20)]
    assert agg("sum", records) == D(20)
    assert agg("min", records) == D(2)
    assert agg("max", records) == D(9)
    assert agg("count", records) == D(4)
    assert agg("last", records) == D(4)  # latest instant, not last in the list
    assert agg("last", [rec("1", 30, seq=1), rec("7", 30, seq=2)]) == D(7)


def test_distinct_counts_property_values():
    records = [rec("1", user="a"), rec("1", user="b"), rec("1", user="a")]
    assert agg("distinct:user", records) == D(2)


def test_duration_rounds_each_session_up():
    def session(minutes):
        return UsageRecord(at=T0, end=T0 + timedelta(minutes=minutes))

    assert agg("duration:minute", [session(0.5), session(2)]) == D(3)
    assert agg("duration:hour", [session(61), session(59)]) == D(3)
    assert agg("duration:day", [session(60 * 24 + 1)]) == D(2)
    assert agg("duration:hour", [session(0)]) == D(0)


def test_empty_period_aggregates_to_zero():
    for kind in ("sum", "min", "max", "count", "last", "distinct:x", "duration:hour"):
        assert agg(kind, []) == 0


@pytest.mark.parametrize("text", ["avg", "distinct", "duration:week", "sum:x"])
def test_unknown_aggregation_is_refused(text):
    with pytest.raises(ValueError, match="unknown aggregation"):
        Aggregation.parse(text)

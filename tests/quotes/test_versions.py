"""Comparing two versions: lines added, removed and changed, terms, and amount deltas."""

from __future__ import annotations

from decimal import Decimal

import pytest
from pydantic import ValidationError

from cn285.hub.quotes.versions import (
    AdjustmentIn,
    FieldChange,
    LineChange,
    amount_deltas,
    compare_lines,
    compare_terms,
)
from tests.quotes.builders import LINES, content


def test_a_revision_lists_added_removed_and_changed_lines():
    old = content()
    new = content(
        lines=[
            {**LINES[0], "quantity": 3},
            {"code": "L3", "item": "SETUP", "kind": "one_shot", "start": "2026-02-01"},
        ]
    )
    assert compare_lines(old, new) == [
        LineChange("L1", "changed", [FieldChange("quantity", "2", "3")]),
        LineChange("L2", "removed"),
        LineChange("L3", "added"),
    ]


def test_identical_versions_have_no_differences():
    assert compare_lines(content(), content()) == []
    assert compare_terms(content(), content()) == []


def test_a_new_discount_is_a_change_of_terms():
    changes = compare_terms(content(adjustments=[]), content())
    assert [c.field for c in changes] == ["adjustments"]


def test_amount_deltas_per_line_and_total():
    deltas = amount_deltas(
        {"L1": Decimal("200.00")},
        {"L1": Decimal("300.00"), "L3": Decimal("5.00")},
        Decimal("240.00"),
        Decimal("366.00"),
    )
    assert [(d.line, d.delta) for d in deltas] == [
        ("L1", Decimal("100.00")),
        ("L3", Decimal("5.00")),
        (None, Decimal("126.00")),
    ]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"do": "discount", "from": "2026-01-01", "to": "2026-01-31"}, "needs `percent`"),
        ({"do": "free", "from": "2026-01-01", "to": "2026-01-31", "percent": "5"}, "has none"),
        ({"do": "free", "from": "2026-02-01", "to": "2026-01-31"}, "before `from`"),
    ],
)
def test_bad_adjustments_are_refused_with_the_reason(data, message):
    with pytest.raises(ValidationError, match=message):
        AdjustmentIn.model_validate(data)

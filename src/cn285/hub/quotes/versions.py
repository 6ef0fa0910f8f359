"""A quote version's content (frozen lines and adjustments) and the comparison of two.

Lines are declared exactly like contract lines (`LineIn`), so a signed version becomes a
contract without translation; discounts and free periods are contract actions known from
the start (no `on`), which is how the engine bills them without credits.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, Literal

from pydantic import Field, model_validator

from cn285.billing_core.contracts import ActionKind
from cn285.billing_core.scenario.schema import ActionIn, Code, ContractIn, Dec, LineIn, Strict


class AdjustmentIn(Strict):
    """A discount (percent) or a free period over [from, to], on one line or the whole quote."""

    do: Literal["discount", "free"]
    line: Code | None = None  # a line code of the quote; none: every line
    from_: date = Field(alias="from")
    to: date
    percent: Dec | None = None

    @model_validator(mode="after")
    def _percent_for_discounts(self) -> AdjustmentIn:
        if (self.do == "discount") != (self.percent is not None):
            raise ValueError("a discount needs `percent`; a free period has none")
        if self.to < self.from_:
            raise ValueError(f"`to` ({self.to}) is before `from` ({self.from_})")
        return self


class QuoteContent(Strict):
    """What a version offers: the price list, lines and adjustments (immutable once stored)."""

    price_list: Code
    lines: list[LineIn] = Field(min_length=1)
    adjustments: list[AdjustmentIn] = Field(default_factory=list)
    timezone: str | None = None

    def contract_in(self, code: str, customer: str) -> ContractIn:
        return ContractIn(
            code=code,
            customer=customer,
            price_list=self.price_list,
            lines=self.lines,
            timezone=self.timezone,
        )

    def actions_in(self, code: str) -> list[ActionIn]:
        """The adjustments as actions on contract `code`, known from the start (no `on`)."""
        return [
            ActionIn.model_validate(
                {
                    "do": ActionKind(a.do),
                    **({"line": f"{code}/{a.line}"} if a.line else {"contract": code}),
                    "from": a.from_,
                    "to": a.to.isoformat(),
                    **({"percent": a.percent} if a.percent is not None else {}),
                }
            )
            for a in self.adjustments
        ]

    def stored(self) -> dict[str, Any]:
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)


@dataclass(frozen=True)
class FieldChange:
    field: str
    before: Any
    after: Any


@dataclass(frozen=True)
class LineChange:
    """One line's fate between two versions: added, removed or changed (field by field)."""

    line: str
    change: Literal["added", "removed", "changed"]
    fields: list[FieldChange] = field(default_factory=list)


def _plain(line: LineIn) -> dict[str, Any]:
    return line.model_dump(mode="json", exclude_none=True)


def compare_lines(old: QuoteContent, new: QuoteContent) -> list[LineChange]:
    """Line by line, matched by code: what a revision added, removed or changed."""
    before = {ln.code: _plain(ln) for ln in old.lines}
    after = {ln.code: _plain(ln) for ln in new.lines}
    changes = []
    for code in [*before, *(c for c in after if c not in before)]:
        if code not in after:
            changes.append(LineChange(code, "removed"))
        elif code not in before:
            changes.append(LineChange(code, "added"))
        else:
            keys = [k for k in {**before[code], **after[code]} if k != "code"]
            diffs = [
                FieldChange(k, before[code].get(k), after[code].get(k))
                for k in keys
                if before[code].get(k) != after[code].get(k)
            ]
            if diffs:
                changes.append(LineChange(code, "changed", diffs))
    return changes


def compare_terms(old: QuoteContent, new: QuoteContent) -> list[FieldChange]:
    """Changes outside the lines: price list, time zone, discounts and free periods."""
    a, b = old.stored(), new.stored()
    return [
        FieldChange(k, a.get(k), b.get(k))
        for k in ("price_list", "timezone", "adjustments")
        if a.get(k) != b.get(k)
    ]


@dataclass(frozen=True)
class AmountDelta:
    """The effect of a revision on what a line (or the whole quote, `line=None`) invoices."""

    line: str | None
    before: Decimal
    after: Decimal

    @property
    def delta(self) -> Decimal:
        return self.after - self.before


def amount_deltas(
    before: dict[str, Decimal],
    after: dict[str, Decimal],
    total_before: Decimal,
    total_after: Decimal,
) -> list[AmountDelta]:
    """Per-line and total amounts over the same preview horizon, before and after."""
    zero = Decimal("0.00")
    codes = [*before, *(c for c in after if c not in before)]
    deltas = [AmountDelta(c, before.get(c, zero), after.get(c, zero)) for c in codes]
    return [*deltas, AmountDelta(None, total_before, total_after)]

"""Contracts, their lines and the actions that change them over time."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum

from cn285.billing_core.calendar import Alignment, Period
from cn285.billing_core.usage import Aggregation


class LineKind(StrEnum):
    RECURRING = "recurring"
    ONE_SHOT = "one_shot"
    USAGE = "usage"
    CASCADE = "cascade"


class Timing(StrEnum):
    ADVANCE = "advance"
    ARREARS = "arrears"


@dataclass(frozen=True, slots=True)
class Line:
    """One item on a contract with its own recurrence, timing and alignment."""

    code: str
    item: str
    kind: LineKind
    start: date
    quantity: Decimal = Decimal(1)
    end: date | None = None
    period: Period = Period.MONTH
    billing_period: Period | None = None  # None: invoices follow the service period
    timing: Timing = Timing.ADVANCE
    alignment: Alignment = Alignment.CALENDAR
    prorate: bool = True
    aggregation: Aggregation = field(default_factory=lambda: Aggregation("sum"))
    threshold_quantity: Decimal | None = None
    threshold_amount: Decimal | None = None
    usage_complete_trigger: bool = False
    of: str | None = None  # cascade: code of the source line on the same contract
    source: str = ""  # where the line was declared, for error messages


@dataclass(frozen=True, slots=True)
class Contract:
    code: str
    customer: str
    price_list: str
    lines: tuple[Line, ...]
    timezone: str | None = None
    source: str = ""

    def ref(self, line: Line | str) -> str:
        return f"{self.code}/{line if isinstance(line, str) else line.code}"


class ActionKind(StrEnum):
    PAUSE = "pause"
    RESUME = "resume"
    TERMINATE = "terminate"
    SET_QUANTITY = "set_quantity"
    DISCOUNT = "discount"
    FREE = "free"
    CHANGE_PERIOD = "change_period"
    CHANGE_BILLING_PERIOD = "change_billing_period"
    TRANSFER = "transfer"
    CHANGE_HOLDER = "change_holder"
    CHANGE_PRICE_LIST = "change_price_list"
    CLOSE_USAGE = "close_usage"


@dataclass(frozen=True, slots=True)
class Notice:
    amount: int
    unit: str  # days | months | end_of_period

    @classmethod
    def parse(cls, text: str) -> Notice:
        text = str(text).strip()
        if text == "end_of_period":
            return cls(0, "end_of_period")
        number, _, unit = text.partition(" ")
        unit = {"day": "days", "days": "days", "month": "months", "months": "months"}.get(
            unit.strip(), ""
        )
        if not number.isdigit() or not unit:
            raise ValueError(
                f"notice {text!r} is not understood (e.g. '30 days', '1 month', 'end_of_period')"
            )
        return cls(int(number), unit)


@dataclass(frozen=True, slots=True)
class Action:
    """A contract change taking effect on `on` (None: known from the start)."""

    kind: ActionKind
    on: date | None
    contract: str | None = None  # contract-level target
    line: str | None = None  # line-level target, as CONTRACT/LINE
    quantity: Decimal | None = None
    percent: Decimal | None = None
    from_: date | None = None
    to: date | None = None
    notice: Notice | None = None
    period: Period | None = None
    billing_period: Period | None = None
    to_contract: str | None = None
    customer: str | None = None
    price_list: str | None = None
    through: date | None = None
    seq: int = 0  # order in the source, for actions of the same day
    source: str = ""

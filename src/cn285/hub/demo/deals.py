"""Contract templates: the offers the seller signs, each a mix of recurring fees, usage
metered by the trackers, and one-shot fees, with varied periods, timings and alignments."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from random import Random

from cn285.billing_core.calendar import Alignment, Period
from cn285.billing_core.contracts import LineKind, Timing
from cn285.billing_core.scenario.schema import ContractIn, LineIn, ThresholdIn

CAL, ANNIV = Alignment.CALENDAR, Alignment.ANNIVERSARY
ADVANCE, ARREARS = Timing.ADVANCE, Timing.ARREARS
RECURRING, ONE_SHOT, USAGE, CASCADE = (
    LineKind.RECURRING,
    LineKind.ONE_SHOT,
    LineKind.USAGE,
    LineKind.CASCADE,
)


def _recurring(code: str, item: str, start: date, period: Period, **more: object) -> LineIn:
    return LineIn(code=code, item=item, kind=RECURRING, start=start, period=period, **more)  # type: ignore[arg-type]


def _usage(code: str, item: str, start: date, **more: object) -> LineIn:
    return LineIn(code=code, item=item, kind=USAGE, start=start, **more)  # type: ignore[arg-type]


def _once(code: str, item: str, start: date, quantity: int = 1) -> LineIn:
    return LineIn(code=code, item=item, kind=ONE_SHOT, start=start, quantity=Decimal(quantity))


def starter(rng: Random, start: date) -> list[LineIn]:
    """Small fleets: monthly platform and seats in advance, API usage, a set-up fee."""
    lines = [
        _once("SETUP", "SETUP", start),
        _recurring(
            "PLATFORM", "PLATFORM", start, Period.MONTH, alignment=rng.choice((CAL, CAL, ANNIV))
        ),
        _recurring("SEATS", "SEAT", start, Period.MONTH, quantity=Decimal(rng.randint(5, 25))),
        _usage("API", "API", start),
    ]
    if rng.random() < 0.4:
        lines.append(_once("GUIDE", "GUIDE", start, rng.randint(1, 3)))
    if rng.random() < 0.5:
        lines.append(LineIn(code="ARCHIVE", item="ARCHIVE", kind=CASCADE, of="API"))
    return lines


def fleet(rng: Random, start: date) -> list[LineIn]:
    """Transport fleets: quarterly platform, trackers and SMS metered monthly, maintenance
    billed in arrears on the contract's anniversary."""
    lines = [
        _recurring("PLATFORM", "PLATFORM", start, Period.QUARTER),
        _usage("DEVICES", "DEVICES", start, aggregation="max"),
        _usage("SMS", "SMS", start),
        _recurring(
            "MAINT",
            "MAINT",
            start,
            Period.MONTH,
            timing=ARREARS,
            alignment=ANNIV,
            quantity=Decimal(rng.randint(1, 3)),
        ),
    ]
    if rng.random() < 0.3:
        lines.append(_once("TRAINING", "TRAINING", start, rng.randint(1, 2)))
    return lines


def enterprise(rng: Random, start: date) -> list[LineIn]:
    """Large accounts: yearly support on the anniversary, a monthly platform invoiced
    quarterly, seats, data with an uptime surcharge, storage."""
    return [
        _recurring("SUPPORT", "SUPPORT", start, Period.YEAR, alignment=ANNIV),
        _recurring("PLATFORM", "PLATFORM", start, Period.MONTH, billing_period=Period.QUARTER),
        _recurring("SEATS", "SEAT", start, Period.MONTH, quantity=Decimal(rng.randint(15, 40))),
        _usage("DATA", "DATA", start, alignment=rng.choice((CAL, CAL, ANNIV))),
        LineIn(code="SLA", item="SLA", kind=CASCADE, of="DATA"),
        _usage("STORAGE", "STORAGE", start, aggregation="max"),
    ]


def field_service(rng: Random, start: date) -> list[LineIn]:
    """Utilities: hosting in arrears, technician time, meter readings invoiced once the
    month's readings are complete."""
    return [
        _once("SETUP", "SETUP", start),
        _recurring(
            "HOSTING",
            "HOSTING",
            start,
            rng.choice((Period.QUARTER, Period.SEMESTER)),
            timing=ARREARS,
        ),
        _usage("FIELD", "FIELD", start, aggregation="duration:hour"),
        _usage("READINGS", "READINGS", start, trigger="usage_complete"),
    ]


def developer(rng: Random, start: date) -> list[LineIn]:
    """API integrators: a monthly platform on the anniversary, API calls invoiced each time
    a block of calls is used."""
    block = Decimal(rng.choice((40_000, 60_000, 80_000)))
    return [
        _recurring("PLATFORM", "PLATFORM", start, Period.MONTH, alignment=ANNIV),
        _usage("API", "API", start, threshold=ThresholdIn(quantity=block)),
    ]


def prepaid(rng: Random, start: date) -> list[LineIn]:
    """SMS packs invoiced as each pack is used up, and a yearly platform fee."""
    return [
        _recurring(
            "PLATFORM", "PLATFORM", start, Period.YEAR, timing=rng.choice((ADVANCE, ARREARS))
        ),
        _usage("SMS", "SMS", start, period=Period.NONE),
    ]


Template = Callable[[Random, date], list[LineIn]]
TEMPLATES: dict[str, Template] = {
    "starter": starter,
    "fleet": fleet,
    "enterprise": enterprise,
    "field": field_service,
    "developer": developer,
    "prepaid": prepaid,
}


def contract(
    rng: Random, code: str, customer: str, price_list: str, template: str, start: date
) -> ContractIn:
    return ContractIn(
        code=code,
        customer=customer,
        price_list=price_list,
        lines=TEMPLATES[template](rng, start),
    )

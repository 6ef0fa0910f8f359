"""What every pricing model shares: its input, tiers, and the registry of models by name."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, ClassVar

from cn285.billing_core.money import ZERO, to_decimal


class PricingError(ValueError):
    """A price definition that cannot be used; the message names the field at fault."""


@dataclass(slots=True)
class PricingInput:
    """What a model prices: a quantity, plus what some models need besides.

    `base_amount` is the amount of the line a percentage cascade applies to; `aggregates`
    are the period's usage aggregates a formula may read.
    """

    quantity: Decimal
    base_amount: Decimal = ZERO
    aggregates: Mapping[str, Decimal] | None = None
    line_quantity: Decimal = Decimal(1)


class PricingModel:
    """A pricing model: turns a `PricingInput` into an unrounded amount for one period."""

    name: ClassVar[str]
    #: True when the amount is proportional to the quantity, so that a recurring line's
    #: amount can be scaled by its quantity.
    needs_base_amount: ClassVar[bool] = False
    #: True when the model reads the period's usage aggregates (formulas).
    needs_aggregates: ClassVar[bool] = False

    def amount(self, given: PricingInput) -> Decimal:
        raise NotImplementedError

    def unit_price(self) -> Decimal | None:
        """The single unit price shown on an invoice line, where the model has one."""
        return None


REGISTRY: dict[str, Callable[[Mapping[str, Any]], PricingModel]] = {}


def register(name: str) -> Callable[[type[PricingModel]], type[PricingModel]]:
    def deco(cls: type[PricingModel]) -> type[PricingModel]:
        cls.name = name
        REGISTRY[name] = cls.from_spec  # type: ignore[attr-defined]
        return cls

    return deco


def build_model(spec: Mapping[str, Any]) -> PricingModel:
    """Build a model from its declaration `{model: NAME, ...fields}`."""
    name = spec.get("model")
    if name not in REGISTRY:
        known = ", ".join(sorted(REGISTRY))
        raise PricingError(f"model: unknown pricing model {name!r} (known: {known})")
    return REGISTRY[name]({k: v for k, v in spec.items() if k != "model"})


def check_fields(
    spec: Mapping[str, Any], required: set[str], optional: set[str] = frozenset()
) -> None:
    unknown = set(spec) - required - set(optional)
    if unknown:
        raise PricingError(f"{sorted(unknown)[0]}: unknown field for this pricing model")
    missing = required - set(spec)
    if missing:
        raise PricingError(f"{sorted(missing)[0]}: required for this pricing model")


def decimal_field(spec: Mapping[str, Any], name: str, *, positive: bool = False) -> Decimal:
    try:
        value = to_decimal(spec[name], name)
    except (TypeError, ValueError) as exc:
        raise PricingError(str(exc)) from None
    if value < 0 or (positive and value == 0):
        raise PricingError(f"{name}: must be {'positive' if positive else 'zero or more'}")
    return value


@dataclass(frozen=True, slots=True)
class Tier:
    """One tier: units up to `up_to` (inclusive; None for the last tier)."""

    up_to: Decimal | None
    unit_price: Decimal = ZERO
    flat_fee: Decimal = ZERO
    price: Decimal = ZERO


def parse_tiers(spec: Mapping[str, Any]) -> tuple[Tier, ...]:
    raw = spec.get("tiers")
    if not isinstance(raw, list) or not raw:
        raise PricingError("tiers: a non-empty list of tiers is required")
    tiers: list[Tier] = []
    previous: Decimal | None = None
    for i, item in enumerate(raw):
        where = f"tiers[{i}]"
        if not isinstance(item, Mapping):
            raise PricingError(f"{where}: expected a mapping")
        unknown = set(item) - {"up_to", "unit_price", "flat_fee", "price"}
        if unknown:
            raise PricingError(f"{where}.{sorted(unknown)[0]}: unknown tier field")
        values: dict[str, Decimal | None] = {}
        for key in ("up_to", "unit_price", "flat_fee", "price"):
            if item.get(key) is None:
                values[key] = None
                continue
            try:
                values[key] = to_decimal(item[key], key)
            except (TypeError, ValueError) as exc:
                raise PricingError(f"{where}.{exc}") from None
            if values[key] < 0:  # type: ignore[operator]
                raise PricingError(f"{where}.{key}: must be zero or more")
        up_to = values["up_to"]
        last = i == len(raw) - 1
        if up_to is None and not last:
            raise PricingError(f"{where}.up_to: only the last tier may have no upper bound")
        if up_to is not None and last:
            raise PricingError(f"{where}.up_to: the last tier must have no upper bound")
        if up_to is not None and previous is not None and up_to <= previous:
            raise PricingError(f"{where}.up_to: tiers must increase ({up_to} <= {previous})")
        previous = up_to if up_to is not None else previous
        tiers.append(
            Tier(
                up_to=up_to,
                unit_price=values["unit_price"] or ZERO,
                flat_fee=values["flat_fee"] or ZERO,
                price=values["price"] or ZERO,
            )
        )
    return tuple(tiers)


def tier_for(tiers: tuple[Tier, ...], quantity: Decimal) -> Tier:
    """The tier a total quantity falls in (0 falls in the first)."""
    for tier in tiers:
        if tier.up_to is None or quantity <= tier.up_to:
            return tier
    return tiers[-1]


@dataclass(frozen=True, slots=True)
class Tiered(PricingModel):
    """A model priced by tiers; subclasses say how a quantity meets them."""

    tiers: tuple[Tier, ...]

    @classmethod
    def from_spec(cls, spec: Mapping[str, Any]) -> Tiered:
        check_fields(spec, {"tiers"})
        return cls(parse_tiers(spec))

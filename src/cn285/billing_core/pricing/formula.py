"""Formula: an amount computed by a sandboxed expression over the period's aggregates.

Expressions are evaluated by `simpleeval` (no `eval`): only the names `total`, `minimum`,
`maximum`, `count`, `last`, `aggregate` and `quantity`, the functions `min`, `max`, `abs`,
`round` (half up), `ceil`, `floor`, and arithmetic. Numbers are read as decimals.
"""

from __future__ import annotations

import ast
import contextlib
import decimal
import math
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import simpleeval

from cn285.billing_core.money import ZERO
from cn285.billing_core.pricing.base import (
    PricingError,
    PricingInput,
    PricingModel,
    check_fields,
    register,
)

NAMES = ("total", "minimum", "maximum", "count", "last", "aggregate", "quantity")


def _round(value: Decimal, digits: int = 0) -> Decimal:
    return Decimal(value).quantize(Decimal(1).scaleb(-int(digits)), rounding=ROUND_HALF_UP)


FUNCTIONS = {
    "min": min,
    "max": max,
    "abs": abs,
    "round": _round,
    "ceil": lambda x: Decimal(math.ceil(x)),
    "floor": lambda x: Decimal(math.floor(x)),
}


class FormulaArithmeticError(PricingError):
    """The formula is well formed but its arithmetic fails for these values."""


class _DecimalEval(simpleeval.SimpleEval):
    """simpleeval reading numeric literals as `Decimal` so that no float touches money."""

    @staticmethod
    def _eval_constant(node: ast.Constant) -> Any:
        value = node.value
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise PricingError(f"expression: literal {value!r} is not a number")
        return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)


@register("formula")
@dataclass(frozen=True, slots=True)
class Formula(PricingModel):
    expression: str
    needs_aggregates = True

    @classmethod
    def from_spec(cls, spec: Mapping[str, Any]) -> Formula:
        check_fields(spec, {"expression"})
        expression = spec["expression"]
        if not isinstance(expression, str) or not expression.strip():
            raise PricingError("expression: a non-empty expression is required")
        model = cls(expression.strip())
        model._check()
        return model

    def _check(self) -> None:
        """Refuse a formula that does not parse or reads unknown names, before any billing."""
        try:
            tree = ast.parse(self.expression, mode="eval")
        except SyntaxError as exc:
            raise PricingError(f"expression: {exc.msg} in {self.expression!r}") from None
        for node in ast.walk(tree):
            if isinstance(node, ast.Name) and node.id not in NAMES and node.id not in FUNCTIONS:
                raise PricingError(
                    f"expression: unknown name {node.id!r} (known: {', '.join(NAMES)})"
                )
        # catches wrong arity and non-numeric results; arithmetic depends on the data
        with contextlib.suppress(FormulaArithmeticError):
            self.amount(
                PricingInput(quantity=Decimal(1), aggregates={n: Decimal(1) for n in NAMES})
            )

    def amount(self, given: PricingInput) -> Decimal:
        names = {name: ZERO for name in NAMES}
        names.update(given.aggregates or {})
        names["quantity"] = given.line_quantity
        names.setdefault("aggregate", given.quantity)
        evaluator = _DecimalEval(functions=FUNCTIONS, names=names)
        try:
            result = evaluator.eval(self.expression)
        except PricingError:
            raise
        except (ZeroDivisionError, decimal.InvalidOperation):
            raise FormulaArithmeticError(
                f"expression: division by zero in {self.expression!r}"
            ) from None
        except Exception as exc:  # simpleeval raises many kinds; all are a bad formula
            raise PricingError(f"expression: {exc} in {self.expression!r}") from None
        if isinstance(result, bool) or not isinstance(result, Decimal | int):
            raise PricingError(f"expression: {self.expression!r} does not give a number")
        return Decimal(result)

"""The chart of accounts revenue recognition posts to.

Defaults follow the French plan comptable général: 411000 Clients, 487000 Produits
constatés d'avance, 445710 TVA collectée, 706000 Prestations de services.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from cn285.billing_core.revrec.errors import RevrecError


@dataclass(frozen=True, slots=True)
class AccountPlan:
    """Account codes, as the ERP's chart spells them.

    The income account of a line is the one of its item code, else of its item category,
    else `income`: the most specific declaration wins.
    """

    receivable: str = "411000"
    deferred_revenue: str = "487000"
    vat_collected: str = "445710"
    income: str = "706000"
    income_by_item: Mapping[str, str] = field(default_factory=dict)
    income_by_category: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in ("receivable", "deferred_revenue", "vat_collected", "income"):
            _check_code(name, getattr(self, name))
        for name in ("income_by_item", "income_by_category"):
            mapping = getattr(self, name)
            for key, code in mapping.items():
                _check_code(f"{name}.{key}", code)
            object.__setattr__(self, name, MappingProxyType(dict(mapping)))

    def income_for(self, item_code: str, category: str | None = None) -> str:
        """The income account of an item (by code, then category, then the default)."""
        account = self.income_by_item.get(item_code)
        if account is None and category is not None:
            account = self.income_by_category.get(category)
        return account or self.income


def _check_code(path: str, code: object) -> None:
    if not isinstance(code, str) or not code.strip():
        raise RevrecError(f"account plan: {path} must be a non-empty account code, got {code!r}")

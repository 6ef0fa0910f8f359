"""Company-wide billing settings kept in the store: VAT rules and the default time zone."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlmodel import Session

from cn285.billing_core.tax import TaxRules
from cn285.hub.store.models import Setting

TAX = "tax"
TIMEZONE = "timezone"


def get(session: Session, key: str, default: Any = None) -> Any:
    row = session.get(Setting, key)
    return default if row is None else row.value


def put(session: Session, key: str, value: Any) -> None:
    row = session.get(Setting, key)
    if row is None:
        session.add(Setting(key=key, value=value))
    else:
        row.value = value
        session.add(row)


def tax_rules(session: Session) -> TaxRules | None:
    data = get(session, TAX)
    if not data:
        return None
    rates = {c: {k: Decimal(v) for k, v in r.items()} for c, r in data["rates"].items()}
    return TaxRules(data["seller_country"], rates)


def store_tax_rules(session: Session, rules: TaxRules | None) -> None:
    if rules is None:
        put(session, TAX, None)
        return
    put(
        session,
        TAX,
        {
            "seller_country": rules.seller_country,
            "rates": {c: {k: str(v) for k, v in r.items()} for c, r in rules.rates.items()},
        },
    )


def timezone(session: Session) -> str:
    return get(session, TIMEZONE, "UTC")

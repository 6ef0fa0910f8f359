"""Company-wide billing settings kept in the store: VAT rules and the default time zone."""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import ValidationError
from sqlmodel import Session

from cn285.billing_core.scenario.schema import TaxIn
from cn285.billing_core.tax import TaxError, TaxRules
from cn285.hub.services import audit
from cn285.hub.services.errors import Invalid
from cn285.hub.store.models import Setting

TAX = "tax"
TIMEZONE = "timezone"


def get(session: Session, key: str, default: Any = None) -> Any:
    row = session.get(Setting, key)
    return default if row is None else row.value


def put(session: Session, key: str, value: Any) -> None:
    """Store a setting; None removes it."""
    row = session.get(Setting, key)
    if value is None:
        if row is not None:
            session.delete(row)
        return
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


def update(session: Session, tax: dict[str, Any] | None, zone: str, actor: str) -> None:
    """Validate and store the VAT rules and time zone (they apply to invoices not yet issued)."""
    problems: list[tuple[str, str]] = []
    rules = None
    if tax is not None:
        try:
            parsed = TaxIn.model_validate(tax)
            rules = TaxRules(
                parsed.seller_country.upper(), {c.upper(): dict(r) for c, r in parsed.rates.items()}
            )
        except ValidationError as exc:
            problems += [(".".join(["tax", *map(str, e["loc"])]), e["msg"]) for e in exc.errors()]
        except TaxError as exc:
            problems.append(("tax.seller_country", str(exc).partition(": ")[2]))
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: "America", too long
        problems.append(("timezone", f"unknown time zone {zone!r}"))
    if problems:
        raise Invalid(problems)
    before = {"tax": get(session, TAX), "timezone": get(session, TIMEZONE)}
    store_tax_rules(session, rules)
    put(session, TIMEZONE, zone)
    audit.record(
        session,
        actor,
        "update",
        "settings",
        "billing",
        before,
        {"tax": get(session, TAX), "timezone": zone},
    )

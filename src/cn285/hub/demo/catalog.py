"""The seller's catalog: a French IoT fleet-tracking platform sold as SaaS, priced with every
pricing model the engine has, in two price lists (list prices and partner prices)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from cn285.billing_core.scenario.schema import ItemIn, PriceListIn, TaxIn

COMPANY_NAME = "Balises Lumen SAS"
TIMEZONE = "Europe/Paris"
CURRENCY = "EUR"
STANDARD = "STD-2026"
PARTNER = "PARTNER-2026"

# French VAT: 20 % standard, 5.5 % reduced (the e-book). Customers in another EU country
# without a VAT number pay their own country's rates (the others: reverse charge or export).
TAX = TaxIn(
    seller_country="FR",
    rates={
        "FR": {"standard": Decimal("20"), "reduced": Decimal("5.5")},
        "DE": {"standard": Decimal("19"), "reduced": Decimal("7")},
        "BE": {"standard": Decimal("21"), "reduced": Decimal("6")},
        "IT": {"standard": Decimal("22"), "reduced": Decimal("4")},
        "ES": {"standard": Decimal("21"), "reduced": Decimal("4")},
        "NL": {"standard": Decimal("21"), "reduced": Decimal("9")},
        "AT": {"standard": Decimal("20"), "reduced": Decimal("10")},
    },
)

ITEMS: tuple[ItemIn, ...] = (
    ItemIn(code="PLATFORM", name="Fleet platform subscription"),
    ItemIn(code="SEAT", name="Dispatcher seat"),
    ItemIn(code="SUPPORT", name="Premium support"),
    ItemIn(code="HOSTING", name="Dedicated hosting"),
    ItemIn(code="MAINT", name="Tracker maintenance plan"),
    ItemIn(code="SETUP", name="Onboarding and set-up"),
    ItemIn(code="TRAINING", name="On-site training day"),
    ItemIn(code="GUIDE", name="Fleet operations handbook (e-book)", tax_category="reduced"),
    ItemIn(code="API", name="API calls"),
    ItemIn(code="DATA", name="Cellular data (MB)"),
    ItemIn(code="DEVICES", name="Active trackers (monthly peak)"),
    ItemIn(code="STORAGE", name="Telemetry storage (GB, monthly peak)"),
    ItemIn(code="SMS", name="SMS alerts"),
    ItemIn(code="SLA", name="Uptime guarantee surcharge"),
    ItemIn(code="FIELD", name="Field technician interventions"),
    ItemIn(code="READINGS", name="Meter readings"),
    ItemIn(code="ARCHIVE", name="Cold archive of API logs"),
)


def _prices(scale: Decimal) -> dict[str, dict[str, Any]]:
    """Every item's price, list prices scaled by `scale` (partners pay less)."""

    def money(amount: str) -> str:
        return str((Decimal(amount) * scale).quantize(Decimal("0.01")))

    def unit(amount: str) -> str:  # unit prices keep their precision
        return str((Decimal(amount) * scale).normalize())

    return {
        "PLATFORM": {"model": "flat", "price": money("390.00")},
        "SEAT": {"model": "flat", "price": money("29.00")},
        "SUPPORT": {"model": "flat", "price": money("2400.00")},
        "HOSTING": {"model": "flat", "price": money("1150.00")},
        "MAINT": {"model": "flat", "price": money("180.00")},
        "SETUP": {"model": "flat", "price": money("1500.00")},
        "TRAINING": {"model": "flat", "price": money("950.00")},
        "GUIDE": {"model": "flat", "price": money("49.00")},
        "API": {
            "model": "graduated",
            "tiers": [
                {"up_to": "10000", "unit_price": unit("0.012")},
                {"up_to": "100000", "unit_price": unit("0.008")},
                {"unit_price": unit("0.005")},
            ],
        },
        "DATA": {
            "model": "volume",
            "tiers": [
                {"up_to": "5000", "unit_price": unit("0.020")},
                {"up_to": "50000", "unit_price": unit("0.015"), "flat_fee": money("10.00")},
                {"unit_price": unit("0.010"), "flat_fee": money("25.00")},
            ],
        },
        "DEVICES": {"model": "per_unit", "unit_price": unit("3.90")},
        "STORAGE": {
            "model": "stairstep",
            "tiers": [
                {"up_to": "50", "price": money("45.00")},
                {"up_to": "200", "price": money("120.00")},
                {"up_to": "1000", "price": money("390.00")},
                {"price": money("950.00")},
            ],
        },
        "SMS": {"model": "package", "package_size": "500", "package_price": money("27.50")},
        "SLA": {"model": "percentage", "rate": "8"},
        "FIELD": {
            "model": "formula",
            # hours on site, plus a call-out fee per intervention (at most four a month)
            "expression": f"aggregate * {money('85')} + min(count, 4) * {money('45')}",
        },
        "READINGS": {"model": "per_unit", "unit_price": unit("0.35")},
        "ARCHIVE": {"model": "package", "package_size": "10000", "package_price": money("4.00")},
    }


PRICE_LISTS: tuple[PriceListIn, ...] = (
    PriceListIn(code=STANDARD, currency=CURRENCY, prices=_prices(Decimal(1))),
    PriceListIn(code=PARTNER, currency=CURRENCY, prices=_prices(Decimal("0.85"))),
)

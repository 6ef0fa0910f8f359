"""The demo account a fresh sandbox starts with.

A French subsidiary keeping its books in euros (US dollars also enabled), the accounts a
billing integration posts to (receivable, income, deferred revenue, VAT collected, bank),
French VAT codes (20 %, 10 %, 5.5 %, 0 %), a few items priced in both currencies and three
customers. Everything goes through the same write path as API requests, so seeded records
obey the same rules and carry the same computed fields.
"""

from __future__ import annotations

from typing import Any

from cn285.sandboxes.netsuite.records.types import RECORD_TYPES
from cn285.sandboxes.netsuite.records.writes import RecordWriter


def _ref(record: dict[str, Any]) -> dict[str, str]:
    return {"id": record["id"]}


def seed(writer: RecordWriter) -> None:
    def create(type_name: str, body: dict[str, Any]) -> dict[str, Any]:
        return writer.create(RECORD_TYPES[type_name], body)

    eur = create(
        "currency",
        {
            "name": "Euro",
            "symbol": "EUR",
            "displaySymbol": "€",
            "currencyPrecision": 2,
            "exchangeRate": 1,
            "isBaseCurrency": True,
        },
    )
    usd = create(
        "currency",
        {
            "name": "US Dollar",
            "symbol": "USD",
            "displaySymbol": "$",
            "currencyPrecision": 2,
            "exchangeRate": "0.92",
        },
    )
    subsidiary = create(
        "subsidiary",
        {
            "name": "Cn285 Demo France SAS",
            "legalName": "Cn285 Demo France SAS",
            "currency": _ref(eur),
            "country": {"id": "FR", "refName": "France"},
        },
    )
    sub = _ref(subsidiary)

    def account(number: str, name: str, kind: str) -> dict[str, str]:
        return _ref(
            create(
                "account",
                {
                    "acctNumber": number,
                    "acctName": name,
                    "acctType": {"id": kind},
                    "subsidiary": sub,
                },
            )
        )

    account("411000", "Accounts Receivable", "AcctRec")
    income = account("706000", "Service Revenue", "Income")
    deferred = account("487000", "Deferred Revenue", "DeferRevenue")
    vat = account("445710", "VAT Collected", "OthCurrLiab")
    account("512000", "Bank", "Bank")
    account("707000", "Hardware Sales", "Income")

    vat_type = _ref(
        create("taxType", {"name": "VAT_FR", "description": "French VAT", "country": {"id": "FR"}})
    )
    codes = {}
    for label, rate in (("20", "20"), ("10", "10"), ("5.5", "5.5"), ("0", "0")):
        codes[label] = _ref(
            create(
                "salesTaxItem",
                {
                    "itemId": f"FR-VAT-{label}",
                    "description": f"France VAT {label}%",
                    "rate": rate,
                    "taxType": vat_type,
                    "taxAccount": vat,
                    "subsidiary": sub,
                },
            )
        )

    def prices(eur_price: str, usd_price: str) -> dict[str, Any]:
        return {
            "items": [
                {
                    "currency": _ref(eur),
                    "priceLevel": {"id": "1", "refName": "Base Price"},
                    "price": eur_price,
                },
                {
                    "currency": _ref(usd),
                    "priceLevel": {"id": "1", "refName": "Base Price"},
                    "price": usd_price,
                },
            ]
        }

    item_defaults = {
        "incomeAccount": income,
        "deferredRevenueAccount": deferred,
        "subsidiary": sub,
        "taxCode": codes["20"],
    }
    create(
        "serviceSaleItem",
        {
            "itemId": "PLATFORM-SUB",
            "displayName": "Platform subscription",
            "salesDescription": "Monthly platform subscription",
            **item_defaults,
            "price": prices("500.00", "550.00"),
        },
    )
    create(
        "serviceSaleItem",
        {
            "itemId": "API-CALLS",
            "displayName": "API calls",
            "salesDescription": "API calls, per call",
            **item_defaults,
            "price": prices("0.002", "0.0022"),
        },
    )
    create(
        "serviceSaleItem",
        {
            "itemId": "TRAINING",
            "displayName": "Training day",
            "salesDescription": "On-site training, per day",
            **item_defaults,
            "taxCode": codes["10"],
            "price": prices("1200.00", "1300.00"),
        },
    )
    create(
        "nonInventorySaleItem",
        {
            "itemId": "ONBOARDING",
            "displayName": "Onboarding fee",
            "salesDescription": "One-time onboarding",
            **item_defaults,
            "price": prices("1500.00", "1650.00"),
        },
    )
    create(
        "inventoryItem",
        {
            "itemId": "GATEWAY-HW",
            "displayName": "IoT gateway",
            "salesDescription": "Gateway device",
            **item_defaults,
            "price": prices("249.00", "279.00"),
        },
    )

    create(
        "customer",
        {
            "entityId": "CUST-0001",
            "companyName": "Acme Industries SA",
            "email": "billing@acme.example",
            "subsidiary": sub,
            "currency": _ref(eur),
            "vatRegNumber": "FR40303265045",
            "addressBook": {
                "items": [
                    {
                        "defaultBilling": True,
                        "label": "Head office",
                        "addressBookAddress": {
                            "addr1": "12 rue de la Paix",
                            "city": "Paris",
                            "zip": "75002",
                            "country": {"id": "FR"},
                        },
                    }
                ]
            },
        },
    )
    create(
        "customer",
        {
            "entityId": "CUST-0002",
            "companyName": "Globex Corporation",
            "email": "ap@globex.example",
            "subsidiary": sub,
            "currency": _ref(usd),
        },
    )
    create(
        "customer",
        {
            "entityId": "CUST-0003",
            "isPerson": True,
            "firstName": "Jeanne",
            "lastName": "Martin",
            "email": "jeanne.martin@example.org",
            "subsidiary": sub,
            "currency": _ref(eur),
        },
    )

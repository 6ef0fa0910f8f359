"""Stores with many similar contracts, written straight through SQL: for benchmarks and
load tests, where going through the API would measure the API instead."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import insert
from sqlalchemy.engine import Engine
from sqlmodel import Session

from cn285.billing_core.tax import TaxRules
from cn285.hub.services import settings
from cn285.hub.store import models
from cn285.hub.sync.outbox import emit

GRADUATED = {
    "model": "graduated",
    "tiers": [
        {"up_to": "1000", "unit_price": "0.10"},
        {"up_to": "5000", "unit_price": "0.08"},
        {"unit_price": "0.05"},
    ],
}


def populate(
    engine: Engine,
    contracts: int,
    *,
    start: dt.date = dt.date(2026, 1, 1),
    usage_months: int = 1,
    records_per_month: int = 3,
    first: int = 0,
) -> None:
    """`contracts` customers with one contract of 3 lines each (recurring in advance,
    graduated usage, 5 % cascade), and usage for the first `usage_months` months."""
    with Session(engine) as session:
        if first == 0:
            settings.store_tax_rules(session, TaxRules("FR", {"FR": {"standard": Decimal(20)}}))
            settings.put(session, settings.TIMEZONE, "UTC")
            session.add_all(
                [
                    models.Item(code="PLATFORM", name="Platform"),
                    models.Item(code="API", name="API calls"),
                    models.Item(code="ROYALTY", name="Royalty"),
                ]
            )
            session.add(models.PriceList(code="STD", currency="EUR"))
            session.flush()
            session.add_all(
                [
                    models.Price(
                        price_list_code="STD",
                        item_code="PLATFORM",
                        spec={"model": "flat", "price": "100.00"},
                    ),
                    models.Price(price_list_code="STD", item_code="API", spec=GRADUATED),
                    models.Price(
                        price_list_code="STD",
                        item_code="ROYALTY",
                        spec={"model": "percentage", "rate": "5"},
                    ),
                ]
            )
            session.commit()
        connection = session.connection()
        numbers = range(first, first + contracts)
        connection.execute(
            insert(models.Customer.__table__),
            [  # type: ignore[attr-defined]
                {
                    "code": f"C{n:07d}",
                    "name": f"Customer {n}",
                    "country": "FR",
                    "group_invoices": False,
                    "created_at": _now(),
                    "updated_at": _now(),
                }
                for n in numbers
            ],
        )
        emit(session, "customer", [f"C{n:07d}" for n in numbers], "created")  # for ERPs
        connection.execute(
            insert(models.Contract.__table__),
            [  # type: ignore[attr-defined]
                {
                    "code": f"K{n:07d}",
                    "customer_code": f"C{n:07d}",
                    "price_list_code": "STD",
                    "created_at": _now(),
                    "updated_at": _now(),
                }
                for n in numbers
            ],
        )
        lines = []
        for n in numbers:
            day = start + dt.timedelta(days=n % 20)
            common = {
                "contract_code": f"K{n:07d}",
                "start": day,
                "period": "month",
                "alignment": "calendar",
                "prorate": True,
                "aggregation": "sum",
                "quantity": Decimal(1 + n % 5),
                "of": None,
            }
            lines += [
                {
                    **common,
                    "code": "L1",
                    "item_code": "PLATFORM",
                    "kind": "recurring",
                    "timing": "advance",
                },
                {**common, "code": "L2", "item_code": "API", "kind": "usage", "timing": "arrears"},
                {
                    **common,
                    "code": "L3",
                    "item_code": "ROYALTY",
                    "kind": "cascade",
                    "timing": "arrears",
                    "of": "L2",
                },
            ]
        connection.execute(insert(models.ContractLine.__table__), lines)  # type: ignore[attr-defined]
        records = []
        for n in numbers:
            for month in range(usage_months):
                for r in range(records_per_month):
                    at = dt.datetime(start.year, start.month + month, 28 - 3 * r, 12, tzinfo=dt.UTC)
                    records.append(
                        {
                            "line_ref": f"K{n:07d}/L2",
                            "client_id": f"{month}-{r}",
                            "at": at,
                            "quantity": Decimal(300 + (n * 7 + r) % 900),
                            "received_at": _now(),
                        }
                    )
        for i in range(0, len(records), 20000):
            connection.execute(insert(models.UsageRecord.__table__), records[i : i + 20000])  # type: ignore[attr-defined]
        session.commit()


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)

"""A store holding the builders' catalog and customer, for the service and API tests."""

from __future__ import annotations

from sqlalchemy.engine import Engine
from sqlmodel import Session

from cn285.billing_core.scenario.schema import CustomerIn, ItemIn, PriceListIn
from cn285.hub.services import catalog, settings


def seed(engine: Engine) -> None:
    with Session(engine) as session:
        settings.update(
            session, {"seller_country": "FR", "rates": {"FR": {"standard": "20"}}}, "UTC", "t"
        )
        catalog.create_customer(
            session,
            CustomerIn(
                code="ACME",
                name="Acme SA",
                country="FR",
                vat_number="FR40303265045",
                email="buyer@acme.example",
            ),
            "t",
        )
        for code, name in (("PLATFORM", "Platform"), ("SETUP", "Setup")):
            catalog.create_item(session, ItemIn(code=code, name=name), "t")
        catalog.create_price_list(
            session,
            PriceListIn(
                code="STD",
                currency="EUR",
                prices={
                    "PLATFORM": {"model": "flat", "price": "100.00"},
                    "SETUP": {"model": "flat", "price": "500.00"},
                },
            ),
            "t",
        )
        session.commit()

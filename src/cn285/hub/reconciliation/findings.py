"""The kinds of difference a reconciliation reports, and one difference found."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Difference(StrEnum):
    """What differs between Cn285 and an ERP; the value is stored and reported as is."""

    #: issued in Cn285, not in the ERP's books: never pushed, deleted, cancelled or draft
    INVOICE_MISSING_IN_ERP = "invoice_missing_in_erp"
    #: in the ERP under a Cn285 number that Cn285 has not issued
    INVOICE_MISSING_IN_CN285 = "invoice_missing_in_cn285"
    #: in the ERP under our number, but Cn285 holds no binding to it
    INVOICE_UNLINKED = "invoice_unlinked"
    #: a second ERP document under a number already bound to another one
    INVOICE_DUPLICATE_IN_ERP = "invoice_duplicate_in_erp"
    #: kind, amount before tax, tax or total differ (to the cent)
    INVOICE_AMOUNT_DIFFERS = "invoice_amount_differs"
    #: the ERP document is for another customer than the one Cn285 invoiced
    INVOICE_CUSTOMER_DIFFERS = "invoice_customer_differs"
    #: payment status or amount paid differ (a payment not pulled yet, or reversed)
    PAYMENT_STATUS_DIFFERS = "payment_status_differs"
    #: a Cn285 customer with no ERP record bound, or whose bound record is gone
    CUSTOMER_UNLINKED = "customer_unlinked"
    #: fields of the bound ERP customer differ from Cn285's
    CUSTOMER_DIFFERS = "customer_differs"


ENTITIES = {kind: "customer" if kind.startswith("customer") else "invoice" for kind in Difference}


@dataclass(frozen=True)
class Finding:
    """One difference. `detail` is JSON-ready: amounts are decimal strings, differing fields
    are under `fields` as {name: {cn285, erp[, difference][, owner]}}, a `reason` says why
    a record is missing or unlinked."""

    kind: Difference
    local_key: str | None
    remote_id: str | None
    detail: dict[str, Any] = field(default_factory=dict)

    @property
    def entity(self) -> str:
        return ENTITIES[self.kind]

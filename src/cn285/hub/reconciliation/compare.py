"""Record-by-record comparison of Cn285 with an ERP: pure functions, no I/O.

Amounts are compared to the cent as `Decimal`, in Cn285's sign convention: a credit note's
amounts are negative (ERPs show them positive; they are turned round here). Differences
carry both values and `difference` = ERP minus Cn285.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from cn285.connectors.base import CustomerRecord, RemoteCustomer, RemoteInvoice
from cn285.hub.reconciliation.findings import Difference, Finding

CENT = Decimal("0.01")
AMOUNTS = ("total_excl_tax", "tax", "total")


@dataclass(frozen=True)
class LocalInvoice:
    """What a reconciliation reads of an issued invoice or credit note."""

    number: str
    kind: str
    customer_code: str
    date: dt.date
    currency: str
    total_excl_tax: Decimal
    tax: Decimal
    total: Decimal
    amount_paid: Decimal
    payment_status: str


def cents(value: Decimal) -> str:
    return format(Decimal(value).quantize(CENT), "f")


def _signed(remote: RemoteInvoice, value: Decimal) -> Decimal:
    """An ERP amount in Cn285's convention (credit notes negative), to the cent."""
    value = value.quantize(CENT)
    return -value if remote.kind == "credit_note" else value


def _money_field(ours: Decimal, theirs: Decimal) -> dict[str, str]:
    return {"cn285": cents(ours), "erp": cents(theirs), "difference": cents(theirs - ours)}


def _summary(local: LocalInvoice) -> dict[str, Any]:
    return {
        "kind": local.kind,
        "customer": local.customer_code,
        "date": local.date.isoformat(),
        "currency": local.currency,
        "total": cents(local.total),
    }


def invoice_amounts(local: LocalInvoice, remote: RemoteInvoice) -> Finding | None:
    fields: dict[str, Any] = {}
    if local.kind != remote.kind:
        fields["kind"] = {"cn285": local.kind, "erp": remote.kind}
    for name in AMOUNTS:
        ours = getattr(local, name).quantize(CENT)
        theirs = _signed(remote, getattr(remote, name))
        if ours != theirs:
            fields[name] = _money_field(ours, theirs)
    if not fields:
        return None
    detail = {"currency": local.currency, "fields": fields}
    return Finding(Difference.INVOICE_AMOUNT_DIFFERS, local.number, remote.remote_id, detail)


def invoice_payment(local: LocalInvoice, remote: RemoteInvoice) -> Finding | None:
    """Status and amount paid; the ERP's amount paid is its total less what is left."""
    fields: dict[str, Any] = {}
    if local.payment_status != remote.payment_state:
        fields["payment_status"] = {"cn285": local.payment_status, "erp": remote.payment_state}
    ours = local.amount_paid.quantize(CENT)
    theirs = _signed(remote, remote.total - remote.residual)
    if ours != theirs:
        fields["amount_paid"] = _money_field(ours, theirs)
    if not fields:
        return None
    detail = {
        "currency": local.currency,
        "residual": cents(_signed(remote, remote.residual)),
        "fields": fields,
    }
    return Finding(Difference.PAYMENT_STATUS_DIFFERS, local.number, remote.remote_id, detail)


def invoice_customer(
    local: LocalInvoice, remote: RemoteInvoice, bound_customer: str | None
) -> Finding | None:
    """The ERP document's customer must be the record our customer is bound to."""
    theirs = remote.customer_remote_id
    if bound_customer is None or theirs is None or bound_customer == theirs:
        return None
    detail = {
        "customer": local.customer_code,
        "fields": {"customer_remote_id": {"cn285": bound_customer, "erp": theirs}},
    }
    return Finding(Difference.INVOICE_CUSTOMER_DIFFERS, local.number, remote.remote_id, detail)


def compare_invoice(
    local: LocalInvoice, remote: RemoteInvoice, bound_customer: str | None
) -> list[Finding]:
    """Every difference between an issued invoice and the ERP document bound to it."""
    if remote.state != "posted":  # cancelled or back to draft: not in the books
        return [missing_in_erp(local, remote.state, remote.remote_id)]
    checks = (
        invoice_amounts(local, remote),
        invoice_customer(local, remote, bound_customer),
        invoice_payment(local, remote),
    )
    return [finding for finding in checks if finding is not None]


def missing_in_erp(
    local: LocalInvoice, reason: str, remote_id: str | None = None, error: str | None = None
) -> Finding:
    """`reason`: not_pushed (no binding, nothing under our number), deleted, cancelled,
    draft; `error` is the sync's open dead letter for it, if any."""
    detail = {"reason": reason, **_summary(local)}
    if error:
        detail["sync_error"] = error
    return Finding(Difference.INVOICE_MISSING_IN_ERP, local.number, remote_id, detail)


def unlinked_invoice(local: LocalInvoice, remote: RemoteInvoice) -> Finding:
    detail = {"reason": "no_binding", **_summary(local), "erp_total": cents(_erp_total(remote))}
    return Finding(Difference.INVOICE_UNLINKED, local.number, remote.remote_id, detail)


def missing_in_cn285(remote: RemoteInvoice) -> Finding:
    detail = {
        "reason": "unknown_number",
        "kind": remote.kind,
        "state": remote.state,
        "customer_remote_id": remote.customer_remote_id,
        "erp_total": cents(_erp_total(remote)),
    }
    return Finding(Difference.INVOICE_MISSING_IN_CN285, remote.number, remote.remote_id, detail)


def duplicate_in_erp(remote: RemoteInvoice, bound_remote_id: str | None) -> Finding:
    detail = {
        "reason": "same_number",
        "kind": remote.kind,
        "bound_remote_id": bound_remote_id,
        "erp_total": cents(_erp_total(remote)),
    }
    return Finding(Difference.INVOICE_DUPLICATE_IN_ERP, remote.number, remote.remote_id, detail)


def _erp_total(remote: RemoteInvoice) -> Decimal:
    return _signed(remote, remote.total)


# -- customers ----------------------------------------------------------------------------


def _normal(name: str, value: str | None) -> str | None:
    """A field as compared: blanks are absent; codes and e-mail addresses ignore case."""
    text = " ".join(str(value).split()) if value is not None else ""
    if not text:
        return None
    if name in ("country", "vat_number"):
        return text.replace(" ", "").upper()
    return text.lower() if name == "email" else text


def compare_customer(
    local: CustomerRecord,
    remote: RemoteCustomer,
    fields: Sequence[str],
    owners: Mapping[str, str],
) -> Finding | None:
    """The fields of `fields` that differ, each with the side that owns it (which one
    the next sync keeps; `last_modified` when no side does)."""
    differing: dict[str, Any] = {}
    for name in fields:
        ours, theirs = getattr(local, name), getattr(remote.record, name)
        if _normal(name, ours) != _normal(name, theirs):
            differing[name] = {
                "cn285": ours or None,
                "erp": theirs or None,
                "owner": owners.get(name, "last_modified"),
            }
    if not differing:
        return None
    return Finding(Difference.CUSTOMER_DIFFERS, local.code, remote.remote_id, {"fields": differing})


def customer_unlinked(
    code: str, reason: str, remote_id: str | None = None, error: str | None = None
) -> Finding:
    """`reason`: not_in_erp (no binding, no match), no_binding (the ERP has a match by
    reference or VAT number, not bound yet), deleted (the bound record is gone)."""
    detail: dict[str, Any] = {"reason": reason}
    if error:
        detail["sync_error"] = error
    return Finding(Difference.CUSTOMER_UNLINKED, code, remote_id, detail)

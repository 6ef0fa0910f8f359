"""Business rules of the records: defaults, computed amounts, and what NetSuite refuses.

One completer per record type (a registry, not a chain of `if`s) runs on the merged record
before it is stored, fills the defaults NetSuite fills (subsidiary and currency from the
customer, document numbers, rates from the item's price), computes the read-only amounts
and raises NetSuite's error body when a rule is broken:

- invoice and credit memo: line amounts (`quantity × rate`, rounded half-up to the currency's
  precision), tax per line from the line's tax code, `subtotal`, `taxTotal`, `total`;
  `amountPaid`/`amountRemaining`/`status` follow from what payments and credits apply;
- customer payment and credit memo: each `apply` line applies an amount to an open invoice of
  the same customer, never more than it still owes nor more than the payment;
- journal entry: every line a debit or a credit, and debits equal credits to the cent.

`settle` then brings the invoices a write touched up to date (and bumps their
`lastModifiedDate`, so that an incremental pull sees the new payment status).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from cn285.sandboxes.netsuite.dates import DatePreferences
from cn285.sandboxes.netsuite.errors import invalid_value, missing_values, user_error
from cn285.sandboxes.netsuite.records.fields import Field, Kind, is_value
from cn285.sandboxes.netsuite.records.store import Record, RecordStore
from cn285.sandboxes.netsuite.records.types import RECORD_TYPES, SALE_ITEMS, RecordType

ZERO = Decimal(0)
APPLYING_TYPES = ("customerPayment", "creditMemo")
NUMBER_PREFIXES = {
    "invoice": "INV",
    "creditMemo": "CM",
    "customerPayment": "PYMT",
    "journalEntry": "JE",
}


@dataclass
class Draft:
    """A record on its way into the store, with what its rules need to look at."""

    record_type: RecordType
    record: Record
    previous: Record | None
    store: RecordStore
    prefs: DatePreferences
    now: datetime
    replaced: frozenset[str] = frozenset()  # sublists the request replaced (`?replace=`)

    @property
    def today(self) -> date:
        return self.now.astimezone(self.prefs.zone).date()

    @property
    def record_id(self) -> str | None:
        return self.record.get("id")


Completer = Callable[[Draft], None]


def complete(draft: Draft) -> None:
    COMPLETERS.get(draft.record_type.name, _plain)(draft)
    missing = [name for name in draft.record_type.required if not is_value(draft.record.get(name))]
    if missing:
        labels = [_label(draft.record_type, name) for name in missing]
        raise missing_values(labels, path=missing[0])


def _label(record_type: RecordType, name: str) -> str:
    field = record_type.field(name)
    return field.title if field is not None else name


# -- helpers -------------------------------------------------------------------------------


def money(value: Decimal, precision: int) -> Decimal:
    """Rounded once, half-up, to the currency's minor unit."""
    return value.quantize(Decimal(1).scaleb(-precision), rounding=ROUND_HALF_UP)


def ref_id(record: Record, field_name: str) -> str | None:
    value = record.get(field_name)
    return value.get("id") if isinstance(value, dict) else None


def precision_of(store: RecordStore, record: Record) -> int:
    currency = store.get("currency", ref_id(record, "currency") or "")
    precision = currency.get("currencyPrecision") if currency else None
    return precision if isinstance(precision, int) else 2


def default_subsidiary(store: RecordStore) -> str | None:
    subsidiaries = store.all("subsidiary")
    return subsidiaries[0]["id"] if subsidiaries else None


def first_account(store: RecordStore, account_type: str) -> str | None:
    return next(
        (
            a["id"]
            for a in store.all("account")
            if a.get("acctType") == account_type and not a.get("isInactive")
        ),
        None,
    )


def applied_to(store: RecordStore, invoice_id: str, skip: tuple[str, str | None] | None) -> Decimal:
    """What payments and credit memos apply to an invoice, leaving out one record."""
    total = ZERO
    for type_name in APPLYING_TYPES:
        for record in store.records[type_name].values():
            if skip is not None and skip == (type_name, record["id"]):
                continue
            for line in record.get("apply", []):
                if line.get("apply", True) and ref_id(line, "doc") == invoice_id:
                    total += line.get("amount") or ZERO
    return total


def affected_invoices(record: Record | None) -> set[str]:
    if record is None:
        return set()
    docs = {ref_id(line, "doc") for line in record.get("apply", [])}
    return {doc for doc in docs if doc}


def _status(remaining: Decimal) -> str:
    return "B" if remaining <= 0 else "A"


def settle(store: RecordStore, invoice_ids: set[str], now: datetime) -> None:
    """Recompute the paid state of invoices after payments or credits changed."""
    for invoice_id in sorted(invoice_ids):
        invoice = store.get("invoice", invoice_id)
        if invoice is None:
            continue
        paid = applied_to(store, invoice_id, None)
        remaining = (invoice.get("total") or ZERO) - paid
        changes = {"amountPaid": paid, "amountRemaining": remaining, "status": _status(remaining)}
        if any(invoice.get(k) != v for k, v in changes.items()):
            store.put("invoice", {**invoice, **changes, "lastModifiedDate": now})


def assign_number(draft: Draft) -> None:
    """Transactions get a document number when the request gives none (auto-numbering)."""
    prefix = NUMBER_PREFIXES.get(draft.record_type.name)
    if prefix is None or is_value(draft.record.get("tranId")):
        return
    taken = {r.get("tranId") for r in draft.store.records[draft.record_type.name].values()}
    while True:
        candidate = f"{prefix}{draft.store.next_number(draft.record_type.name):05d}"
        if candidate not in taken:
            draft.record["tranId"] = candidate
            return


# -- entities and lists ---------------------------------------------------------------------


def _plain(draft: Draft) -> None:
    record = draft.record
    if draft.record_type.name == "currency":
        record.setdefault("currencyPrecision", 2)
        record.setdefault("exchangeRate", Decimal(1))
        record.setdefault("isBaseCurrency", False)
    if draft.record_type.field("isInactive") is not None:
        record.setdefault("isInactive", False)


def _customer(draft: Draft) -> None:
    record, store = draft.record, draft.store
    record.setdefault("isPerson", False)
    record.setdefault("isInactive", False)
    if record["isPerson"]:
        missing = [
            label
            for name, label in (("firstName", "First Name"), ("lastName", "Last Name"))
            if not is_value(record.get(name))
        ]
        if missing:
            raise missing_values(missing, path="firstName" if len(missing) == 2 else None)
    elif not is_value(record.get("companyName")):
        raise missing_values(["Company Name"], path="companyName")
    if not is_value(record.get("entityId")):
        record["entityId"] = (
            f"{record['firstName']} {record['lastName']}"
            if record["isPerson"]
            else record["companyName"]
        )
    if "subsidiary" not in record:
        subsidiary = default_subsidiary(store)
        if subsidiary is None:
            raise missing_values(["Primary Subsidiary"], path="subsidiary")
        record["subsidiary"] = {"id": subsidiary}
    if "currency" not in record:
        subsidiary = store.get("subsidiary", ref_id(record, "subsidiary") or "")
        if subsidiary and "currency" in subsidiary:
            record["currency"] = dict(subsidiary["currency"])


def _item(draft: Draft) -> None:
    draft.record.setdefault("isInactive", False)


def _tax_code(draft: Draft) -> None:
    draft.record.setdefault("isInactive", False)
    rate = draft.record.get("rate")
    if rate is not None and not ZERO <= rate <= 100:
        raise invalid_value(rate, "rate", "rate")


# -- transactions ---------------------------------------------------------------------------


def _customer_of(draft: Draft, field_name: str) -> Record:
    customer_id = ref_id(draft.record, field_name)
    if customer_id is None:
        raise missing_values(["Customer"], path=field_name)
    customer = draft.store.get("customer", customer_id)
    if customer is None:
        raise invalid_value(customer_id, field_name, field_name)
    return customer


def _header_defaults(draft: Draft, customer: Record) -> None:
    record = draft.record
    for name in ("subsidiary", "currency"):
        if name not in record and name in customer:
            record[name] = dict(customer[name])
    record.setdefault("exchangeRate", Decimal(1))
    record.setdefault("tranDate", draft.today)


def _item_price(item: Record, currency_id: str | None) -> Decimal | None:
    """The base price in the transaction's currency, else a price with no currency."""
    prices = item.get("price", [])
    base = [p for p in prices if ref_id(p, "priceLevel") in (None, "1") and "price" in p]
    for line in base:
        if ref_id(line, "currency") == currency_id:
            return line["price"]
    return next((p["price"] for p in base if "currency" not in p), None)


def _sales_lines(draft: Draft, customer: Record) -> None:
    """Lines of invoices and credit memos: amounts, tax per line, totals."""
    record, store = draft.record, draft.store
    lines = record.get("item") or []
    if not lines:
        raise user_error("You must enter at least one line item for this transaction.")
    precision = precision_of(store, record)
    previous = {} if "item" in draft.replaced else (draft.previous or {})
    previous_lines = {line.get("line"): line for line in previous.get("item", [])}  # replaced: new
    currency_id = ref_id(record, "currency")
    subtotal = tax_total = ZERO
    for index, line in enumerate(lines):
        path = f"item.items[{index}]"
        item_id = ref_id(line, "item")
        if item_id is None:
            raise missing_values(["Item"], path=f"{path}.item")
        found = store.find(SALE_ITEMS, item_id)
        item = found[1] if found else {}
        quantity = line.setdefault("quantity", Decimal(1))
        rate, amount = line.get("rate"), line.get("amount")
        before = previous_lines.get(line.get("line"))
        if (
            before is not None
            and amount is not None
            and amount == before.get("amount")
            and (quantity != before.get("quantity") or rate != before.get("rate"))
        ):
            amount = None  # the request changed quantity or rate: the amount follows
        if rate is None and amount is None:
            rate = _item_price(item, currency_id)
            if rate is None:
                raise missing_values(["Amount"], path=f"{path}.amount")
        if amount is None:
            amount = money(quantity * rate, precision)
        else:
            amount = money(amount, precision)
            if rate is None:
                rate = (amount / quantity).normalize() if quantity else amount
        line["rate"], line["amount"] = rate, amount
        if "description" not in line:
            description = item.get("salesDescription") or item.get("displayName")
            if description:
                line["description"] = description
        if "taxCode" not in line:
            default = item.get("taxCode") or customer.get("taxItem")
            if default:
                line["taxCode"] = dict(default)
        tax = ZERO
        tax_item = store.get("salesTaxItem", ref_id(line, "taxCode") or "")
        if tax_item is not None:
            line["taxRate1"] = tax_item.get("rate") or ZERO
            tax = money(amount * line["taxRate1"] / 100, precision)
            line["tax1Amt"] = tax
        else:
            line.pop("taxRate1", None)
            line.pop("tax1Amt", None)
        line["grossAmt"] = amount + tax
        start, end = line.get("revRecStartDate"), line.get("revRecEndDate")
        if start is not None and end is not None and start > end:
            raise user_error(
                "The revenue recognition end date must not be before its start date.",
                path=f"{path}.revRecEndDate",
            )
        subtotal += amount
        tax_total += tax
    record["subtotal"], record["taxTotal"] = subtotal, tax_total
    record["total"] = subtotal + tax_total


def _invoice(draft: Draft) -> None:
    record, store = draft.record, draft.store
    customer = _customer_of(draft, "entity")
    _header_defaults(draft, customer)
    if "account" not in record:
        receivable = ref_id(customer, "receivablesAccount") or first_account(store, "AcctRec")
        if receivable:
            record["account"] = {"id": receivable}
    _sales_lines(draft, customer)
    paid = applied_to(store, draft.record_id, None) if draft.record_id else ZERO
    if record["total"] < paid:
        raise user_error(
            f"The invoice total ({record['total']}) cannot be less than the amount already "
            f"applied to it ({paid}).",
            path="item",
        )
    remaining = record["total"] - paid
    record.update(amountPaid=paid, amountRemaining=remaining, status=_status(remaining))


def _open_invoices(draft: Draft, customer_id: str, currency_id: str | None) -> list[Record]:
    mine = (draft.record_type.name, draft.record_id)
    candidates = [
        invoice
        for invoice in draft.store.all("invoice")
        if ref_id(invoice, "entity") == customer_id
        and ref_id(invoice, "currency") == currency_id
        and invoice.get("total", ZERO) - applied_to(draft.store, invoice["id"], mine) > 0
    ]
    return sorted(candidates, key=lambda r: (r.get("tranDate") or date.min, int(r["id"])))


def _apply_lines(draft: Draft, customer_id: str, budget: Decimal | None) -> Decimal:
    """Check and complete the `apply` sublist; the amount applied in total."""
    record, store = draft.record, draft.store
    currency_id = ref_id(record, "currency")
    precision = precision_of(store, record)
    mine = (draft.record_type.name, draft.record_id)
    if not record.get("apply") and record.get("autoApply") and budget is not None:
        record["apply"] = [
            {"doc": {"id": invoice["id"]}, "apply": True}
            for invoice in _open_invoices(draft, customer_id, currency_id)
        ]
    applied = ZERO
    seen: set[str] = set()
    kept = []
    for index, line in enumerate(record.get("apply") or []):
        path = f"apply.items[{index}]"
        doc_id = ref_id(line, "doc")
        if doc_id is None:
            raise missing_values(["Document"], path=f"{path}.doc")
        if doc_id in seen:
            raise user_error(f"Invoice {doc_id} is applied twice.", path=f"{path}.doc")
        seen.add(doc_id)
        invoice = store.get("invoice", doc_id)
        if invoice is None:
            raise invalid_value(doc_id, "doc", f"{path}.doc")
        if line.get("apply") is False:
            kept.append(line)
            continue
        line["apply"] = True
        if ref_id(invoice, "entity") != customer_id:
            raise user_error(
                f"Invoice {invoice.get('tranId')} belongs to another customer.", path=f"{path}.doc"
            )
        if ref_id(invoice, "currency") != currency_id:
            raise user_error(
                f"Invoice {invoice.get('tranId')} is in another currency.", path=f"{path}.doc"
            )
        due = invoice.get("total", ZERO) - applied_to(store, doc_id, mine)
        amount = line.get("amount")
        if amount is None:
            amount = due if budget is None else min(due, budget - applied)
            if amount <= 0 and budget is not None:
                continue  # auto-application ran out of money: the line is not applied
        amount = money(amount, precision)
        if amount <= 0:
            raise invalid_value(amount, "amount", f"{path}.amount")
        if amount > due:
            raise user_error(
                f"The amount applied ({amount}) exceeds the amount due ({due}) on invoice "
                f"{invoice.get('tranId')}.",
                path=f"{path}.amount",
            )
        line.update(
            amount=amount,
            refNum=invoice.get("tranId"),
            type="Invoice",
            total=invoice.get("total"),
        )
        line.setdefault("applyDate", invoice.get("tranDate") or draft.today)
        applied += amount
        kept.append(line)
    record["apply"] = kept
    return applied


def _payment(draft: Draft) -> None:
    record, store = draft.record, draft.store
    customer = _customer_of(draft, "customer")
    _header_defaults(draft, customer)
    if "arAcct" not in record:
        receivable = ref_id(customer, "receivablesAccount") or first_account(store, "AcctRec")
        if receivable:
            record["arAcct"] = {"id": receivable}
    precision = precision_of(store, record)
    payment = record.get("payment")
    if payment is not None:
        payment = money(payment, precision)
        if payment <= 0:
            raise invalid_value(payment, "payment", "payment")
    applied = _apply_lines(draft, customer["id"], payment)
    if payment is None:
        if applied == 0:
            raise missing_values(["Payment Amount"], path="payment")
        payment = applied
    if applied > payment:
        raise user_error(
            f"The total applied ({applied}) exceeds the payment amount ({payment}).",
            path="payment",
        )
    record.update(payment=payment, applied=applied, unapplied=payment - applied, total=payment)


def _credit_memo(draft: Draft) -> None:
    record, store = draft.record, draft.store
    customer = _customer_of(draft, "entity")
    _header_defaults(draft, customer)
    if "account" not in record:
        receivable = ref_id(customer, "receivablesAccount") or first_account(store, "AcctRec")
        if receivable:
            record["account"] = {"id": receivable}
    _sales_lines(draft, customer)
    total = record["total"]
    applied = _apply_lines(draft, customer["id"], total)
    if applied > total:
        raise user_error(
            f"The total applied ({applied}) exceeds the credit memo total ({total}).",
            path="apply",
        )
    unapplied = total - applied
    record.update(
        applied=applied,
        unapplied=unapplied,
        amountRemaining=unapplied,
        status="A" if unapplied > 0 else "B",
    )


def _journal_entry(draft: Draft) -> None:
    record, store = draft.record, draft.store
    subsidiary = store.get("subsidiary", ref_id(record, "subsidiary") or "")
    if subsidiary is None:
        raise missing_values(["Subsidiary"], path="subsidiary")
    if "currency" not in record and "currency" in subsidiary:
        record["currency"] = dict(subsidiary["currency"])
    record.setdefault("exchangeRate", Decimal(1))
    record.setdefault("tranDate", draft.today)
    record.setdefault("approved", True)
    record.setdefault("isReversal", False)
    record.setdefault("void", False)
    lines = record.get("line") or []
    if not lines:
        raise user_error("You must enter at least one line item for this transaction.")
    precision = precision_of(store, record)
    debits = credits = ZERO
    for index, line in enumerate(lines):
        path = f"line.items[{index}]"
        if ref_id(line, "account") is None:
            raise missing_values(["Account"], path=f"{path}.account")
        debit, credit = line.get("debit"), line.get("credit")
        if debit is not None and credit is not None and debit != 0 and credit != 0:
            raise user_error("A line has either a debit or a credit, not both.", path=path)
        for name, value in (("debit", debit), ("credit", credit)):
            if value is not None and value < 0:
                raise invalid_value(value, name, f"{path}.{name}")
        if not debit and not credit:
            raise missing_values(["Debit", "Credit"], path=f"{path}.debit")
        if debit:
            line["debit"] = money(debit, precision)
            line.pop("credit", None)
            debits += line["debit"]
        else:
            line["credit"] = money(credit, precision)
            line.pop("debit", None)
            credits += line["credit"]
    if debits != credits:
        raise user_error(
            f"The transaction is not in balance: debits total {debits}, credits total {credits}.",
            path="line",
        )
    record["total"] = debits


COMPLETERS: dict[str, Completer] = {
    "customer": _customer,
    "serviceSaleItem": _item,
    "nonInventorySaleItem": _item,
    "inventoryItem": _item,
    "salesTaxItem": _tax_code,
    "invoice": _invoice,
    "creditMemo": _credit_memo,
    "customerPayment": _payment,
    "journalEntry": _journal_entry,
}


def dependents(store: RecordStore, type_name: str, record_id: str) -> list[tuple[str, str]]:
    """Records that reference this one: NetSuite refuses to delete a record in use."""
    found = []
    for other_type, record in store.iter_all():
        if other_type == type_name and record["id"] == record_id:
            continue
        if _references(RECORD_TYPES[other_type].fields, record, type_name, record_id):
            found.append((other_type, record["id"]))
    return found


def _references(
    fields: tuple[Field, ...], values: dict[str, Any], type_name: str, record_id: str
) -> bool:
    for field in fields:
        value = values.get(field.name)
        if value is None:
            continue
        if field.kind is Kind.REF and type_name in field.targets and value.get("id") == record_id:
            return True
        if field.kind is Kind.SUBLIST and any(
            _references(field.lines, line, type_name, record_id) for line in value
        ):
            return True
    return False

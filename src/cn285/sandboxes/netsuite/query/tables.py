"""The SuiteQL tables the sandbox exposes, projected from its records.

SuiteQL reads the analytics data source, not the REST records: names are lower case, one
`transaction` table holds invoices (`type` 'CustInvc'), payments ('CustPymt'), credit memos
('CustCred') and journals ('Journal'), and one `item` table holds every item type. Columns
follow the Records Catalog names seen in the wild (ERP_APIS.md §1.4, §1.5:
`foreignamountunpaid`, `foreigntotal`, `lastmodifieddate`...). Sales lines in
`transactionline` carry the general-ledger sign, negative on invoices, as NetSuite stores
them. Booleans read 'T'/'F', references their internal id.

Addresses: `entityaddress` has one row per addressBook line of every customer (the address
subrecord: `addr1`, `city`, `zip`, `country` as its two-letter code...), keyed by `nkey`,
with `recordowner` the customer's id and the customer's `lastmodifieddate`.
`customer.defaultbillingaddress` and `customer.defaultshippingaddress` hold the `nkey` of
the first line flagged defaultBilling / defaultShipping (NULL when none is). The sandbox
stores no address ids: a line's nkey is derived as `customer id * 1000 + its position` in
the addressBook (1-based), so it is the same after every save that keeps the lines (a PATCH
adding lines appends them), survives persistence, and is unique while a customer has fewer
than 1000 addresses. Replacing the sublist (`?replace=addressBook`) numbers the new lines
from 1 again, so they take the keys of the old lines at the same positions, where NetSuite
would give the new addresses new keys: a sync that saw the customer's lastmodifieddate move
rereads them anyway.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from decimal import Decimal
from typing import Any

from cn285.sandboxes.netsuite.records.accounting import ZERO, ref_id
from cn285.sandboxes.netsuite.records.store import Record, RecordStore
from cn285.sandboxes.netsuite.records.types import RECORD_TYPES, SALE_ITEMS

Row = dict[str, Any]
DISPLAY = "#display:"  # row keys holding what BUILTIN.DF shows for a column


class Ident(int):
    """An internal id: compared and sorted as a number, shown as the string it is in REST."""

    def __str__(self) -> str:
        return int.__str__(self)


# columns holding internal ids, whatever the table
ID_COLUMNS = frozenset(
    {
        "id",
        "subsidiary",
        "currency",
        "parent",
        "entity",
        "transaction",
        "item",
        "incomeaccount",
        "deferredrevenueaccount",
        "expenseaccount",
        "taxtype",
        "nkey",
        "recordowner",
        "defaultbillingaddress",
        "defaultshippingaddress",
    }
)


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[str, ...]
    source: Callable[[RecordStore], Iterator[Row]]
    #: record types whose rows these are, keyed by `id` and `externalId` (for narrowing)
    types: tuple[str, ...] = ()
    #: text columns showing a record field as it is (column -> field), for narrowing too
    fields: dict[str, str] = dataclass_field(default_factory=dict)

    def rows(self, store: RecordStore) -> Iterator[Row]:
        for row in self.source(store):
            for column in ID_COLUMNS.intersection(row):
                value = row[column]
                if isinstance(value, str) and value.isdigit():
                    row[column] = Ident(value)
            yield row


def _flag(value: Any) -> str:
    return "T" if value else "F"


def _custom(record: Record, prefix: str) -> Row:
    return {k: v for k, v in record.items() if k.startswith(prefix)}


def _display(store: RecordStore, row: Row, record: Record, fields: dict[str, str]) -> Row:
    """Names of referenced records, for BUILTIN.DF(column)."""
    for column, field_name in fields.items():
        target = record.get(field_name)
        if isinstance(target, dict):
            row[DISPLAY + column] = _ref_name(store, target.get("id"))
    return row


def _ref_name(store: RecordStore, record_id: str | None) -> str | None:
    if record_id is None:
        return None
    for type_name, table in store.records.items():
        if record_id in table:
            return RECORD_TYPES[type_name].ref_name(table[record_id])
    return record_id


ADDRESS_KEY_SPAN = 1000  # nkey = customer id * span + the line's 1-based position


def _address_key(customer: Record, position: int) -> str:
    owner = str(customer["id"])
    if not owner.isdigit():  # only a row staged by hand has such an id
        return f"{owner}:{position}"
    return str(int(owner) * ADDRESS_KEY_SPAN + position)


def _address_lines(customer: Record) -> Iterator[tuple[str, dict[str, Any]]]:
    """(nkey, addressBook line) for each line of a customer, in sublist order."""
    lines = customer.get("addressBook") or []
    for position, line in enumerate(lines, start=1):
        if isinstance(line, dict):
            yield _address_key(customer, position), line


def _default_address(customer: Record, flag: str) -> str | None:
    return next((key for key, line in _address_lines(customer) if line.get(flag) is True), None)


def _country_code(value: Any) -> str | None:
    """`{"id": "FR"}` as REST sends a select, or a plain "FR"."""
    if isinstance(value, dict):
        value = value.get("id")
    return value if isinstance(value, str) and value else None


_ADDRESS_FIELDS = ("addr1", "addr2", "addr3", "addressee", "attention", "city", "state", "zip")


def _entity_addresses(store: RecordStore) -> Iterator[Row]:
    for r in store.all("customer"):
        for key, line in _address_lines(r):
            address = line.get("addressBookAddress")
            address = address if isinstance(address, dict) else {}
            row = {"nkey": key}
            for name in _ADDRESS_FIELDS:
                value = address.get(name)
                row[name] = value if value != "" else None
            row["country"] = _country_code(address.get("country"))
            row["recordowner"] = r["id"]
            row["lastmodifieddate"] = r.get("lastModifiedDate")
            row[DISPLAY + "recordowner"] = RECORD_TYPES["customer"].ref_name(r)
            yield row


def _customers(store: RecordStore) -> Iterator[Row]:
    for r in store.all("customer"):
        row = {
            "id": r["id"],
            "entityid": r.get("entityId"),
            "companyname": r.get("companyName"),
            "firstname": r.get("firstName"),
            "lastname": r.get("lastName"),
            "email": r.get("email"),
            "phone": r.get("phone"),
            "vatregnumber": r.get("vatRegNumber"),
            "isperson": _flag(r.get("isPerson")),
            "isinactive": _flag(r.get("isInactive")),
            "subsidiary": ref_id(r, "subsidiary"),
            "currency": ref_id(r, "currency"),
            "parent": ref_id(r, "parent"),
            "externalid": r.get("externalId"),
            "datecreated": r.get("dateCreated"),
            "lastmodifieddate": r.get("lastModifiedDate"),
            "defaultbillingaddress": _default_address(r, "defaultBilling"),
            "defaultshippingaddress": _default_address(r, "defaultShipping"),
            **_custom(r, "custentity"),
        }
        yield _display(store, row, r, {"subsidiary": "subsidiary", "currency": "currency"})


ITEM_TYPES = {
    "serviceSaleItem": "Service",
    "nonInventorySaleItem": "NonInvtPart",
    "inventoryItem": "InvtPart",
    "salesTaxItem": "TaxItem",
}


def _items(store: RecordStore) -> Iterator[Row]:
    records = [(t, r) for t in (*SALE_ITEMS, "salesTaxItem") for r in store.records[t].values()]
    for type_name, r in sorted(records, key=lambda pair: int(pair[1]["id"])):
        row = {
            "id": r["id"],
            "itemid": r.get("itemId"),
            "displayname": r.get("displayName"),
            "description": r.get("salesDescription") or r.get("description"),
            "itemtype": ITEM_TYPES[type_name],
            "isinactive": _flag(r.get("isInactive")),
            "incomeaccount": ref_id(r, "incomeAccount"),
            "deferredrevenueaccount": ref_id(r, "deferredRevenueAccount"),
            "subsidiary": ref_id(r, "subsidiary"),
            "externalid": r.get("externalId"),
            "createddate": r.get("createdDate"),
            "lastmodifieddate": r.get("lastModifiedDate"),
            **_custom(r, "custitem"),
        }
        yield _display(store, row, r, {"incomeaccount": "incomeAccount"})


TRANSACTION_TYPES = {
    "invoice": "CustInvc",
    "customerPayment": "CustPymt",
    "creditMemo": "CustCred",
    "journalEntry": "Journal",
}
_STATUS_NAMES = {
    ("invoice", "A"): "Invoice : Open",
    ("invoice", "B"): "Invoice : Paid In Full",
    ("creditMemo", "A"): "Credit Memo : Open",
    ("creditMemo", "B"): "Credit Memo : Fully Applied",
}


def _transactions_of(store: RecordStore) -> list[tuple[str, Record]]:
    records = [(t, r) for t in TRANSACTION_TYPES for r in store.records[t].values()]
    return sorted(records, key=lambda pair: int(pair[1]["id"]))


def _transactions(store: RecordStore) -> Iterator[Row]:
    for type_name, r in _transactions_of(store):
        total = r.get("total") if type_name != "customerPayment" else r.get("payment")
        row = {
            "id": r["id"],
            "tranid": r.get("tranId"),
            "trandate": r.get("tranDate"),
            "type": TRANSACTION_TYPES[type_name],
            "recordtype": type_name.lower(),
            "entity": ref_id(r, "entity") or ref_id(r, "customer"),
            "status": r.get("status"),
            "currency": ref_id(r, "currency"),
            "exchangerate": r.get("exchangeRate"),
            "foreigntotal": total,
            "foreignamountunpaid": r.get("amountRemaining") if type_name == "invoice" else None,
            "foreignamountpaid": r.get("amountPaid") if type_name == "invoice" else None,
            "foreignpaymentamountused": r.get("applied"),
            "foreignpaymentamountunused": r.get("unapplied"),
            "duedate": r.get("dueDate"),
            "memo": r.get("memo"),
            "otherrefnum": r.get("otherRefNum"),
            "approved": _flag(r.get("approved")) if type_name == "journalEntry" else None,
            "externalid": r.get("externalId"),
            "createddate": r.get("createdDate"),
            "lastmodifieddate": r.get("lastModifiedDate"),
            **_custom(r, "custbody"),
        }
        _display(
            store,
            row,
            r,
            {"entity": "entity" if "entity" in r else "customer", "currency": "currency"},
        )
        if r.get("status"):
            row[DISPLAY + "status"] = _STATUS_NAMES.get((type_name, r["status"]), r["status"])
        yield row


def _transaction_lines(store: RecordStore) -> Iterator[Row]:
    for type_name, r in _transactions_of(store):
        sign = Decimal(-1) if type_name == "invoice" else Decimal(1)
        entity = ref_id(r, "entity") or ref_id(r, "customer")
        for number, line in enumerate(r.get("item", []) + r.get("line", []), start=1):
            debit, credit = line.get("debit"), line.get("credit")
            amount = line.get("amount")
            if amount is None and (debit or credit):
                amount = (debit or ZERO) - (credit or ZERO)
                net = amount
            else:
                net = sign * amount if amount is not None else None
            yield {
                "id": str(line.get("line", number)),
                "transaction": r["id"],
                "linesequencenumber": line.get("line", number),
                "mainline": "F",
                "item": ref_id(line, "item"),
                "quantity": sign * line["quantity"] if "quantity" in line else None,
                "rate": line.get("rate"),
                "netamount": net,
                "foreignamount": net,
                "debitforeignamount": debit,
                "creditforeignamount": credit,
                "expenseaccount": ref_id(line, "account"),
                "memo": line.get("memo") or line.get("description"),
                "entity": ref_id(line, "entity") or entity,
                "taxline": "F",
                **_custom(line, "custcol"),
            }


def _simple(type_name: str, columns: dict[str, Callable[[Record], Any]]) -> Table:
    def rows(store: RecordStore) -> Iterator[Row]:
        for record in store.all(type_name):
            row = {name: read(record) for name, read in columns.items()}
            for field_name in ("externalId", "lastModifiedDate"):
                row[field_name.lower()] = record.get(field_name)
            yield row

    return Table(
        type_name.lower(), (*columns, "externalid", "lastmodifieddate"), rows, (type_name,)
    )


def _get(name: str) -> Callable[[Record], Any]:
    return lambda r: r.get(name)


def _ref(name: str) -> Callable[[Record], Any]:
    return lambda r: ref_id(r, name)


def _bool(name: str) -> Callable[[Record], Any]:
    return lambda r: _flag(r.get(name))


_CUSTOMER_COLUMNS = (
    "id",
    "entityid",
    "companyname",
    "firstname",
    "lastname",
    "email",
    "phone",
    "vatregnumber",
    "isperson",
    "isinactive",
    "subsidiary",
    "currency",
    "parent",
    "defaultbillingaddress",
    "defaultshippingaddress",
    "externalid",
    "datecreated",
    "lastmodifieddate",
)
_ADDRESS_COLUMNS = ("nkey", *_ADDRESS_FIELDS, "country", "recordowner", "lastmodifieddate")
_ITEM_COLUMNS = (
    "id",
    "itemid",
    "displayname",
    "description",
    "itemtype",
    "isinactive",
    "incomeaccount",
    "deferredrevenueaccount",
    "subsidiary",
    "externalid",
    "createddate",
    "lastmodifieddate",
)
_TRANSACTION_COLUMNS = (
    "id",
    "tranid",
    "trandate",
    "type",
    "recordtype",
    "entity",
    "status",
    "currency",
    "exchangerate",
    "foreigntotal",
    "foreignamountunpaid",
    "foreignamountpaid",
    "foreignpaymentamountused",
    "foreignpaymentamountunused",
    "duedate",
    "memo",
    "otherrefnum",
    "approved",
    "externalid",
    "createddate",
    "lastmodifieddate",
)
_LINE_COLUMNS = (
    "id",
    "transaction",
    "linesequencenumber",
    "mainline",
    "item",
    "quantity",
    "rate",
    "netamount",
    "foreignamount",
    "debitforeignamount",
    "creditforeignamount",
    "expenseaccount",
    "memo",
    "entity",
    "taxline",
)

TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        Table(
            "customer",
            _CUSTOMER_COLUMNS,
            _customers,
            ("customer",),
            {"entityid": "entityId", "vatregnumber": "vatRegNumber", "email": "email"},
        ),
        Table("item", _ITEM_COLUMNS, _items, (*SALE_ITEMS, "salesTaxItem"), {"itemid": "itemId"}),
        Table(
            "transaction",
            _TRANSACTION_COLUMNS,
            _transactions,
            tuple(TRANSACTION_TYPES),
            {"tranid": "tranId"},
        ),
        Table("transactionline", _LINE_COLUMNS, _transaction_lines),
        Table("entityaddress", _ADDRESS_COLUMNS, _entity_addresses),
        _simple(
            "account",
            {
                "id": _get("id"),
                "acctnumber": _get("acctNumber"),
                "acctname": _get("acctName"),
                "fullname": lambda r: RECORD_TYPES["account"].ref_name(r),
                "accttype": _get("acctType"),
                "description": _get("description"),
                "subsidiary": _ref("subsidiary"),
                "currency": _ref("currency"),
                "parent": _ref("parent"),
                "isinactive": _bool("isInactive"),
            },
        ),
        _simple(
            "subsidiary",
            {
                "id": _get("id"),
                "name": _get("name"),
                "fullname": _get("name"),
                "legalname": _get("legalName"),
                "currency": _ref("currency"),
                "country": _ref("country"),
                "parent": _ref("parent"),
                "isinactive": _bool("isInactive"),
            },
        ),
        _simple(
            "currency",
            {
                "id": _get("id"),
                "name": _get("name"),
                "symbol": _get("symbol"),
                "displaysymbol": _get("displaySymbol"),
                "currencyprecision": _get("currencyPrecision"),
                "exchangerate": _get("exchangeRate"),
                "isbasecurrency": _bool("isBaseCurrency"),
                "isinactive": _bool("isInactive"),
            },
        ),
        _simple(
            "salesTaxItem",
            {
                "id": _get("id"),
                "itemid": _get("itemId"),
                "description": _get("description"),
                "rate": _get("rate"),
                "taxtype": _ref("taxType"),
                "isinactive": _bool("isInactive"),
            },
        ),
        _simple(
            "taxType",
            {
                "id": _get("id"),
                "name": _get("name"),
                "description": _get("description"),
                "country": _ref("country"),
            },
        ),
    )
}

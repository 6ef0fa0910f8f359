"""The record types the sandbox serves, declared as data.

Field names are the REST (camelCase) names of the metadata catalog; sources are listed in
ERP_APIS.md §1.4. Each type says which internal-id sequence it draws from (`family`):
NetSuite numbers all transactions in one sequence and all items in another, which is why
SuiteQL's `transaction` table can mix invoices and payments without id clashes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cn285.sandboxes.netsuite.records.fields import (
    Field,
    Kind,
    boolean,
    choice,
    day,
    integer,
    moment,
    number,
    ref,
    sublist,
    subrecord,
    text,
)

SALE_ITEMS = ("serviceSaleItem", "nonInventorySaleItem", "inventoryItem")

# Account types: internal enum strings (LedgerSync Account::TYPES) and their UI names
# (Oracle help section_0902085857).
ACCOUNT_TYPES = (
    ("Bank", "Bank"),
    ("OthCurrAsset", "Other Current Asset"),
    ("FixedAsset", "Fixed Asset"),
    ("OthAsset", "Other Asset"),
    ("AcctRec", "Accounts Receivable"),
    ("Equity", "Equity"),
    ("Expense", "Expense"),
    ("OthExpense", "Other Expense"),
    ("COGS", "Cost of Goods Sold"),
    ("AcctPay", "Accounts Payable"),
    ("CredCard", "Credit Card"),
    ("LongTermLiab", "Long Term Liability"),
    ("OthCurrLiab", "Other Current Liability"),
    ("Income", "Income"),
    ("OthIncome", "Other Income"),
    ("DeferExpense", "Deferred Expense"),
    ("UnbilledRec", "Unbilled Receivable"),
    ("DeferRevenue", "Deferred Revenue"),
    ("NonPosting", "Non Posting"),
    ("Stat", "Statistical"),
)
# [UNVERIFIED] status ids: the letters SuiteQL shows for CustInvc/CustCred (ERP_APIS.md §1.4).
INVOICE_STATUSES = (("A", "Open"), ("B", "Paid In Full"))
CREDIT_MEMO_STATUSES = (("A", "Open"), ("B", "Fully Applied"))


@dataclass(frozen=True)
class RecordType:
    """A REST record type: its fields, id sequence, naming and business keys."""

    name: str
    label: str
    family: str
    fields: tuple[Field, ...]
    ref_name: Callable[[dict[str, Any]], str]
    required: tuple[str, ...] = ()
    custom_prefix: str | None = None  # custom body fields (custentity_, custbody_, ...)
    line_custom_prefix: str | None = None  # custom line fields (custcol_)
    unique: tuple[str, ...] = ()  # business keys unique per type, besides externalId
    created_field: str = "createdDate"

    def field(self, name: str) -> Field | None:
        """Field names are matched without regard to case (Oracle's own examples send
        `entityid` for `entityId`); the declared spelling is the one stored."""
        return _index(self).get(name.lower())

    def sublists(self) -> tuple[Field, ...]:
        return tuple(f for f in self.fields if f.kind is Kind.SUBLIST)


_INDEXES: dict[str, dict[str, Field]] = {}


def _index(record_type: RecordType) -> dict[str, Field]:
    index = _INDEXES.get(record_type.name)
    if index is None:
        index = {f.name.lower(): f for f in record_type.fields}
        _INDEXES[record_type.name] = index
    return index


def _common(created: str = "createdDate") -> tuple[Field, ...]:
    return (
        text("id", "Internal ID", readonly=True),
        text("externalId", "External ID"),
        moment(created, "Date Created"),
        moment("lastModifiedDate", "Last Modified Date"),
    )


def _by(field_name: str) -> Callable[[dict[str, Any]], str]:
    def name(record: dict[str, Any]) -> str:
        return str(record.get(field_name) or record.get("id") or "")

    return name


def _account_name(record: dict[str, Any]) -> str:
    number_ = record.get("acctNumber")
    return f"{number_} {record.get('acctName', '')}" if number_ else str(record.get("acctName"))


def _unmodelled(*names: str) -> tuple[Field, ...]:
    """Selects pointing at records the sandbox does not model; kept as sent."""
    return tuple(ref(n) for n in names)


def _tran_ref_name(label: str) -> Callable[[dict[str, Any]], str]:
    def name(record: dict[str, Any]) -> str:
        return f"{label} #{record.get('tranId') or record.get('id')}"

    return name


SUBSIDIARY = RecordType(
    "subsidiary",
    "Subsidiary",
    "subsidiary",
    (
        *_common(),
        text("name", "Name"),
        text("legalName", "Legal Name"),
        ref("currency", "currency", label="Currency"),
        ref("country", label="Country"),
        ref("parent", "subsidiary", label="Subsidiary Of"),
        boolean("isInactive", "Inactive"),
    ),
    _by("name"),
    required=("name", "currency"),
)

CURRENCY = RecordType(
    "currency",
    "Currency",
    "currency",
    (
        *_common(),
        text("name", "Name"),
        text("symbol", "ISO Code"),
        text("displaySymbol", "Currency Symbol"),
        integer("currencyPrecision", "Currency Precision"),
        number("exchangeRate", "Default Exchange Rate"),
        boolean("isBaseCurrency", "Is Base Currency"),
        boolean("isInactive", "Inactive"),
    ),
    _by("name"),
    required=("name", "symbol"),
    unique=("symbol",),
)

ACCOUNT = RecordType(
    "account",
    "Account",
    "account",
    (
        *_common(),
        text("acctNumber", "Number"),
        text("acctName", "Name"),
        choice("acctType", ACCOUNT_TYPES, "Type"),
        text("description", "Description"),
        ref("subsidiary", "subsidiary", label="Subsidiary"),
        ref("currency", "currency", label="Currency"),
        ref("parent", "account", label="Subaccount Of"),
        boolean("isInactive", "Inactive"),
    ),
    _account_name,
    required=("acctName", "acctType"),
)

TAX_TYPE = RecordType(
    "taxType",
    "Tax Type",
    "taxType",
    (
        *_common(),
        text("name", "Name"),
        text("description", "Description"),
        ref("country", label="Country"),
        boolean("isInactive", "Inactive"),
    ),
    _by("name"),
    required=("name",),
)

SALES_TAX_ITEM = RecordType(
    "salesTaxItem",
    "Tax Code",
    "item",
    (
        *_common(),
        text("itemId", "Name"),
        text("description", "Description"),
        number("rate", "Rate"),
        ref("taxType", "taxType", label="Tax Type"),
        ref("taxAccount", "account", label="Tax Account"),
        ref("subsidiary", "subsidiary", label="Subsidiary"),
        boolean("isInactive", "Inactive"),
    ),
    _by("itemId"),
    required=("itemId", "rate"),
    custom_prefix="custitem",
)


def _item_type(name: str, label: str, *extra: Field) -> RecordType:
    return RecordType(
        name,
        label,
        "item",
        (
            *_common(),
            text("itemId", "Item Name/Number"),
            text("displayName", "Display Name"),
            text("salesDescription", "Sales Description"),
            text("upcCode", "UPC Code"),
            ref("incomeAccount", "account", label="Income Account"),
            ref("deferredRevenueAccount", "account", label="Deferred Revenue Account"),
            ref("subsidiary", "subsidiary", label="Subsidiary"),
            ref("taxCode", "salesTaxItem", label="Tax Code"),
            *_unmodelled(
                "revenueRecognitionRule",
                "revRecForecastRule",
                "taxSchedule",
                "department",
                "class",
                "location",
                "unitsType",
            ),
            boolean("includeChildren", "Include Children"),
            boolean("isInactive", "Inactive"),
            *extra,
            sublist(
                "price",
                ref("currency", "currency", label="Currency"),
                ref("priceLevel", label="Price Level"),
                number("price", "Price"),
                integer("quantity", "Quantity"),
                label="Pricing",
            ),
        ),
        _by("itemId"),
        required=("itemId",),
        custom_prefix="custitem",
    )


SERVICE_SALE_ITEM = _item_type("serviceSaleItem", "Service Item")
NON_INVENTORY_SALE_ITEM = _item_type("nonInventorySaleItem", "Non-inventory Item")
INVENTORY_ITEM = _item_type(
    "inventoryItem",
    "Inventory Item",
    ref("cogsAccount", "account", label="COGS Account"),
    ref("assetAccount", "account", label="Asset Account"),
)

CUSTOMER = RecordType(
    "customer",
    "Customer",
    "entity",
    (
        *_common("dateCreated"),
        text("entityId", "Customer ID"),
        text("companyName", "Company Name"),
        boolean("isPerson", "Type"),
        text("salutation", "Mr./Ms..."),
        text("firstName", "First Name"),
        text("lastName", "Last Name"),
        text("email", "Email"),
        text("phone", "Phone"),
        text("vatRegNumber", "Tax Number"),
        text("comments", "Comments"),
        ref("subsidiary", "subsidiary", label="Primary Subsidiary"),
        ref("currency", "currency", label="Currency"),
        ref("parent", "customer", label="Child Of"),
        ref("taxItem", "salesTaxItem", label="Tax Item"),
        ref("receivablesAccount", "account", label="Default Receivables Account"),
        *_unmodelled("terms", "entityStatus", "salesRep", "priceLevel", "category"),
        boolean("isInactive", "Inactive"),
        boolean("taxable", "Taxable"),
        sublist(
            "addressBook",
            text("label", "Label"),
            boolean("defaultBilling", "Default Billing"),
            boolean("defaultShipping", "Default Shipping"),
            boolean("isResidential", "Residential Address"),
            subrecord("addressBookAddress", "Address"),
            label="Address",
        ),
    ),
    _by("entityId"),
    custom_prefix="custentity",
    unique=("entityId",),
    created_field="dateCreated",
)

_ITEM_LINE = sublist(
    "item",
    integer("line", "Line", readonly=True),
    ref("item", *SALE_ITEMS, label="Item"),
    number("quantity", "Quantity"),
    number("rate", "Rate"),
    number("amount", "Amount"),
    text("description", "Description"),
    ref("taxCode", "salesTaxItem", label="Tax Code"),
    number("taxRate1", "Tax Rate", readonly=True),
    number("tax1Amt", "Tax Amount", readonly=True),
    number("grossAmt", "Gross Amount", readonly=True),
    day("revRecStartDate", "Rev. Rec. Start Date"),
    day("revRecEndDate", "Rev. Rec. End Date"),
    *_unmodelled("department", "class", "location", "units", "price"),
    key="line",
    label="Items",
)

_APPLY_LINE = sublist(
    "apply",
    ref("doc", "invoice", label="Document"),
    boolean("apply", "Apply"),
    number("amount", "Payment"),
    text("refNum", "Ref No.", readonly=True),
    text("type", "Type", readonly=True),
    number("total", "Orig. Amt.", readonly=True),
    number("due", "Amt. Due", readonly=True),
    day("applyDate", "Date"),
    key="doc",
    label="Apply",
)


def _transaction_header(entity_field: str, entity_label: str) -> tuple[Field, ...]:
    return (
        *_common(),
        ref(entity_field, "customer", label=entity_label),
        text("tranId", "Transaction Number"),
        day("tranDate", "Date"),
        text("memo", "Memo"),
        ref("currency", "currency", label="Currency"),
        number("exchangeRate", "Exchange Rate"),
        ref("subsidiary", "subsidiary", label="Subsidiary"),
        *_unmodelled("postingPeriod", "department", "class", "location"),
    )


INVOICE = RecordType(
    "invoice",
    "Invoice",
    "transaction",
    (
        *_transaction_header("entity", "Customer"),
        day("dueDate", "Due Date"),
        text("otherRefNum", "PO #"),
        ref("account", "account", label="Account"),
        ref("terms", label="Terms"),
        day("startDate", "Start Date"),
        day("endDate", "End Date"),
        choice("status", INVOICE_STATUSES, "Status", readonly=True),
        number("subtotal", "Subtotal", readonly=True),
        number("taxTotal", "Tax", readonly=True),
        number("total", "Total", readonly=True),
        number("amountPaid", "Amount Paid", readonly=True),
        number("amountRemaining", "Amount Remaining", readonly=True),
        _ITEM_LINE,
    ),
    _tran_ref_name("Invoice"),
    required=("entity",),
    custom_prefix="custbody",
    line_custom_prefix="custcol",
    unique=("tranId",),
)

CREDIT_MEMO = RecordType(
    "creditMemo",
    "Credit Memo",
    "transaction",
    (
        *_transaction_header("entity", "Customer"),
        text("otherRefNum", "PO #"),
        ref("account", "account", label="Account"),
        ref("createdFrom", "invoice", label="Created From"),
        choice("status", CREDIT_MEMO_STATUSES, "Status", readonly=True),
        number("subtotal", "Subtotal", readonly=True),
        number("taxTotal", "Tax", readonly=True),
        number("total", "Total", readonly=True),
        number("applied", "Applied", readonly=True),
        number("unapplied", "Unapplied", readonly=True),
        number("amountRemaining", "Amount Remaining", readonly=True),
        boolean("autoApply", "Auto Apply"),
        _ITEM_LINE,
        _APPLY_LINE,
    ),
    _tran_ref_name("Credit Memo"),
    required=("entity",),
    custom_prefix="custbody",
    line_custom_prefix="custcol",
    unique=("tranId",),
)

CUSTOMER_PAYMENT = RecordType(
    "customerPayment",
    "Payment",
    "transaction",
    (
        *_transaction_header("customer", "Customer"),
        number("payment", "Payment Amount"),
        ref("account", "account", label="Account"),
        ref("arAcct", "account", label="A/R Account"),
        ref("paymentMethod", label="Payment Method"),
        text("checkNum", "Check #"),
        boolean("autoApply", "Auto Apply"),
        boolean("undepFunds", "Undeposited Funds"),
        number("applied", "Applied", readonly=True),
        number("unapplied", "Unapplied", readonly=True),
        number("total", "Total", readonly=True),
        _APPLY_LINE,
    ),
    _tran_ref_name("Payment"),
    required=("customer",),
    custom_prefix="custbody",
    line_custom_prefix="custcol",
    unique=("tranId",),
)

JOURNAL_ENTRY = RecordType(
    "journalEntry",
    "Journal Entry",
    "transaction",
    (
        *_common(),
        text("tranId", "Entry No."),
        day("tranDate", "Date"),
        text("memo", "Memo"),
        ref("subsidiary", "subsidiary", label="Subsidiary"),
        ref("currency", "currency", label="Currency"),
        number("exchangeRate", "Exchange Rate"),
        day("reversalDate", "Reversal Date"),
        boolean("approved", "Approved"),
        boolean("isReversal", "Is Reversal"),
        boolean("void", "Void"),
        *_unmodelled("postingPeriod"),
        number("total", "Total", readonly=True),
        sublist(
            "line",
            integer("line", "Line", readonly=True),
            ref("account", "account", label="Account"),
            number("debit", "Debit"),
            number("credit", "Credit"),
            text("memo", "Memo"),
            ref("entity", "customer", label="Name"),
            ref("taxCode", "salesTaxItem", label="Tax Code"),
            boolean("eliminate", "Eliminate"),
            *_unmodelled("department", "class", "location"),
            key="line",
            label="Lines",
        ),
    ),
    _tran_ref_name("Journal"),
    required=("subsidiary",),
    custom_prefix="custbody",
    line_custom_prefix="custcol",
    unique=("tranId",),
)

RECORD_TYPES: dict[str, RecordType] = {
    t.name: t
    for t in (
        SUBSIDIARY,
        CURRENCY,
        ACCOUNT,
        TAX_TYPE,
        SALES_TAX_ITEM,
        SERVICE_SALE_ITEM,
        NON_INVENTORY_SALE_ITEM,
        INVENTORY_ITEM,
        CUSTOMER,
        INVOICE,
        CREDIT_MEMO,
        CUSTOMER_PAYMENT,
        JOURNAL_ENTRY,
    )
}
_BY_LOWER = {name.lower(): t for name, t in RECORD_TYPES.items()}


def record_type(name: str) -> RecordType | None:
    """The type a URL names; REST type names are matched without regard to case."""
    return _BY_LOWER.get(name.lower())


def family_types(family: str) -> tuple[RecordType, ...]:
    return tuple(t for t in RECORD_TYPES.values() if t.family == family)

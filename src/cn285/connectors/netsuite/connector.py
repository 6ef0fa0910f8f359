"""Cn285 ⇄ NetSuite over SuiteTalk REST: items and customers pulled by SuiteQL on
`lastmodifieddate`, customers, invoices, credit memos and journal entries written by upsert
on external id (our code or number), payment status read back from the transactions.

Upserts make every write repeatable: a batch interrupted half way and sent again updates
what it had created instead of duplicating it. Reads are batched SuiteQL queries (one per
page or per IN list), writes one request per record, at most `concurrency` at a time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from cn285.connectors.base import (
    Capability,
    Connector,
    CustomerRecord,
    InvoiceRecord,
    JournalEntry,
    PaymentStatus,
    PushResult,
    RemoteCustomer,
    RemoteInvoice,
    RemoteItem,
    register,
)
from cn285.connectors.errors import ConfigurationError, RecordRejected
from cn285.connectors.netsuite import suiteql as q
from cn285.connectors.netsuite.client import NetSuiteClient, first_retryable, location_id
from cn285.connectors.netsuite.config import Config
from cn285.mappings import netsuite as mapping_file
from cn285.mappings.loader import MappingError

CENT = Decimal("0.01")
RECORD_TYPES = {"invoice": "invoice", "credit_note": "creditMemo"}
ADDRESS_FIELDS = ("street", "zip", "city", "country")
CUSTOMER_COLUMNS = (
    "id, entityid, externalid, companyname, firstname, lastname, isperson, email, "
    "vatregnumber, defaultbillingaddress"
)

READ_BATCH = 200  # transactions per reconciliation read: their lines fit in a page or two
KINDS = {"CustInvc": "invoice", "CustCred": "credit_note"}
DOCUMENT_COLUMNS = (
    "id, type, externalid, entity, foreigntotal, foreignamountunpaid, foreignpaymentamountunused"
)
DOCUMENTS = "type IN ('CustInvc', 'CustCred')"


def _amount(value: Decimal) -> float:
    """JSON has no decimals: a float whose shortest text is the exact amount."""
    return float(value)


@register("netsuite")
class NetSuiteConnector(Connector):
    capabilities = frozenset(
        {
            Capability.PULL_ITEMS,
            Capability.PULL_CUSTOMERS,
            Capability.PUSH_CUSTOMERS,
            Capability.PUSH_INVOICES,
            Capability.PULL_PAYMENTS,
            Capability.PUSH_JOURNAL_ENTRIES,
        }
    )

    # one write per record, at most `concurrency` at a time: larger batches keep the
    # account's slots busy longer between the per-batch look-up and read-back queries
    invoice_batch = 500
    customer_batch = 500

    def __init__(self, client: NetSuiteClient, mapping: mapping_file.NetSuiteMapping) -> None:
        self.client = client
        self.mapping = mapping
        self.zone = client.config.zone
        self._items: dict[str, str | None] = {}
        self._tax_codes: dict[str, str] | None = None  # itemid -> id
        self._tax_rates: dict[Decimal, str] | None = None  # rate -> id
        self._currencies: dict[str, str] | None = None  # symbol -> id
        self._accounts: dict[str, str] = {}
        self._subsidiaries: list[str] | None = None

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> NetSuiteConnector:
        settings = Config.resolve(config)
        try:
            mapping = mapping_file.load(Path(settings.mapping) if settings.mapping else None)
        except MappingError as exc:
            raise ConfigurationError(str(exc)) from None
        return cls(NetSuiteClient(settings), mapping)

    @property
    def ownership(self) -> Mapping[str, str]:
        return self.mapping.customers.ownership

    @property
    def calls(self) -> int:
        return self.client.calls

    def close(self) -> None:
        self.client.close()

    # -- items ---------------------------------------------------------------------------
    def pull_items(self, since: dt.datetime | None) -> Iterator[RemoteItem]:
        types = self.mapping.items.types
        where = f"itemtype IN {q.in_list(types)}"
        if since is not None:
            where += f" AND {q.since(since, self.zone)}"
        ours = {itemid: code for code, itemid in self.mapping.items.codes.items()}
        select = f"SELECT id, itemid, displayname, isinactive, {q.modified_column()} FROM item"
        for row in self.client.keyset(select, where):
            itemid = str(row.get("itemid") or f"NS-{row['id']}")
            self._items[itemid] = str(row["id"])
            yield RemoteItem(
                str(row["id"]),
                ours.get(itemid, itemid),
                str(row.get("displayname") or itemid),
                q.parse_modified(row.get("modified"), self.zone),
                not q.flag(row.get("isinactive")),
            )

    # -- customers -----------------------------------------------------------------------
    def pull_customers(self, since: dt.datetime | None) -> Iterator[RemoteCustomer]:
        where = q.since(since, self.zone) if since is not None else ""
        select = f"SELECT {CUSTOMER_COLUMNS}, {q.modified_column()} FROM customer"
        page: list[dict[str, Any]] = []
        for row in self.client.keyset(select, where):
            page.append(row)
            if len(page) == q.IN_LIST:
                yield from self._customers(page)
                page = []
        yield from self._customers(page)

    def _customers(self, rows: list[dict[str, Any]]) -> Iterator[RemoteCustomer]:
        """Customers with their default billing address (one query for the page)."""
        keys = [str(r["defaultbillingaddress"]) for r in rows if r.get("defaultbillingaddress")]
        addresses: dict[str, dict[str, Any]] = {}
        if keys:
            query = (
                "SELECT nkey, addr1, zip, city, country FROM entityaddress "
                f"WHERE nkey IN {q.in_list(keys)}"
            )
            addresses = {str(a["nkey"]): a for a in self.client.suiteql(query)}
        for row in rows:
            address = addresses.get(str(row.get("defaultbillingaddress")), {})
            yield RemoteCustomer(
                str(row["id"]),
                _customer_record(row, address),
                q.parse_modified(row.get("modified"), self.zone),
            )

    def get_customer(self, remote_id: str) -> RemoteCustomer | None:
        if not remote_id.isdigit():
            return None
        select = f"SELECT {CUSTOMER_COLUMNS}, {q.modified_column()} FROM customer"
        rows = list(self.client.suiteql(f"{select} WHERE id = {int(remote_id)}"))
        return next(self._customers(rows), None)

    def find_customer(self, record: CustomerRecord) -> str | None:
        return self.find_customers([record]).get(record.code)

    def find_customers(self, records: Sequence[CustomerRecord]) -> dict[str, str]:
        """By external id, then entity id, then VAT number: one query per 200 records."""
        found: dict[str, str] = {}
        for part in q.chunks(list(records)):
            codes = [r.code for r in part]
            vats = sorted(
                {v for r in part if r.vat_number for v in (r.vat_number, r.vat_number.upper())}
            )
            condition = f"externalid IN {q.in_list(codes)} OR entityid IN {q.in_list(codes)}"
            if vats:
                condition += f" OR vatregnumber IN {q.in_list(vats)}"
            rows = list(
                self.client.suiteql(
                    f"SELECT id, externalid, entityid, vatregnumber FROM customer "
                    f"WHERE {condition} ORDER BY id"
                )
            )
            for column, value in (
                ("externalid", lambda r: r.code),
                ("entityid", lambda r: r.code),
                ("vatregnumber", lambda r: r.vat_number),
            ):
                index = {
                    str(row[column]).upper(): str(row["id"])
                    for row in reversed(rows)
                    if row.get(column)
                }
                for record in part:
                    wanted = value(record)
                    if record.code not in found and wanted and wanted.upper() in index:
                        found[record.code] = index[wanted.upper()]
        return found

    def create_customers(self, records: Sequence[CustomerRecord]) -> list[PushResult]:
        """Upsert on external id, in parallel; a retryable failure of any is raised once
        all have finished (those that worked are found again on the retry)."""
        results = self.client.each(self._upsert_customer, records)
        error = first_retryable(results)
        if error is not None:
            raise error
        return [
            PushResult(r.code, error=res.reason)
            if isinstance(res, RecordRejected)
            else PushResult(r.code, str(res))
            for r, res in zip(records, results, strict=True)
        ]

    def _upsert_customer(self, record: CustomerRecord) -> str:
        response = self.client.request(
            "PUT",
            f"/record/v1/customer/eid:{record.code}",
            json=self._customer_body(record, None),
            key=record.code,
        )
        return location_id(response)

    def push_customer(
        self, record: CustomerRecord, remote_id: str | None, fields: Sequence[str] | None = None
    ) -> str:
        if remote_id is None:
            return self._upsert_customer(record)
        body = self._customer_body(record, fields)
        params = None
        if "addressBook" in body:  # keep the other addresses: rewrite the default billing one
            body["addressBook"] = {"items": self._address_lines(remote_id, record)}
            params = {"replace": "addressBook"}
        self.client.request(
            "PATCH", f"/record/v1/customer/{remote_id}", json=body, params=params, key=record.code
        )
        return remote_id

    def _customer_body(self, record: CustomerRecord, fields: Sequence[str] | None) -> dict:
        wanted = (
            set(fields)
            if fields is not None
            else {"code", "name", "email", "vat_number", *ADDRESS_FIELDS}
        )
        customers = self.mapping.customers
        body: dict[str, Any] = dict(customers.custom_fields)
        if fields is None:
            body.update(
                externalId=record.code, entityId=record.code, isPerson=not record.is_company
            )
            if customers.subsidiary:
                body["subsidiary"] = {"id": customers.subsidiary}
        if "name" in wanted:
            if not record.name:
                raise RecordRejected(record.code, "the customer has no name")
            body["companyName"] = record.name  # individuals too: the name reads back whole
            if not record.is_company:
                first, _, last = record.name.partition(" ")
                body.update(firstName=first, lastName=last or first)
        if "email" in wanted:
            body["email"] = record.email or ""
        if "vat_number" in wanted:
            body["vatRegNumber"] = record.vat_number or ""
        if wanted & set(ADDRESS_FIELDS) and (record.country or record.city or record.street):
            body["addressBook"] = {"items": [_billing_line(record)]}
        return body

    def _address_lines(self, remote_id: str, record: CustomerRecord) -> list[dict[str, Any]]:
        current = self.client.request(
            "GET",
            f"/record/v1/customer/{remote_id}",
            params={"expandSubResources": "true"},
            key=record.code,
        ).json()
        lines = [
            {k: v for k, v in line.items() if k != "links"}
            for line in (current.get("addressBook") or {}).get("items", [])
        ]
        billing = _billing_line(record)
        for line in lines:
            if line.get("defaultBilling"):
                line["addressBookAddress"] = billing["addressBookAddress"]
                return lines
        return [*lines, billing]

    # -- invoices and credit memos --------------------------------------------------------
    def find_invoices(self, numbers: Sequence[str]) -> dict[str, str]:
        found: dict[str, str] = {}
        for part in q.chunks(list(numbers)):
            for row in self.client.suiteql(
                "SELECT id, externalid FROM transaction WHERE type IN ('CustInvc', 'CustCred') "
                f"AND externalid IN {q.in_list(part)} ORDER BY id"
            ):
                found.setdefault(str(row["externalid"]), str(row["id"]))
        return found

    def push_invoices(self, records: Sequence[InvoiceRecord]) -> list[PushResult]:
        """One upsert per document (lines replaced, so a repeat never doubles them), then
        one query reading back NetSuite's totals, which must equal ours to the cent."""
        results: list[PushResult] = []
        bodies: list[tuple[InvoiceRecord, dict[str, Any]]] = []
        self._load_items({line.item_code for r in records for line in r.lines})
        for record in records:
            try:
                bodies.append((record, self._invoice_body(record)))
            except RecordRejected as exc:
                results.append(PushResult(record.number, error=exc.reason))
        outcomes = self.client.each(self._upsert_invoice, bodies)
        error = first_retryable(outcomes)
        if error is not None:
            raise error
        written: dict[str, InvoiceRecord] = {}
        for (record, _), outcome in zip(bodies, outcomes, strict=True):
            if isinstance(outcome, RecordRejected):
                results.append(PushResult(record.number, error=outcome.reason))
            else:
                written[str(outcome)] = record
        totals: dict[str, Decimal] = {}
        for part in q.chunks(list(written)):
            for row in self.client.suiteql(
                f"SELECT id, foreigntotal FROM transaction WHERE id IN ({', '.join(part)})"
            ):
                totals[str(row["id"])] = q.number(row.get("foreigntotal")).quantize(CENT)
        for remote_id, record in written.items():
            got = totals.get(remote_id)
            if got != abs(record.total):
                results.append(
                    PushResult(
                        record.number,
                        remote_id,
                        error=f"NetSuite total {got} differs from {abs(record.total)}",
                    )
                )
            else:
                results.append(PushResult(record.number, remote_id))
        return results

    def _upsert_invoice(self, pair: tuple[InvoiceRecord, dict[str, Any]]) -> str:
        record, body = pair
        response = self.client.request(
            "PUT",
            f"/record/v1/{RECORD_TYPES[record.kind]}/eid:{record.number}",
            json=body,
            params={"replace": "item"},
            key=record.number,
        )
        return location_id(response)

    def _invoice_body(self, record: InvoiceRecord) -> dict[str, Any]:
        invoices = self.mapping.invoices
        sign = Decimal(-1) if record.kind == "credit_note" else Decimal(1)
        lines = []
        for line in record.lines:
            lines.append(
                {
                    "item": {"id": self._item_id(record.number, line.item_code)},
                    "description": line.description,
                    "quantity": _amount(line.quantity),
                    "amount": _amount(line.amount * sign),
                    "taxCode": {"id": self._tax_code(record.number, line.tax_rate)},
                }
            )
        body: dict[str, Any] = {
            **invoices.custom_fields,
            "externalId": record.number,
            "tranId": record.number,
            "entity": {"id": record.customer_remote_id},
            "tranDate": record.date.isoformat(),
            "currency": {"id": self._currency_id(record.number, record.currency)},
            "item": {"items": lines},
        }
        form = invoices.credit_memo_form if record.kind == "credit_note" else invoices.invoice_form
        if form:
            body["customForm"] = {"id": form}
        return body

    # -- payments ------------------------------------------------------------------------
    def pull_payments(self, remote_ids: Sequence[str]) -> list[PaymentStatus]:
        """Amount remaining of invoices (and unapplied amount of credit memos), read in
        one query per 200; what customer payments and credits applied is in them."""
        statuses = []
        ids = [i for i in remote_ids if i.isdigit()]
        for part in q.chunks(ids):
            for row in self.client.suiteql(
                "SELECT id, type, foreigntotal, foreignamountunpaid, "
                "foreignpaymentamountunused FROM transaction "
                f"WHERE id IN ({', '.join(part)}) ORDER BY id"
            ):
                left, state = _payment(row)
                statuses.append(PaymentStatus(str(row["id"]), left, state))
        return statuses

    # -- reads for reconciliation --------------------------------------------------------
    def fetch_invoices(self, remote_ids: Sequence[str]) -> list[RemoteInvoice]:
        ids = [str(i) for i in remote_ids if str(i).isdigit()]
        found: list[RemoteInvoice] = []
        for part in q.chunks(ids, READ_BATCH):
            rows = self.client.suiteql(
                f"SELECT {DOCUMENT_COLUMNS} FROM transaction WHERE {DOCUMENTS} "
                f"AND id IN ({', '.join(part)}) ORDER BY id"
            )
            found += self._documents(list(rows))
        return found

    def lookup_invoices(self, numbers: Sequence[str]) -> list[RemoteInvoice]:
        found: list[RemoteInvoice] = []
        for part in q.chunks(list(numbers), READ_BATCH):
            rows = self.client.suiteql(
                f"SELECT {DOCUMENT_COLUMNS} FROM transaction WHERE {DOCUMENTS} "
                f"AND externalid IN {q.in_list(part)} ORDER BY id"
            )
            found += self._documents(list(rows))
        return found

    def list_invoices(
        self, prefixes: Sequence[str], after: str | None = None
    ) -> Iterator[RemoteInvoice]:
        """By keyset on id (no 100,000-row ceiling), their lines read a batch at a time."""
        if not prefixes:
            return
        like = " OR ".join(f"externalid LIKE {q.text(p + '%')}" for p in prefixes)
        where = f"{DOCUMENTS} AND ({like})"
        if after is not None and after.isdigit():
            where += f" AND id > {int(after)}"
        page: list[dict[str, Any]] = []
        select = f"SELECT {DOCUMENT_COLUMNS} FROM transaction"
        for row in self.client.keyset(select, where):
            # LIKE's `_` matches any character: keep what really starts with a prefix
            if str(row.get("externalid") or "").startswith(tuple(prefixes)):
                page.append(row)
            if len(page) == READ_BATCH:
                yield from self._documents(page)
                page = []
        yield from self._documents(page)

    def _documents(self, rows: list[dict[str, Any]]) -> list[RemoteInvoice]:
        """Documents with their amount before tax: the sum of their item lines (SuiteQL
        `transactionline`, GL sign: negative on invoices); the tax is the rest of the total."""
        if not rows:
            return []
        net: dict[str, Decimal] = {}
        for line in self.client.suiteql(
            "SELECT transaction, foreignamount FROM transactionline "
            f"WHERE transaction IN ({', '.join(str(r['id']) for r in rows)}) "
            "AND mainline = 'F' AND taxline = 'F' ORDER BY transaction, id"
        ):
            key = str(line["transaction"])
            net[key] = net.get(key, Decimal(0)) + q.number(line.get("foreignamount"))
        documents = []
        for row in rows:
            total = q.number(row.get("foreigntotal")).quantize(CENT)
            sign = Decimal(-1) if row.get("type") == "CustInvc" else Decimal(1)
            untaxed = (sign * net.get(str(row["id"]), Decimal(0))).quantize(CENT)
            residual, state = _payment(row)
            documents.append(
                RemoteInvoice(
                    remote_id=str(row["id"]),
                    number=str(row["externalid"]) if row.get("externalid") else None,
                    kind=KINDS.get(str(row.get("type")), "invoice"),
                    total_excl_tax=untaxed,
                    tax=total - untaxed,
                    total=total,
                    residual=residual,
                    payment_state=state,
                    customer_remote_id=str(row["entity"]) if row.get("entity") else None,
                )
            )
        return documents

    def fetch_customers(self, remote_ids: Sequence[str]) -> list[RemoteCustomer]:
        ids = [str(i) for i in remote_ids if str(i).isdigit()]
        select = f"SELECT {CUSTOMER_COLUMNS}, {q.modified_column()} FROM customer"
        found: list[RemoteCustomer] = []
        for part in q.chunks(ids, READ_BATCH):
            rows = self.client.suiteql(f"{select} WHERE id IN ({', '.join(part)}) ORDER BY id")
            found += self._customers(list(rows))
        return found

    # -- journal entries -----------------------------------------------------------------
    def push_journal_entries(self, entries: Sequence[JournalEntry]) -> list[PushResult]:
        if not entries:
            return []
        existing: dict[str, str] = {}
        for part in q.chunks([e.reference for e in entries]):
            for row in self.client.suiteql(
                "SELECT id, externalid FROM transaction WHERE type = 'Journal' "
                f"AND externalid IN {q.in_list(part)}"
            ):
                existing[str(row["externalid"])] = str(row["id"])
        todo = [e for e in entries if e.reference not in existing]
        self._load_accounts({line.account for e in todo for line in e.lines})
        outcomes = self.client.each(self._upsert_journal, todo)
        error = first_retryable(outcomes)
        if error is not None:
            raise error
        results = [PushResult(ref, remote) for ref, remote in existing.items()]
        for entry, outcome in zip(todo, outcomes, strict=True):
            if isinstance(outcome, RecordRejected):
                results.append(PushResult(entry.reference, error=outcome.reason))
            else:
                results.append(PushResult(entry.reference, str(outcome)))
        return results

    def _upsert_journal(self, entry: JournalEntry) -> str:
        journal = self.mapping.journal_entries
        lines = []
        for line in entry.lines:
            values: dict[str, Any] = {
                "account": {"id": self._account_id(entry, line.account)},
                "memo": line.label,
            }
            if line.debit:
                values["debit"] = _amount(line.debit)
            if line.credit:
                values["credit"] = _amount(line.credit)
            lines.append(values)
        body: dict[str, Any] = {
            "externalId": entry.reference,
            "tranDate": entry.date.isoformat(),
            "memo": entry.reference,
            "line": {"items": lines},
        }
        subsidiary = journal.subsidiary or self._only_subsidiary()
        if subsidiary:
            body["subsidiary"] = {"id": subsidiary}
        response = self.client.request(
            "PUT",
            f"/record/v1/journalEntry/eid:{entry.reference}",
            json=body,
            params={"replace": "line"},
            key=entry.reference,
        )
        return location_id(response)

    # -- look-ups, cached per connection -------------------------------------------------
    def _only_subsidiary(self) -> str | None:
        """The subsidiary of an account that has one; with several, the mapping must say."""
        if self._subsidiaries is None:
            self._subsidiaries = [
                str(row["id"])
                for row in self.client.suiteql(
                    "SELECT id FROM subsidiary WHERE isinactive = 'F' ORDER BY id"
                )
            ]
        if len(self._subsidiaries) > 1:
            raise ConfigurationError(
                "the NetSuite account has several subsidiaries: set journal_entries.subsidiary "
                "in the NetSuite mapping"
            )
        return self._subsidiaries[0] if self._subsidiaries else None

    def _load_items(self, codes: set[str]) -> None:
        wanted = {self.mapping.items.codes.get(c, c) for c in codes}
        if self.mapping.items.fallback:
            wanted.add(self.mapping.items.fallback)
        missing = sorted(w for w in wanted if w not in self._items)
        for part in q.chunks(missing):
            for row in self.client.suiteql(
                f"SELECT id, itemid FROM item WHERE itemid IN {q.in_list(part)} ORDER BY id"
            ):
                self._items.setdefault(str(row["itemid"]), str(row["id"]))
        for itemid in missing:
            self._items.setdefault(itemid, None)

    def _item_id(self, key: str, code: str) -> str:
        itemid = self.mapping.items.codes.get(code, code)
        if itemid not in self._items:
            self._load_items({code})
        found = self._items.get(itemid)
        if found is None and self.mapping.items.fallback:
            found = self._items.get(self.mapping.items.fallback)
        if found is None:
            raise RecordRejected(
                key, f"item {itemid} is not in NetSuite (map it in items.codes or items.fallback)"
            )
        return found

    def _tax_code(self, key: str, rate: Decimal) -> str:
        if self._tax_codes is None or self._tax_rates is None:
            self._tax_codes, self._tax_rates = {}, {}
            for row in self.client.suiteql(
                "SELECT id, itemid, rate FROM salestaxitem WHERE isinactive = 'F' ORDER BY id"
            ):
                self._tax_codes[str(row["itemid"])] = str(row["id"])
                self._tax_rates.setdefault(q.number(row.get("rate")).normalize(), str(row["id"]))
        percent = format(rate.normalize(), "f")
        mapped = self.mapping.invoices.tax_codes.get(percent)
        if mapped is not None:
            if mapped not in self._tax_codes:
                raise RecordRejected(
                    key, f"tax code {mapped} (invoices.tax_codes) is not in NetSuite"
                )
            return self._tax_codes[mapped]
        found = self._tax_rates.get(rate.normalize())
        if found is None:
            raise RecordRejected(
                key, f"no tax code of {percent} % in NetSuite (map it in invoices.tax_codes)"
            )
        return found

    def _currency_id(self, key: str, code: str) -> str:
        if self._currencies is None:
            self._currencies = {
                str(row["symbol"]).upper(): str(row["id"])
                for row in self.client.suiteql("SELECT id, symbol FROM currency ORDER BY id")
            }
        symbol = self.mapping.currencies.get(code, code).upper()
        if symbol not in self._currencies:
            raise RecordRejected(
                key, f"currency {symbol} is not in NetSuite (map it in currencies)"
            )
        return self._currencies[symbol]

    def _load_accounts(self, codes: set[str]) -> None:
        numbers = sorted(
            {self.mapping.journal_entries.accounts.get(c, c) for c in codes} - set(self._accounts)
        )
        for part in q.chunks(numbers):
            for row in self.client.suiteql(
                f"SELECT id, acctnumber FROM account WHERE acctnumber IN {q.in_list(part)}"
            ):
                self._accounts[str(row["acctnumber"])] = str(row["id"])

    def _account_id(self, entry: JournalEntry, code: str) -> str:
        number = self.mapping.journal_entries.accounts.get(code, code)
        if number not in self._accounts:
            raise RecordRejected(
                entry.reference,
                f"account {number} is not in NetSuite (map it in journal_entries.accounts)",
            )
        return self._accounts[number]


def _payment(row: Mapping[str, Any]) -> tuple[Decimal, str]:
    """What is left to pay on a document and its payment state in Cn285's terms: the
    amount unpaid of an invoice, the amount not applied yet of a credit memo."""
    total = q.number(row.get("foreigntotal"))
    column = (
        "foreignpaymentamountunused" if row.get("type") == "CustCred" else "foreignamountunpaid"
    )
    left = q.number(row.get(column) if row.get(column) is not None else total)
    state = "paid" if left <= 0 else ("partial" if left < total else "not_paid")
    return left.quantize(CENT), state


def _billing_line(record: CustomerRecord) -> dict[str, Any]:
    address: dict[str, Any] = {
        "addr1": record.street or "",
        "zip": record.zip or "",
        "city": record.city or "",
    }
    if record.country:
        address["country"] = {"id": record.country.upper()}
    return {"defaultBilling": True, "label": "Billing", "addressBookAddress": address}


def _customer_record(row: Mapping[str, Any], address: Mapping[str, Any]) -> CustomerRecord:
    def value(data: Mapping[str, Any], name: str) -> str | None:
        raw = data.get(name)
        return str(raw).strip() or None if raw not in (None, "") else None

    person = q.flag(row.get("isperson"))
    name = value(row, "companyname")
    if name is None and person:
        name = " ".join(p for p in (value(row, "firstname"), value(row, "lastname")) if p)
    vat = value(row, "vatregnumber")
    return CustomerRecord(
        code=value(row, "externalid") or value(row, "entityid") or f"NS-{row['id']}",
        name=name or "",
        country=(value(address, "country") or "").upper(),
        vat_number=vat.upper() if vat else None,
        email=value(row, "email"),
        street=value(address, "addr1"),
        zip=value(address, "zip"),
        city=value(address, "city"),
        is_company=not person,
    )

"""Cn285 ⇄ Odoo: items pulled, customers both ways, invoices pushed, payments pulled back.

Every call goes through `OdooClient` (odoorpc); field names come from the mapping, so a
customised Odoo is handled by a mapping file, not by code.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from cn285.connectors.base import (
    RECONCILED_CUSTOMER_FIELDS,
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
from cn285.connectors.odoo.client import OdooClient
from cn285.mappings import odoo as mapping_file
from cn285.mappings.loader import MappingError

ODOO_TIME = "%Y-%m-%d %H:%M:%S"
# Odoo's payment states, by what they mean for an invoice in Cn285
PAYMENT_STATES = {
    "not_paid": "not_paid",
    "partial": "partial",
    "in_payment": "paid",
    "paid": "paid",
    "reversed": "reversed",
    "blocked": "not_paid",
}

CENT = Decimal("0.01")
READ_BATCH = 200  # ids per `search_read` of a reconciliation
PAGE = 500  # records per page when listing every invoice, by id (keyset)
CUSTOMER_MOVES = ["out_invoice", "out_refund"]
MOVE_FIELDS = [
    "ref",
    "move_type",
    "state",
    "partner_id",
    "amount_untaxed",
    "amount_tax",
    "amount_total",
    "amount_residual",
    "payment_state",
]
MOVE_STATES = {"posted": "posted", "draft": "draft", "cancel": "cancelled"}


def _odoo_time(value: str | bool) -> dt.datetime:
    if not value:
        return dt.datetime.min.replace(tzinfo=dt.UTC)
    return dt.datetime.strptime(str(value)[:19], ODOO_TIME).replace(tzinfo=dt.UTC)


@register("odoo")
class OdooConnector(Connector):
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

    def __init__(self, client: OdooClient, mapping: mapping_file.OdooMapping) -> None:
        self.client = client
        self.mapping = mapping
        self._countries: dict[str, int] = {}
        self._country_codes: dict[int, str] = {}
        self._taxes: dict[Decimal, int] = {}
        self._products: dict[str, int] = {}
        self._accounts: dict[str, int] = {}
        self._currencies: dict[str, int] = {}

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> OdooConnector:
        missing = [k for k in ("url", "database", "login", "password") if not config.get(k)]
        if missing:
            raise ConfigurationError(f"connectors.odoo.{missing[0]} is required")
        try:
            mapping = mapping_file.load(Path(config["mapping"]) if config.get("mapping") else None)
        except MappingError as exc:
            raise ConfigurationError(str(exc)) from None
        client = OdooClient(
            config["url"],
            config["database"],
            config["login"],
            config["password"],
            float(config.get("timeout", 60)),
        )
        return cls(client, mapping)

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
        items = self.mapping.items
        domain: list[Any] = [list(term) for term in items.domain]
        if since is not None:
            domain.append(["write_date", ">=", since.strftime(ODOO_TIME)])
        rows = self.client.call(
            items.model,
            "search_read",
            domain,
            fields=[items.code, "name", "active", "write_date", "taxes_id"],
            order="write_date asc, id asc",
            context={"active_test": False},
        )
        rates = self._tax_rates()
        for row in rows:
            code = row.get(items.code) or f"ODOO-{row['id']}"
            category = "standard"
            for tax_id in row.get("taxes_id") or []:
                rate = rates.get(tax_id)
                if rate is not None:
                    category = items.tax_categories.get(_percent(rate), category)
            yield RemoteItem(
                str(row["id"]),
                str(code),
                row["name"],
                _odoo_time(row["write_date"]),
                bool(row.get("active", True)),
                category,
            )

    # -- customers -----------------------------------------------------------------------
    def _customer_fields(self) -> dict[str, str]:
        return {k: v.odoo for k, v in self.mapping.customers.fields.items()}

    def pull_customers(self, since: dt.datetime | None) -> Iterator[RemoteCustomer]:
        customers = self.mapping.customers
        fields = self._customer_fields()
        domain: list[Any] = [list(term) for term in customers.domain]
        if since is not None:
            domain.append(["write_date", ">=", since.strftime(ODOO_TIME)])
        rows = self.client.call(
            customers.model,
            "search_read",
            domain,
            fields=[*fields.values(), "write_date"],
            order="write_date asc, id asc",
        )
        for row in rows:
            yield RemoteCustomer(
                str(row["id"]), self._from_partner(row, fields), _odoo_time(row["write_date"])
            )

    def _from_partner(self, row: Mapping[str, Any], fields: dict[str, str]) -> CustomerRecord:
        transforms = {k: v.transform for k, v in self.mapping.customers.fields.items()}

        def value(name: str) -> str | None:
            raw = row.get(fields[name]) if name in fields else None
            if raw is False or raw is None or raw == "":
                return None
            if isinstance(raw, list):  # many2one [id, name]
                raw = raw[0]
            text = str(raw)
            transform = transforms.get(name, "none")
            return {
                "strip": text.strip(),
                "upper": text.strip().upper(),
                "lower": text.strip().lower(),
            }.get(transform, text)

        country = row.get(fields.get("country", ""))
        country_code = self._country_code(country[0]) if isinstance(country, list) else None
        return CustomerRecord(
            code=value("code") or f"ODOO-{row['id']}",
            name=value("name") or "",
            country=country_code or "",
            vat_number=value("vat_number"),
            email=value("email"),
            street=value("street"),
            zip=value("zip"),
            city=value("city"),
            is_company=bool(row.get(fields["is_company"], True))
            if "is_company" in fields
            else True,
        )

    def get_customer(self, remote_id: str) -> RemoteCustomer | None:
        fields = self._customer_fields()
        rows = self.client.call(
            self.mapping.customers.model,
            "read",
            [int(remote_id)],
            fields=[*fields.values(), "write_date"],
        )
        if not rows:
            return None
        return RemoteCustomer(
            remote_id, self._from_partner(rows[0], fields), _odoo_time(rows[0]["write_date"])
        )

    def find_customer(self, record: CustomerRecord) -> str | None:
        fields = self._customer_fields()
        model = self.mapping.customers.model
        for field, value in (("code", record.code), ("vat_number", record.vat_number)):
            if value and field in fields:
                ids = self.client.call(
                    model,
                    "search",
                    [[fields[field], "=", value]],
                    limit=1,
                    context={"active_test": False},
                )
                if ids:
                    return str(ids[0])
        return None

    def find_customers(self, records: Sequence[CustomerRecord]) -> dict[str, str]:
        """Two searches for a whole batch: by reference, then by VAT number."""
        fields = self._customer_fields()
        model = self.mapping.customers.model
        found: dict[str, str] = {}
        if "code" in fields:
            codes = [r.code for r in records]
            for row in self.client.call(
                model,
                "search_read",
                [[fields["code"], "in", codes]],
                fields=[fields["code"]],
                order="id asc",
                context={"active_test": False},
            ):
                found.setdefault(str(row[fields["code"]]), str(row["id"]))
        vats = {r.vat_number: r.code for r in records if r.vat_number and r.code not in found}
        if vats and "vat_number" in fields:
            for row in self.client.call(
                model,
                "search_read",
                [[fields["vat_number"], "in", list(vats)]],
                fields=[fields["vat_number"]],
                order="id asc",
                context={"active_test": False},
            ):
                code = vats.get(str(row[fields["vat_number"]]).upper())
                if code is not None:
                    found.setdefault(code, str(row["id"]))
        return found

    def create_customers(self, records: Sequence[CustomerRecord]) -> list[PushResult]:
        """One `create` for the batch; refused as a whole, then record by record."""
        values = []
        results: list[PushResult] = []
        for record in records:
            try:
                values.append((record, self._partner_values(record, None)))
            except RecordRejected as exc:
                results.append(PushResult(record.code, error=exc.reason))
        if not values:
            return results
        model = self.mapping.customers.model
        try:
            ids = self.client.call(model, "create", [v for _, v in values], key="batch")
            return results + [
                PushResult(r.code, str(i)) for (r, _), i in zip(values, ids, strict=True)
            ]
        except RecordRejected:
            for record, vals in values:
                try:
                    results.append(
                        PushResult(
                            record.code,
                            str(self.client.call(model, "create", vals, key=record.code)),
                        )
                    )
                except RecordRejected as exc:
                    results.append(PushResult(record.code, error=exc.reason))
            return results

    def _partner_values(self, record: CustomerRecord, fields: Sequence[str] | None) -> dict:
        mapped = self._customer_fields()
        wanted = set(fields) if fields is not None else set(mapped)
        values: dict[str, Any] = dict(self.mapping.customers.constants)
        for name in ("code", "name", "email", "vat_number", "street", "zip", "city"):
            if name in mapped and name in wanted:
                values[mapped[name]] = getattr(record, name) or False
        if "is_company" in mapped and "is_company" in wanted:
            values[mapped["is_company"]] = record.is_company
        if "country" in mapped and "country" in wanted:
            values[mapped["country"]] = self._country_id(record.country)
        if fields is None:
            values.setdefault("customer_rank", 1)
        return values

    def push_customer(
        self, record: CustomerRecord, remote_id: str | None, fields: Sequence[str] | None = None
    ) -> str:
        model = self.mapping.customers.model
        if remote_id is None:
            values = self._partner_values(record, None)
            return str(self.client.call(model, "create", values, key=record.code))
        values = self._partner_values(record, fields)
        self.client.call(model, "write", [int(remote_id)], values, key=record.code)
        return remote_id

    # -- invoices ------------------------------------------------------------------------
    def find_invoices(self, numbers: Sequence[str]) -> dict[str, str]:
        if not numbers:
            return {}
        rows = self.client.call(
            "account.move",
            "search_read",
            [
                ["ref", "in", list(numbers)],
                ["move_type", "in", ["out_invoice", "out_refund"]],
                ["state", "!=", "cancel"],
            ],
            fields=["ref", "state"],
            order="id asc",
        )
        drafts = [row["id"] for row in rows if row["state"] == "draft"]
        if drafts:  # created by an attempt that stopped before posting
            self.client.call("account.move", "action_post", drafts, key="recovered")
        found: dict[str, str] = {}
        for row in rows:
            found.setdefault(row["ref"], str(row["id"]))
        return found

    def push_invoices(self, records: Sequence[InvoiceRecord]) -> list[PushResult]:
        """Batch create then post; a batch refused as a whole is retried record by record
        so that only the records at fault go to the dead letters."""
        values = []
        results: list[PushResult] = []
        for record in records:
            try:
                values.append((record, self._move_values(record)))
            except RecordRejected as exc:
                results.append(PushResult(record.number, error=exc.reason))
        if not values:
            return results
        try:
            ids = self.client.call("account.move", "create", [v for _, v in values], key="batch")
            self.client.call("account.move", "action_post", ids, key="batch")
            created = list(zip((r for r, _ in values), ids, strict=True))
        except RecordRejected:
            created = []
            for record, vals in values:
                try:
                    move_id = self.client.call("account.move", "create", vals, key=record.number)
                    self.client.call("account.move", "action_post", [move_id], key=record.number)
                    created.append((record, move_id))
                except RecordRejected as exc:
                    results.append(PushResult(record.number, error=exc.reason))
        totals = {
            row["id"]: row
            for row in self.client.call(
                "account.move",
                "read",
                [move_id for _, move_id in created],
                fields=["amount_untaxed", "amount_tax", "amount_total"],
            )
        }
        for record, move_id in created:
            row = totals[move_id]
            got = Decimal(str(row["amount_total"])).quantize(Decimal("0.01"))
            if got != abs(record.total):
                results.append(
                    PushResult(
                        record.number,
                        str(move_id),
                        error=f"Odoo total {got} differs from {record.total}",
                    )
                )
            else:
                results.append(PushResult(record.number, str(move_id)))
        return results

    def _move_values(self, record: InvoiceRecord) -> dict[str, Any]:
        refund = record.kind == "credit_note"
        sign = Decimal(-1) if refund else Decimal(1)
        lines = []
        for line in record.lines:
            values: dict[str, Any] = {
                "name": line.description,
                "quantity": 1,  # the amount is ours to the cent; the quantity is in the text
                "price_unit": float(line.amount * sign),
                "tax_ids": [[6, 0, [self._tax_id(line.tax_rate)]]]
                if line.tax_rate
                else [[6, 0, []]],
            }
            product = self._product_id(line.item_code)
            if product:
                values["product_id"] = product
            account = self.mapping.invoices.income_accounts.get(line.item_code)
            if account:
                values["account_id"] = self._account_id(account)
            lines.append([0, 0, values])
        return {
            **self.mapping.invoices.constants,
            "currency_id": self._currency_id(record.currency),
            "move_type": "out_refund" if refund else "out_invoice",
            "partner_id": int(record.customer_remote_id),
            "invoice_date": record.date.isoformat(),
            "ref": record.number,
            "invoice_line_ids": lines,
        }

    # -- journal entries ---------------------------------------------------------------
    def push_journal_entries(self, entries: Sequence[JournalEntry]) -> list[PushResult]:
        """`account.move` of type entry in the miscellaneous journal, posted; an entry
        already in Odoo (same reference) is not created again."""
        if not entries:
            return []
        existing = {
            row["ref"]: str(row["id"])
            for row in self.client.call(
                "account.move",
                "search_read",
                [["ref", "in", [e.reference for e in entries]], ["move_type", "=", "entry"]],
                fields=["ref"],
            )
        }
        journal = self._journal_id("general")
        results = []
        for entry in entries:
            if entry.reference in existing:
                results.append(PushResult(entry.reference, existing[entry.reference]))
                continue
            try:
                lines = [
                    [
                        0,
                        0,
                        {
                            "account_id": self._account_id(line.account),
                            "name": line.label,
                            "debit": float(line.debit),
                            "credit": float(line.credit),
                        },
                    ]
                    for line in entry.lines
                ]
                move = self.client.call(
                    "account.move",
                    "create",
                    {
                        "move_type": "entry",
                        "journal_id": journal,
                        "ref": entry.reference,
                        "date": entry.date.isoformat(),
                        "line_ids": lines,
                    },
                    key=entry.reference,
                )
                self.client.call("account.move", "action_post", [move], key=entry.reference)
                results.append(PushResult(entry.reference, str(move)))
            except RecordRejected as exc:
                results.append(PushResult(entry.reference, error=exc.reason))
        return results

    def _journal_id(self, kind: str) -> int:
        ids = self.client.call("account.journal", "search", [["type", "=", kind]], limit=1)
        if not ids:
            raise RecordRejected(kind, f"no {kind} journal in Odoo")
        return ids[0]

    # -- payments ------------------------------------------------------------------------
    def pull_payments(self, remote_ids: Sequence[str]) -> list[PaymentStatus]:
        rows = self.client.call(
            "account.move",
            "read",
            [int(i) for i in remote_ids],
            fields=["amount_residual", "payment_state"],
        )
        return [
            PaymentStatus(
                str(row["id"]),
                Decimal(str(row["amount_residual"])).quantize(Decimal("0.01")),
                PAYMENT_STATES.get(row["payment_state"], "not_paid"),
            )
            for row in rows
        ]

    # -- reads for reconciliation -----------------------------------------------------
    @property
    def customer_fields(self) -> tuple[str, ...]:
        mapped = self._customer_fields()
        return tuple(f for f in RECONCILED_CUSTOMER_FIELDS if f in mapped)

    def fetch_invoices(self, remote_ids: Sequence[str]) -> list[RemoteInvoice]:
        """`search_read` on the ids rather than `read`, which fails on a deleted one."""
        ids = [int(i) for i in remote_ids if str(i).isdigit()]
        found: list[RemoteInvoice] = []
        for start in range(0, len(ids), READ_BATCH):
            part = ids[start : start + READ_BATCH]
            found += self._moves([["id", "in", part], ["move_type", "in", CUSTOMER_MOVES]])
        return found

    def lookup_invoices(self, numbers: Sequence[str]) -> list[RemoteInvoice]:
        found: list[RemoteInvoice] = []
        for start in range(0, len(numbers), READ_BATCH):
            part = list(numbers[start : start + READ_BATCH])
            found += self._moves(
                [
                    ["ref", "in", part],
                    ["move_type", "in", CUSTOMER_MOVES],
                    ["state", "!=", "cancel"],
                ]
            )
        return found

    def list_invoices(
        self, prefixes: Sequence[str], after: str | None = None
    ) -> Iterator[RemoteInvoice]:
        """Page after page by `id > last` (keyset): no row skipped or read twice when moves
        are created meanwhile, and each page costs the same."""
        if not prefixes:
            return
        domain: list[Any] = ["|"] * (len(prefixes) - 1)
        domain += [["ref", "=like", _like_prefix(p)] for p in prefixes]
        domain += [["move_type", "in", CUSTOMER_MOVES], ["state", "!=", "cancel"]]
        last = int(after) if after else 0
        while True:
            page = self._moves([*domain, ["id", ">", last]], limit=PAGE)
            yield from page
            if len(page) < PAGE:
                return
            last = int(page[-1].remote_id)

    def _moves(self, domain: list[Any], limit: int | None = None) -> list[RemoteInvoice]:
        options: dict[str, Any] = {"fields": MOVE_FIELDS, "order": "id asc"}
        if limit:
            options["limit"] = limit
        rows = self.client.call("account.move", "search_read", domain, **options)
        return [_remote_invoice(row) for row in rows]

    def fetch_customers(self, remote_ids: Sequence[str]) -> list[RemoteCustomer]:
        fields = self._customer_fields()
        ids = [int(i) for i in remote_ids if str(i).isdigit()]
        found: list[RemoteCustomer] = []
        for start in range(0, len(ids), READ_BATCH):
            rows = self.client.call(
                self.mapping.customers.model,
                "search_read",
                [["id", "in", ids[start : start + READ_BATCH]]],
                fields=[*fields.values(), "write_date"],
                order="id asc",
                context={"active_test": False},  # archived: still there, still compared
            )
            found += [
                RemoteCustomer(
                    str(row["id"]), self._from_partner(row, fields), _odoo_time(row["write_date"])
                )
                for row in rows
            ]
        return found

    # -- look-ups, cached per connection -------------------------------------------------
    def _country_id(self, code: str) -> int | bool:
        if not code:
            return False
        if code not in self._countries:
            odoo_code = self.mapping.countries.get(code.upper(), code.upper())
            ids = self.client.call("res.country", "search", [["code", "=", odoo_code]], limit=1)
            if not ids:
                raise RecordRejected(code, f"country {code} is not in Odoo")
            self._countries[code] = ids[0]
            self._country_codes[ids[0]] = code.upper()
        return self._countries[code]

    def _country_code(self, country_id: int) -> str | None:
        if country_id not in self._country_codes:
            rows = self.client.call("res.country", "read", [country_id], fields=["code"])
            if not rows:
                return None
            self._country_codes[country_id] = rows[0]["code"]
        return self._country_codes[country_id]

    def _tax_rates(self) -> dict[int, Decimal]:
        if not self._taxes:
            rows = self.client.call(
                "account.tax",
                "search_read",
                [["type_tax_use", "=", "sale"], ["amount_type", "=", "percent"]],
                fields=["amount", "name"],
                order="id asc",
            )
            for row in rows:
                self._taxes.setdefault(Decimal(str(row["amount"])).normalize(), row["id"])
        return {tax_id: rate for rate, tax_id in self._taxes.items()}

    def _tax_id(self, rate: Decimal) -> int:
        self._tax_rates()
        wanted = self.mapping.invoices.taxes.get(_percent(rate))
        if wanted is not None:
            ids = self.client.call("account.tax", "search", [["name", "=", wanted]], limit=1)
            if ids:
                return ids[0]
        tax_id = self._taxes.get(rate.normalize())
        if tax_id is None:
            raise RecordRejected(
                str(rate), f"no sale tax of {rate} % in Odoo (map it in invoices.taxes)"
            )
        return tax_id

    def _currency_id(self, code: str) -> int:
        name = self.mapping.currencies.get(code, code)
        if name not in self._currencies:
            ids = self.client.call(
                "res.currency",
                "search",
                [["name", "=", name]],
                limit=1,
                context={"active_test": False},
            )
            if not ids:
                raise RecordRejected(code, f"currency {name} is not in Odoo (map it in currencies)")
            self._currencies[name] = ids[0]
        return self._currencies[name]

    def _account_id(self, code: str) -> int:
        if code not in self._accounts:
            ids = self.client.call("account.account", "search", [["code", "=", code]], limit=1)
            if not ids:
                raise RecordRejected(
                    code, f"income account {code} is not in Odoo (invoices.income_accounts)"
                )
            self._accounts[code] = ids[0]
        return self._accounts[code]

    def _product_id(self, code: str) -> int | None:
        if code not in self._products:
            items = self.mapping.items
            ids = self.client.call(
                items.model,
                "search",
                [[items.code, "=", code]],
                limit=1,
                context={"active_test": False},
            )
            self._products[code] = ids[0] if ids else 0
        return self._products[code] or None


def _like_prefix(prefix: str) -> str:
    """A `=like` pattern matching what starts with `prefix` (its wildcards escaped)."""
    for char in ("\\", "%", "_"):
        prefix = prefix.replace(char, "\\" + char)
    return prefix + "%"


def _money(value: Any) -> Decimal:
    """An Odoo monetary value (a JSON float) as the exact amount to the cent."""
    return Decimal(str(value or 0)).quantize(CENT)


def _remote_invoice(row: Mapping[str, Any]) -> RemoteInvoice:
    partner = row.get("partner_id")
    return RemoteInvoice(
        remote_id=str(row["id"]),
        number=row.get("ref") or None,
        kind="credit_note" if row["move_type"] == "out_refund" else "invoice",
        total_excl_tax=_money(row.get("amount_untaxed")),
        tax=_money(row.get("amount_tax")),
        total=_money(row.get("amount_total")),
        residual=_money(row.get("amount_residual")),
        payment_state=PAYMENT_STATES.get(row.get("payment_state") or "", "not_paid"),
        customer_remote_id=str(partner[0]) if isinstance(partner, list) and partner else None,
        state=MOVE_STATES.get(row.get("state") or "", str(row.get("state"))),
    )


def _percent(rate: Decimal) -> str:
    text = format(rate.normalize(), "f")
    return text

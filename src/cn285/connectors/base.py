"""The interface every ERP connector implements, its capabilities and the registry.

The sync engine (`cn285.hub.sync`) drives connectors through this interface only: it keeps
bindings, cursors, the outbox, the run ledger and the dead letters; a connector only
translates between these records and its ERP's API.
"""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any, ClassVar

from cn285.billing_core.journal import JournalEntry, JournalLine
from cn285.connectors.errors import ConfigurationError, RecordRejected

__all__ = ["JournalEntry", "JournalLine"]  # re-exported: connectors push them as they are


#: customer fields compared by a reconciliation, when the connector exchanges them all
RECONCILED_CUSTOMER_FIELDS = ("name", "country", "vat_number", "email", "street", "zip", "city")


class Capability(StrEnum):
    PULL_ITEMS = "pull_items"
    PULL_CUSTOMERS = "pull_customers"
    PUSH_CUSTOMERS = "push_customers"
    PUSH_INVOICES = "push_invoices"
    PULL_PAYMENTS = "pull_payments"
    PUSH_JOURNAL_ENTRIES = "push_journal_entries"


@dataclass(frozen=True)
class RemoteItem:
    remote_id: str
    code: str
    name: str
    modified_at: dt.datetime
    active: bool = True
    tax_category: str = "standard"


@dataclass(frozen=True)
class CustomerRecord:
    """A customer as exchanged with an ERP; `fields` use Cn285's names."""

    code: str
    name: str
    country: str
    vat_number: str | None = None
    email: str | None = None
    street: str | None = None
    zip: str | None = None
    city: str | None = None
    is_company: bool = True


@dataclass(frozen=True)
class RemoteCustomer:
    remote_id: str
    record: CustomerRecord
    modified_at: dt.datetime


@dataclass(frozen=True)
class InvoiceLineRecord:
    description: str
    item_code: str
    quantity: Decimal
    amount: Decimal  # excluding tax, rounded
    tax_rate: Decimal
    tax: Decimal


@dataclass(frozen=True)
class InvoiceRecord:
    """An issued invoice or credit note, as pushed (amounts exact to the cent)."""

    number: str
    kind: str  # invoice | credit_note
    customer_remote_id: str
    date: dt.date
    currency: str
    lines: tuple[InvoiceLineRecord, ...]
    total_excl_tax: Decimal
    tax: Decimal
    total: Decimal


@dataclass(frozen=True)
class PaymentStatus:
    remote_id: str
    amount_residual: Decimal
    state: str  # not_paid | partial | paid | reversed


@dataclass(frozen=True)
class RemoteInvoice:
    """An invoice or credit memo as the ERP holds it now, read back to reconcile.

    Amounts are the document's, positive for both kinds (as ERPs show them); `payment_state`
    is in Cn285's terms (see `PaymentStatus.state`)."""

    remote_id: str
    number: str | None  # our number, from the reference / external id
    kind: str  # invoice | credit_note
    total_excl_tax: Decimal
    tax: Decimal
    total: Decimal
    residual: Decimal
    payment_state: str
    customer_remote_id: str | None
    state: str = "posted"  # posted | draft | cancelled


@dataclass(frozen=True)
class PushResult:
    """The outcome for one record of a batch: a remote id, or the ERP's refusal."""

    key: str
    remote_id: str | None = None
    error: str | None = None


class Connector:
    """An ERP adapter. Subclasses declare `name` and `capabilities` and implement those."""

    name: ClassVar[str]
    capabilities: ClassVar[frozenset[Capability]] = frozenset()
    #: records handed to one push call: the engine's unit of look-up, write and commit.
    #: Larger batches spread a connector's per-batch queries over more records.
    invoice_batch: ClassVar[int] = 100
    customer_batch: ClassVar[int] = 200

    @property
    def ownership(self) -> Mapping[str, str]:
        """Which side owns each customer field (`erp` or `cn285`), from the mapping;
        fields absent here go to the side modified last."""
        return {}

    def pull_items(self, since: dt.datetime | None) -> Iterator[RemoteItem]:
        raise NotImplementedError

    def pull_customers(self, since: dt.datetime | None) -> Iterator[RemoteCustomer]:
        raise NotImplementedError

    def get_customer(self, remote_id: str) -> RemoteCustomer | None:
        """One customer as the ERP has it now."""
        raise NotImplementedError

    def find_customer(self, record: CustomerRecord) -> str | None:
        """The remote id of the customer `record` matches (by reference, then VAT)."""
        raise NotImplementedError

    def push_customer(
        self, record: CustomerRecord, remote_id: str | None, fields: Sequence[str] | None = None
    ) -> str:
        """Create the customer (`remote_id` None) or write `fields` of it (None: all)."""
        raise NotImplementedError

    def find_customers(self, records: Sequence[CustomerRecord]) -> dict[str, str]:
        """Remote ids of the customers `records` match, by code (batch of `find_customer`)."""
        found = {}
        for record in records:
            remote_id = self.find_customer(record)
            if remote_id is not None:
                found[record.code] = remote_id
        return found

    def create_customers(self, records: Sequence[CustomerRecord]) -> list[PushResult]:
        """Create customers in one go where the ERP allows it (keys are the codes)."""
        results = []
        for record in records:
            try:
                results.append(PushResult(record.code, self.push_customer(record, None)))
            except RecordRejected as exc:
                results.append(PushResult(record.code, error=exc.reason))
        return results

    def push_invoices(self, records: Sequence[InvoiceRecord]) -> list[PushResult]:
        raise NotImplementedError

    def find_invoices(self, numbers: Sequence[str]) -> dict[str, str]:
        """Remote ids of invoices already in the ERP, by our number. An invoice an
        interrupted attempt left incomplete (created, not posted) is completed here."""
        raise NotImplementedError

    def pull_payments(self, remote_ids: Sequence[str]) -> list[PaymentStatus]:
        raise NotImplementedError

    # -- reads for reconciliation (no side effect on the ERP) -----------------------------
    @property
    def customer_fields(self) -> tuple[str, ...]:
        """The Cn285 customer fields this connector exchanges: what a reconciliation
        compares (a field the mapping leaves out would always look different)."""
        return RECONCILED_CUSTOMER_FIELDS

    def fetch_invoices(self, remote_ids: Sequence[str]) -> list[RemoteInvoice]:
        """The invoices and credit notes of `remote_ids` that still exist (cancelled ones
        too, with their state), in a few batched reads."""
        raise NotImplementedError

    def lookup_invoices(self, numbers: Sequence[str]) -> list[RemoteInvoice]:
        """The documents carrying our `numbers`, cancelled ones left out. Unlike
        `find_invoices`, it only reads."""
        raise NotImplementedError

    def list_invoices(
        self, prefixes: Sequence[str], after: str | None = None
    ) -> Iterator[RemoteInvoice]:
        """Every invoice and credit note whose reference starts with one of `prefixes`
        (our numbering series), cancelled ones left out, streamed page by page in remote id
        order; `after` resumes the stream after that document (once a failure broke it)."""
        raise NotImplementedError

    def fetch_customers(self, remote_ids: Sequence[str]) -> list[RemoteCustomer]:
        """The customers of `remote_ids` that still exist, in a few batched reads."""
        raise NotImplementedError

    def push_journal_entries(self, entries: Sequence[JournalEntry]) -> list[PushResult]:
        """Create and post entries not in the ERP yet (looked up by reference first)."""
        raise NotImplementedError

    def close(self) -> None:
        """Release connections."""


Factory = Callable[[Mapping[str, Any]], Connector]
REGISTRY: dict[str, Factory] = {}


def register(name: str) -> Callable[[type[Connector]], type[Connector]]:
    """Class decorator: make a connector available under `name` (no if/else on names)."""

    def deco(cls: type[Connector]) -> type[Connector]:
        cls.name = name
        REGISTRY[name] = cls.from_config  # type: ignore[attr-defined]
        return cls

    return deco


def connector_for(name: str, config: Mapping[str, Any]) -> Connector:
    """The connector registered as `name`, configured by `config`."""
    _load_builtin()
    try:
        factory = REGISTRY[name]
    except KeyError:
        known = ", ".join(sorted(REGISTRY)) or "none"
        raise ConfigurationError(f"unknown connector {name!r} (known: {known})") from None
    return factory(config)


def _load_builtin() -> None:
    """Import the connectors shipped with Cn285 so that they register themselves."""
    for module in ("cn285.connectors.odoo", "cn285.connectors.netsuite"):
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name != module:
                raise

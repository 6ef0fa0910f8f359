"""The hub's tables (SQLModel). Money and quantities are exact text, instants are UTC.

Rows hold the same facts as a billing scenario (FORMAT.md): the store can always be turned
back into a `Book` that the engine bills, which is how a billing run works.
"""

from __future__ import annotations

import datetime as dt
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Column, Float, Index, LargeBinary, Unicode, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from cn285.hub.store.types import DecimalText, JSONText, UTCDateTime, now


class Customer(SQLModel, table=True):
    __tablename__ = "customer"
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=64, unique=True, index=True)
    name: str = Field(max_length=255)
    country: str = Field(max_length=2)
    vat_number: str | None = Field(default=None, max_length=32)
    group_invoices: bool = False
    email: str | None = Field(default=None, max_length=255)
    street: str | None = Field(default=None, max_length=255)
    zip: str | None = Field(default=None, max_length=32)
    city: str | None = Field(default=None, max_length=128)
    is_company: bool = Field(default=True, sa_column_kwargs={"server_default": "1"})
    created_at: datetime = Field(default_factory=now, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=now, sa_type=UTCDateTime, index=True)


class Item(SQLModel, table=True):
    __tablename__ = "item"
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=64, unique=True, index=True)
    name: str = Field(max_length=255)
    tax_category: str = Field(default="standard", max_length=32)
    active: bool = True
    updated_at: datetime = Field(default_factory=now, sa_type=UTCDateTime, index=True)


class PriceList(SQLModel, table=True):
    __tablename__ = "price_list"
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=64, unique=True, index=True)
    currency: str = Field(max_length=3)


class Price(SQLModel, table=True):
    """The pricing model of an item in a price list, as declared (`{model: ..., ...}`)."""

    __tablename__ = "price"
    __table_args__ = (UniqueConstraint("price_list_code", "item_code"),)
    id: int | None = Field(default=None, primary_key=True)
    price_list_code: str = Field(foreign_key="price_list.code", max_length=64, index=True)
    item_code: str = Field(foreign_key="item.code", max_length=64)
    spec: dict[str, Any] = Field(sa_type=JSONText)


class Contract(SQLModel, table=True):
    __tablename__ = "contract"
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=64, unique=True, index=True)
    customer_code: str = Field(foreign_key="customer.code", max_length=64, index=True)
    price_list_code: str = Field(foreign_key="price_list.code", max_length=64)
    timezone: str | None = Field(default=None, max_length=64)
    created_at: datetime = Field(default_factory=now, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=now, sa_type=UTCDateTime)
    #: the last date a billing run billed this contract up to (changes must come after it)
    billed_until: dt.date | None = None
    #: the next date something may be due; a run only recomputes contracts due by its date
    next_due: dt.date | None = Field(default=None, index=True)
    #: bumped by every change to what bills the contract (actions, usage): a billing run
    #: computed outside its write transaction checks it has not moved before storing
    version: int = Field(default=0, sa_column_kwargs={"server_default": "0"})


class ContractLine(SQLModel, table=True):
    __tablename__ = "contract_line"
    __table_args__ = (UniqueConstraint("contract_code", "code"),)
    id: int | None = Field(default=None, primary_key=True)
    contract_code: str = Field(foreign_key="contract.code", max_length=64, index=True)
    code: str = Field(max_length=64)
    item_code: str = Field(foreign_key="item.code", max_length=64)
    kind: str = Field(max_length=16)
    quantity: Decimal = Field(default=Decimal(1), sa_type=DecimalText)
    start: dt.date
    end: dt.date | None = None
    period: str = Field(default="month", max_length=16)
    billing_period: str | None = Field(default=None, max_length=16)
    timing: str = Field(default="advance", max_length=16)
    alignment: str = Field(default="calendar", max_length=16)
    prorate: bool = True
    aggregation: str = Field(default="sum", max_length=64)
    threshold_quantity: Decimal | None = Field(default=None, sa_type=DecimalText)
    threshold_amount: Decimal | None = Field(default=None, sa_type=DecimalText)
    trigger: str | None = Field(default=None, max_length=32)
    of: str | None = Field(default=None, max_length=64)

    @property
    def ref(self) -> str:
        return f"{self.contract_code}/{self.code}"


class ContractAction(SQLModel, table=True):
    """A contract change, as declared: `kind`, `on` and its own fields in `data`.

    `contract_code` is the contract addressed, or the contract of the line addressed
    (`line_ref`), so that a contract's changes are found in one look-up.
    """

    __tablename__ = "contract_action"
    #: termination notices look up terminations by kind and day
    __table_args__ = (Index("ix_contract_action_kind_on", "kind", "on"),)
    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=32)
    on: dt.date | None = None
    contract_code: str | None = Field(default=None, max_length=64, index=True)
    line_ref: str | None = Field(default=None, max_length=130, index=True)
    data: dict[str, Any] = Field(default_factory=dict, sa_type=JSONText)
    created_at: datetime = Field(default_factory=now, sa_type=UTCDateTime)
    actor: str = Field(default="system", max_length=64)


class UsageRecord(SQLModel, table=True):
    __tablename__ = "usage_record"
    __table_args__ = (UniqueConstraint("line_ref", "client_id"),)
    id: int | None = Field(default=None, primary_key=True)
    line_ref: str = Field(max_length=130)
    client_id: str = Field(max_length=128)  # the sender's id: a retry is ignored, not doubled
    at: datetime = Field(sa_type=UTCDateTime)
    end: datetime | None = Field(default=None, sa_type=UTCDateTime)
    quantity: Decimal | None = Field(default=None, sa_type=DecimalText)
    properties: dict[str, Any] | None = Field(default=None, sa_type=JSONText)
    received_at: datetime = Field(default_factory=now, sa_type=UTCDateTime)


#: the key prefix of historical invoices: imported, issued by the system Cn285 replaced
IMPORTED_KEY_PREFIX = "import|"


class Invoice(SQLModel, table=True):
    """An invoice or credit note. Immutable once issued (numbered); corrections are credits."""

    __tablename__ = "invoice"
    # the invoices a run stored but has not numbered yet, in the order they are numbered
    __table_args__ = (
        Index(
            "ix_invoice_pending",
            "date",
            "customer_code",
            "contract_code",
            "id",
            sqlite_where=text("number IS NULL"),
            postgresql_where=text("number IS NULL"),
        ),
    )
    id: int | None = Field(default=None, primary_key=True)
    #: customer|contract|date|currency: what makes a billing run idempotent
    key: str = Field(max_length=200, unique=True)
    number: str | None = Field(default=None, max_length=32, unique=True)
    kind: str = Field(max_length=16)
    customer_code: str = Field(max_length=64, index=True)
    contract_code: str | None = Field(default=None, max_length=64, index=True)
    date: dt.date = Field(index=True)
    currency: str = Field(max_length=3)
    tax_regime: str = Field(max_length=32)
    note: str | None = None
    total_excl_tax: Decimal = Field(sa_type=DecimalText)
    tax: Decimal = Field(sa_type=DecimalText)
    total: Decimal = Field(sa_type=DecimalText)
    amount_paid: Decimal = Field(default=Decimal(0), sa_type=DecimalText)
    payment_status: str = Field(default="not_paid", max_length=16)
    run_id: int | None = Field(default=None, foreign_key="billing_run.id")
    created_at: datetime = Field(default_factory=now, sa_type=UTCDateTime)
    issued_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class InvoiceLine(SQLModel, table=True):
    __tablename__ = "invoice_line"
    id: int | None = Field(default=None, primary_key=True)
    invoice_id: int = Field(foreign_key="invoice.id", index=True)
    position: int
    line_ref: str = Field(max_length=130, index=True)
    contract_code: str = Field(max_length=64)
    item_code: str = Field(max_length=64)
    description: str
    kind: str = Field(max_length=16)
    start: dt.date
    end: dt.date
    quantity: Decimal | None = Field(default=None, sa_type=DecimalText)
    unit_price: Decimal | None = Field(default=None, sa_type=DecimalText)
    amount: Decimal = Field(sa_type=DecimalText)
    tax_rate: Decimal = Field(sa_type=DecimalText)
    tax: Decimal = Field(sa_type=DecimalText)
    adjustment: bool = False


class Payment(SQLModel, table=True):
    __tablename__ = "payment"
    id: int | None = Field(default=None, primary_key=True)
    invoice_id: int = Field(foreign_key="invoice.id", index=True)
    date: dt.date
    amount: Decimal = Field(sa_type=DecimalText)
    reference: str | None = Field(default=None, max_length=128)
    source: str = Field(default="manual", max_length=32)
    created_at: datetime = Field(default_factory=now, sa_type=UTCDateTime)


class InvoiceSequence(SQLModel, table=True):
    """The next number of each series: advanced in the transaction that issues."""

    __tablename__ = "invoice_sequence"
    series: str = Field(primary_key=True, max_length=16)
    next_number: int = 1


class BillingRun(SQLModel, table=True):
    __tablename__ = "billing_run"
    id: int | None = Field(default=None, primary_key=True)
    until: dt.date
    status: str = Field(default="running", max_length=16)
    started_at: datetime = Field(default_factory=now, sa_type=UTCDateTime)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    contracts: int = 0
    invoices_issued: int = 0
    credit_notes_issued: int = 0
    errors: list[str] = Field(default_factory=list, sa_type=JSONText)
    actor: str = Field(default="system", max_length=64)


class ApiKey(SQLModel, table=True):
    __tablename__ = "api_key"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=64, unique=True)
    prefix: str = Field(max_length=16, index=True)
    hash: str = Field(max_length=128)  # sha256 of the key; the key itself is never stored
    read_only: bool = False
    created_at: datetime = Field(default_factory=now, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class AuditRecord(SQLModel, table=True):
    __tablename__ = "audit_record"
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=now, sa_type=UTCDateTime, index=True)
    actor: str = Field(max_length=64)
    action: str = Field(max_length=64)
    entity: str = Field(max_length=32, index=True)
    entity_key: str = Field(max_length=130, index=True)
    before: dict[str, Any] | None = Field(default=None, sa_type=JSONText)
    after: dict[str, Any] | None = Field(default=None, sa_type=JSONText)


class Setting(SQLModel, table=True):
    """Company-wide billing settings (the seller's VAT rules, the default time zone)."""

    __tablename__ = "setting"
    key: str = Field(primary_key=True, max_length=64)
    value: Any = Field(default=None, sa_type=JSONText)


class ExternalBinding(SQLModel, table=True):
    """A local record and its ERP record: one to one, both ways, per connector.

    Written and committed right after the remote create, so that a crash never leaves an
    ERP record nobody knows about (the connector also looks records up by our key first).
    """

    __tablename__ = "external_binding"
    __table_args__ = (
        UniqueConstraint("connector", "entity", "local_key"),
        UniqueConstraint("connector", "entity", "remote_id"),
    )
    id: int | None = Field(default=None, primary_key=True)
    connector: str = Field(max_length=32)
    entity: str = Field(max_length=32)
    local_key: str = Field(max_length=130)
    remote_id: str = Field(max_length=64)
    #: fingerprint of the values last exchanged: a record whose values did not change is
    #: not written again
    fingerprint: str | None = Field(default=None, max_length=64)
    synced_at: datetime = Field(default_factory=now, sa_type=UTCDateTime)


class SyncCursor(SQLModel, table=True):
    """Where a stream of a connector got to (a remote modification time, an outbox id)."""

    __tablename__ = "sync_cursor"
    connector: str = Field(primary_key=True, max_length=32)
    stream: str = Field(primary_key=True, max_length=32)
    value: str = Field(max_length=64)
    updated_at: datetime = Field(default_factory=now, sa_type=UTCDateTime)


class OutboxEvent(SQLModel, table=True):
    """A local change to send to the ERPs, written in the transaction of the change."""

    __tablename__ = "outbox_event"
    #: whether a record was ever sent (the reconciliation's test for imported history)
    __table_args__ = (Index("ix_outbox_event_entity_key", "entity", "key"),)
    id: int | None = Field(default=None, primary_key=True)
    entity: str = Field(max_length=32, index=True)
    key: str = Field(max_length=130)
    event: str = Field(max_length=32)
    created_at: datetime = Field(default_factory=now, sa_type=UTCDateTime)


class SyncRun(SQLModel, table=True):
    """The ledger of sync runs: what each stream of each connector did, and how long."""

    __tablename__ = "sync_run"
    id: int | None = Field(default=None, primary_key=True)
    connector: str = Field(max_length=32, index=True)
    stream: str = Field(max_length=32)
    started_at: datetime = Field(default_factory=now, sa_type=UTCDateTime)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    status: str = Field(default="running", max_length=16)
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0
    duration_ms: int = 0
    error: str | None = None


class DeadLetter(SQLModel, table=True):
    """A record that failed to sync, with its error; retried by later runs until it goes."""

    __tablename__ = "dead_letter"
    __table_args__ = (UniqueConstraint("connector", "stream", "key"),)
    id: int | None = Field(default=None, primary_key=True)
    connector: str = Field(max_length=32)
    stream: str = Field(max_length=32)
    key: str = Field(max_length=130)
    error: str
    attempts: int = 1
    first_seen: datetime = Field(default_factory=now, sa_type=UTCDateTime)
    last_seen: datetime = Field(default_factory=now, sa_type=UTCDateTime)
    resolved_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class RevrecPeriod(SQLModel, table=True):
    """A closed accounting month: its recognition entry is posted and the month locked."""

    __tablename__ = "revrec_period"
    month: dt.date = Field(primary_key=True)  # the first day of the month
    reference: str = Field(max_length=32, unique=True)  # REVREC-YYYY-MM
    recognised: Decimal = Field(sa_type=DecimalText)  # net amount moved to income
    closed_at: datetime = Field(default_factory=now, sa_type=UTCDateTime)


class RevrecPosting(SQLModel, table=True):
    """What a month's close recognised of one invoice line: what is due on later closes is
    the line's schedule up to then minus these (so a late document lands in an open month)."""

    __tablename__ = "revrec_posting"
    __table_args__ = (UniqueConstraint("invoice_line_id", "month"),)
    id: int | None = Field(default=None, primary_key=True)
    invoice_line_id: int = Field(foreign_key="invoice_line.id", index=True)
    month: dt.date = Field(foreign_key="revrec_period.month", index=True)
    amount: Decimal = Field(sa_type=DecimalText)


class RevrecEntryLine(SQLModel, table=True):
    """A line of a closed month's journal entry, frozen as posted (a later change of the
    account plan never rewrites a closed month)."""

    __tablename__ = "revrec_entry_line"
    __table_args__ = (UniqueConstraint("month", "position"),)
    id: int | None = Field(default=None, primary_key=True)
    month: dt.date = Field(foreign_key="revrec_period.month")
    position: int
    account: str = Field(max_length=32)
    label: str = Field(max_length=255)
    debit: Decimal = Field(sa_type=DecimalText)
    credit: Decimal = Field(sa_type=DecimalText)


class ScheduledJob(SQLModel, table=True):
    """APScheduler's job store (its `SQLAlchemyJobStore` layout), created by our migrations
    so that the timeline lives in the same database as what it runs."""

    __tablename__ = "scheduler_job"
    id: str = Field(sa_column=Column(Unicode(191), primary_key=True))
    next_run_time: float | None = Field(
        default=None, sa_column=Column(Float(25), index=True, nullable=True)
    )
    job_state: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


class JobRun(SQLModel, table=True):
    """The ledger of scheduled jobs: each run of a job, who ran it, how it ended."""

    __tablename__ = "job_run"
    id: int | None = Field(default=None, primary_key=True)
    job_id: str = Field(max_length=64, index=True)
    trigger: str = Field(default="scheduler", max_length=16)  # scheduler | manual | demo
    holder: str = Field(max_length=128)  # host:pid of the process that ran it
    #: the day the job ran for (the simulated clock's day in a demo)
    day: dt.date
    started_at: datetime = Field(default_factory=now, sa_type=UTCDateTime)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    status: str = Field(default="running", max_length=16)  # running | ok | failed | skipped
    summary: str | None = None


class Lease(SQLModel, table=True):
    """A named lock held by one process until it lets go or stops renewing it: the active
    scheduler, a job running. A holder that dies loses it when `expires_at` passes."""

    __tablename__ = "lease"
    name: str = Field(primary_key=True, max_length=64)
    holder: str = Field(max_length=128)
    acquired_at: datetime = Field(default_factory=now, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)


class WorkItem(SQLModel, table=True):
    """A batch of work that any `cn285 worker` may claim (`FOR UPDATE SKIP LOCKED`): the
    contracts of one billing batch, or one sync stream of a connector."""

    __tablename__ = "work_item"
    __table_args__ = (Index("ix_work_item_pending", "status", "id"),)
    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=16)  # billing | sync
    run_id: int | None = Field(default=None, index=True)  # billing_run.id for billing
    payload: dict[str, Any] = Field(default_factory=dict, sa_type=JSONText)
    status: str = Field(default="pending", max_length=16)  # pending | claimed | done | failed
    worker: str | None = Field(default=None, max_length=128)
    #: a claimed item whose lease passed (its worker died) is claimed again by another
    lease_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    attempts: int = 0
    result: dict[str, Any] | None = Field(default=None, sa_type=JSONText)
    created_at: datetime = Field(default_factory=now, sa_type=UTCDateTime)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Notification(SQLModel, table=True):
    """A reminder or notice sent about a termination, once per action, kind and offset."""

    __tablename__ = "notification"
    __table_args__ = (UniqueConstraint("action_id", "kind", "offset_days", "channel"),)
    id: int | None = Field(default=None, primary_key=True)
    action_id: int = Field(foreign_key="contract_action.id", index=True)
    contract_code: str = Field(max_length=64, index=True)
    kind: str = Field(max_length=16)  # reminder | notice
    offset_days: int = 0  # days before the effective date (0: the notice)
    channel: str = Field(max_length=16)  # email | webhook
    recipient: str = Field(max_length=255)
    effective_date: dt.date
    subject: str = Field(max_length=255)
    body: str
    status: str = Field(default="pending", max_length=16)  # pending | sent | failed
    attempts: int = 0
    error: str | None = None
    created_at: datetime = Field(default_factory=now, sa_type=UTCDateTime)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class ReconciliationRun(SQLModel, table=True):
    """One comparison of Cn285 with one ERP, and how many differences of each kind."""

    __tablename__ = "reconciliation_run"
    id: int | None = Field(default=None, primary_key=True)
    connector: str = Field(max_length=32, index=True)
    started_at: datetime = Field(default_factory=now, sa_type=UTCDateTime)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    status: str = Field(default="running", max_length=16)  # running | ok | differences | failed
    checked: dict[str, Any] = Field(default_factory=dict, sa_type=JSONText)  # counts compared
    counts: dict[str, Any] = Field(default_factory=dict, sa_type=JSONText)  # by difference kind
    error: str | None = None


class ReconciliationItem(SQLModel, table=True):
    """One difference found by a reconciliation run."""

    __tablename__ = "reconciliation_item"
    id: int | None = Field(default=None, primary_key=True)
    run_id: int = Field(foreign_key="reconciliation_run.id", index=True)
    kind: str = Field(max_length=32)  # e.g. invoice_missing_in_erp, invoice_amount_differs
    entity: str = Field(max_length=32)  # invoice | customer
    local_key: str | None = Field(default=None, max_length=130)
    remote_id: str | None = Field(default=None, max_length=64)
    detail: dict[str, Any] = Field(default_factory=dict, sa_type=JSONText)


class ImportJob(SQLModel, table=True):
    """A CSV import uploaded over the API and run in the background; polled for its status."""

    __tablename__ = "import_job"
    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=32)
    mode: str = Field(max_length=16)  # strict | recovery
    dry_run: bool = False
    options: dict[str, Any] = Field(default_factory=dict, sa_type=JSONText)  # declared dialect
    status: str = Field(default="queued", max_length=16)  # queued | running | done | failed
    #: the import's own verdict once done: imported, partial, refused, checked, invalid, …
    outcome: str | None = Field(default=None, max_length=16)
    dialect: dict[str, Any] | None = Field(default=None, sa_type=JSONText)
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    error_count: int = 0
    errors: list[Any] = Field(default_factory=list, sa_type=JSONText)  # the first ones
    error: str | None = None  # why a failed job failed (a file-level error, a crash)
    file_path: str | None = None  # the uploaded file, removed once the job ends
    rejects_path: str | None = None
    actor: str = Field(default="api", max_length=64)
    created_at: datetime = Field(default_factory=now, sa_type=UTCDateTime)
    started_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Quote(SQLModel, table=True):
    """A quote for a customer; its versions are its revisions, and one signed version
    becomes the contract `contract_code` (unique: a quote yields one contract, once)."""

    __tablename__ = "quote"
    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(max_length=64, unique=True, index=True)
    customer_code: str = Field(foreign_key="customer.code", max_length=64, index=True)
    title: str = Field(default="", max_length=255)
    contract_code: str | None = Field(default=None, max_length=64, unique=True)
    actor: str = Field(default="system", max_length=64)
    created_at: datetime = Field(default_factory=now, sa_type=UTCDateTime)


class QuoteVersion(SQLModel, table=True):
    """One immutable revision of a quote: its content never changes, only its status."""

    __tablename__ = "quote_version"
    __table_args__ = (UniqueConstraint("quote_id", "number"),)
    id: int | None = Field(default=None, primary_key=True)
    quote_id: int = Field(foreign_key="quote.id", index=True)
    number: int
    content: dict[str, Any] = Field(sa_type=JSONText)  # a `QuoteContent`, as declared
    status: str = Field(default="draft", max_length=16)  # draft|sent|signed|declined|expired
    provider: str | None = Field(default=None, max_length=32)
    #: the provider's id of the signature request; webhooks find the version by it
    provider_ref: str | None = Field(default=None, max_length=128, unique=True)
    signing_link: str | None = Field(default=None, max_length=1000)
    signer: dict[str, Any] | None = Field(default=None, sa_type=JSONText)
    actor: str = Field(default="system", max_length=64)
    created_at: datetime = Field(default_factory=now, sa_type=UTCDateTime)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)

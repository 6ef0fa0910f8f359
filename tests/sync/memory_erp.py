"""An ERP held in memory that implements the connector interface, for the sync engine's own
tests (the Odoo and NetSuite connectors are tested against their sandboxes over HTTP)."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterator, Sequence
from decimal import Decimal

from cn285.connectors.base import (
    Capability,
    Connector,
    CustomerRecord,
    InvoiceRecord,
    PaymentStatus,
    PushResult,
    RemoteCustomer,
    RemoteItem,
)
from cn285.connectors.errors import RecordRejected, RetryableError


class MemoryERP(Connector):
    name = "memory"
    capabilities = frozenset(Capability)

    def __init__(self, ownership: dict[str, str] | None = None) -> None:
        self.ids = itertools.count(1)
        self.clock = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
        self.items: dict[str, tuple[RemoteItem, ...]] = {}
        self.customers: dict[str, tuple[CustomerRecord, dt.datetime]] = {}
        self.invoices: dict[str, InvoiceRecord] = {}
        self.residual: dict[str, Decimal] = {}
        self.writes = 0
        self.fail_next: list[Exception] = []  # raised by the next calls, in order
        self.refuse: set[str] = set()  # invoice numbers the ERP refuses
        self.crash_after_create = False
        self._ownership = ownership or {}

    @property
    def ownership(self) -> dict[str, str]:
        return self._ownership

    def tick(self) -> dt.datetime:
        self.clock += dt.timedelta(minutes=10)
        return self.clock

    def _maybe_fail(self) -> None:
        if self.fail_next:
            raise self.fail_next.pop(0)

    # items
    def add_item(self, code: str, name: str) -> None:
        remote_id = str(next(self.ids))
        self.items[code] = (RemoteItem(remote_id, code, name, self.tick()),)

    def pull_items(self, since: dt.datetime | None) -> Iterator[RemoteItem]:
        self._maybe_fail()
        for (item,) in self.items.values():
            if since is None or item.modified_at >= since:
                yield item

    # customers
    def pull_customers(self, since: dt.datetime | None) -> Iterator[RemoteCustomer]:
        self._maybe_fail()
        for remote_id, (record, modified) in self.customers.items():
            if since is None or modified >= since:
                yield RemoteCustomer(remote_id, record, modified)

    def get_customer(self, remote_id: str) -> RemoteCustomer | None:
        if remote_id not in self.customers:
            return None
        record, modified = self.customers[remote_id]
        return RemoteCustomer(remote_id, record, modified)

    def find_customer(self, record: CustomerRecord) -> str | None:
        for remote_id, (other, _) in self.customers.items():
            if other.code == record.code or (
                record.vat_number and other.vat_number == record.vat_number
            ):
                return remote_id
        return None

    def push_customer(
        self, record: CustomerRecord, remote_id: str | None, fields: Sequence[str] | None = None
    ) -> str:
        self._maybe_fail()
        self.writes += 1
        if remote_id is None or fields is None:
            remote_id = remote_id or str(next(self.ids))
            self.customers[remote_id] = (record, self.tick())
            return remote_id
        current, _ = self.customers[remote_id]
        merged = {**current.__dict__, **{f: getattr(record, f) for f in fields}}
        self.customers[remote_id] = (CustomerRecord(**merged), self.tick())
        return remote_id

    def edit_customer(self, remote_id: str, **changes: str) -> None:
        record, _ = self.customers[remote_id]
        self.customers[remote_id] = (CustomerRecord(**{**record.__dict__, **changes}), self.tick())

    # invoices
    def find_invoices(self, numbers: Sequence[str]) -> dict[str, str]:
        return {n: f"inv-{n}" for n in numbers if n in self.invoices}

    def push_invoices(self, records: Sequence[InvoiceRecord]) -> list[PushResult]:
        self._maybe_fail()
        results = []
        for record in records:
            if record.number in self.refuse:
                results.append(PushResult(record.number, error="tax code refused"))
                continue
            self.writes += 1
            self.invoices[record.number] = record
            self.residual[f"inv-{record.number}"] = abs(record.total)
            results.append(PushResult(record.number, f"inv-{record.number}"))
        if self.crash_after_create:
            self.crash_after_create = False
            raise RuntimeError("process killed after the remote create")
        return results

    def pull_payments(self, remote_ids: Sequence[str]) -> list[PaymentStatus]:
        self._maybe_fail()
        out = []
        for remote_id in remote_ids:
            residual = self.residual[remote_id]
            number = remote_id.removeprefix("inv-")
            total = abs(self.invoices[number].total)
            state = "paid" if residual == 0 else "partial" if residual < total else "not_paid"
            out.append(PaymentStatus(remote_id, residual, state))
        return out


__all__ = ["MemoryERP", "RecordRejected", "RetryableError"]

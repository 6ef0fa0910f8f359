"""The writer thread of an import whose rows are independent (usage).

The engine checks batch N+1 while this thread writes batch N. Both SQLite (one statement
per batch) and PostgreSQL (COPY, then one INSERT on the server) do their work outside
Python's lock, so the store's time and the parsing overlap instead of adding up.

`atomic`: one transaction for the whole import, committed by `finish(keep=True)` and
rolled back otherwise (strict mode, dry runs); else one transaction per batch (recovery);
either way on one connection tuned for bulk writes (`bulk_writes`).
An error in the thread stops it; the engine sees it at its next `put` or at `finish`.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session

from cn285.hub.imports.model import Kind, Outcome
from cn285.hub.store.database import bulk_writes

_END = object()  # no more batches


@contextmanager
def one_transaction(connection: Connection, keep: Callable[[], bool]) -> Iterator[Session]:
    """A session whose writes all go in one transaction of `connection`, committed at the
    end if `keep()` says so and rolled back otherwise (or on any error). The session joins
    in "rollback_only" mode: a commit inside a kind cannot end the transaction."""
    outer = connection.begin()
    try:
        with Session(bind=connection, join_transaction_mode="rollback_only") as session:
            yield session
        if keep():
            outer.commit()
    finally:
        if outer.is_active:
            outer.rollback()


class Writer:
    def __init__(self, engine: Engine, kind: Kind, actor: str, *, atomic: bool) -> None:
        self.engine = engine
        self.kind = kind
        self.actor = actor
        self.atomic = atomic
        self.outcome = Outcome()
        self.error: BaseException | None = None
        # one batch waiting while one is written: memory holds three batches at most
        self._batches: queue.Queue[Any] = queue.Queue(maxsize=1)
        self._keep = False
        self._thread = threading.Thread(target=self._run, name="cn285-import-writer", daemon=True)

    def __enter__(self) -> Writer:
        self._thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        if self._thread.is_alive():  # the engine failed: roll back what is not committed
            self._keep = False
            self._batches.put(_END)
            self._thread.join()

    def put(self, records: Sequence[Any]) -> None:
        """Queue a batch of records to write (waits while the previous one is queued)."""
        self._raise()
        self._batches.put(records)

    def finish(self, *, keep: bool) -> Outcome:
        """Wait for the last batch; commit the import's transaction if atomic and `keep`.
        Returns what the writes did; raises the thread's error, if any."""
        self._keep = keep
        self._batches.put(_END)
        self._thread.join()
        self._raise()
        return self.outcome

    def _raise(self) -> None:
        if self.error is not None:
            raise self.error

    def _run(self) -> None:
        try:
            if self.atomic:
                self._one_transaction()
            else:
                self._each_in_its_own()
        except BaseException as error:  # handed to the engine's thread
            self.error = error
            while self._batches.get() is not _END:  # let the engine's `put` return
                pass

    def _one_transaction(self) -> None:
        with (
            self.engine.connect() as connection,
            bulk_writes(connection),
            one_transaction(connection, lambda: self._keep) as session,
        ):
            while (records := self._batches.get()) is not _END:
                self.outcome.add(self.kind.write(session, records, self.actor))
                session.flush()
                session.expunge_all()

    def _each_in_its_own(self) -> None:
        with self.engine.connect() as connection, bulk_writes(connection):
            while (records := self._batches.get()) is not _END:
                with Session(bind=connection) as session:
                    outcome = self.kind.write(session, records, self.actor)
                    session.commit()
                self.outcome.add(outcome)

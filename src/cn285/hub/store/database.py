"""Opening the store: a SQLite file by default, PostgreSQL by URL, always migrated to head."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session, create_engine

DEFAULT_URL = "sqlite:///cn285.db"
MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def resolve_url(db: str | None = None) -> str:
    """`--db` wins, then `CN285_DB`, then `cn285.db` in the working folder.

    A plain path is a SQLite file; `postgresql://…` uses psycopg 3.
    """
    url = db or os.environ.get("CN285_DB") or DEFAULT_URL
    if "://" not in url:
        url = f"sqlite:///{url}"
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def _sqlite_pragmas(dbapi_connection: Any, _: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _postgresql_session(dbapi_connection: Any, _: Any) -> None:
    """Every execution planned with its own values: a generic plan, chosen once while a
    table is small, makes a large IN list a linear search per row as the table grows within
    a transaction (an import of 40,000 contracts took 28 s, now 4). Set on the session, not
    as a startup option, which connection poolers such as PgBouncer refuse."""
    autocommit = dbapi_connection.autocommit
    dbapi_connection.autocommit = True
    try:
        dbapi_connection.execute("SET plan_cache_mode = force_custom_plan")
    finally:
        dbapi_connection.autocommit = autocommit


def open_engine(db: str | None = None, *, migrate: bool = True) -> Engine:
    """An engine on the store, with the schema migrated to the latest revision."""
    url = resolve_url(db)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
    else:
        engine = create_engine(url, pool_pre_ping=True)
        event.listen(engine, "connect", _postgresql_session)
    if migrate:
        upgrade(engine)
    return engine


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to `revision` (Alembic); does nothing when it is already there."""
    command.upgrade(alembic_config(engine), revision)


BULK_CACHE_KB = 16 * 1024  # SQLite's page cache while writing in bulk (default: 2 MB)
BULK_CHECKPOINT_PAGES = 16_384  # the log copied into the database past 64 MB (default: 4 MB)


@contextmanager
def bulk_writes(connection: Connection) -> Iterator[None]:
    """Many large transactions in a row on `connection` (an import, batch after batch). On
    SQLite: a 16 MB page cache instead of 2 MB (a usage batch's inserts land all over the
    index of every contract's records: 105,000 instead of 88,000 rows/s), and the
    write-ahead log copied into the database once it passes 64 MB instead of 4 MB (a
    usage batch dirties some 40 MB: the copy ran after every commit, rewriting pages the
    next batch changes again), then once more at the end. Unbounded, the log of a million
    rows grew to 518 MB; bounded, 92 MB at the same speed. Both settings are restored; the
    connection is left out of a transaction."""
    if connection.dialect.name != "sqlite":
        yield
        return
    every = connection.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar()
    cache = connection.exec_driver_sql("PRAGMA cache_size").scalar()
    connection.exec_driver_sql(f"PRAGMA wal_autocheckpoint = {BULK_CHECKPOINT_PAGES}")
    connection.exec_driver_sql(f"PRAGMA cache_size = -{BULK_CACHE_KB}")
    connection.commit()
    try:
        yield
    finally:
        if connection.in_transaction():
            connection.rollback()
        connection.exec_driver_sql(f"PRAGMA cache_size = {int(cache or -2000)}")
        connection.exec_driver_sql(f"PRAGMA wal_autocheckpoint = {int(every or 1000)}")
        connection.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")
        connection.commit()


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session committed on success and rolled back on any error."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise

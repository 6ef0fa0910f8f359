"""Store fixtures: every store test runs on SQLite and on a real PostgreSQL.

PostgreSQL is found at CN285_TEST_POSTGRES (default postgresql://postgres@127.0.0.1:5432/test);
its tests run in a database of their own, `cn285_test_<pid>`, created per session (and
dropped after), emptied per test. Where no PostgreSQL answers, those tests are skipped with a message, unless
CN285_REQUIRE_POSTGRES=1 (as in .ci/run), which makes it a failure.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine, make_url
from sqlmodel import SQLModel

from cn285.hub.store.database import open_engine, resolve_url

POSTGRES = os.environ.get("CN285_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
TEST_DB = f"cn285_test_{os.getpid()}"  # one per test session: parallel suites never meet


def _admin_engine() -> Engine:
    return sa.create_engine(resolve_url(POSTGRES), isolation_level="AUTOCOMMIT")


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    try:
        admin = _admin_engine()
        with admin.connect() as connection:
            connection.execute(sa.text(f"DROP DATABASE IF EXISTS {TEST_DB} WITH (FORCE)"))
            connection.execute(sa.text(f"CREATE DATABASE {TEST_DB}"))
    except sa.exc.OperationalError as exc:
        message = f"PostgreSQL not reachable at {POSTGRES}: {exc.orig}"
        if os.environ.get("CN285_REQUIRE_POSTGRES") == "1":
            pytest.fail(message)
        pytest.skip(message)
    url = make_url(resolve_url(POSTGRES)).set(database=TEST_DB).render_as_string(False)
    engine = open_engine(url)  # migrate once
    engine.dispose()
    yield url
    with admin.connect() as connection:
        connection.execute(sa.text(f"DROP DATABASE IF EXISTS {TEST_DB} WITH (FORCE)"))
    admin.dispose()


def _empty(engine: Engine) -> None:
    tables = [t.name for t in reversed(SQLModel.metadata.sorted_tables)]
    with engine.begin() as connection:
        connection.execute(sa.text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:
    """A URL of an empty, migrated store."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'cn285.db'}"
        return
    url = request.getfixturevalue("postgres_url")
    engine = open_engine(url, migrate=False)
    _empty(engine)
    engine.dispose()
    yield url


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    engine = open_engine(db_url)
    yield engine
    engine.dispose()

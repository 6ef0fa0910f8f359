"""The connector pool of long-lived processes: reuse, exclusivity, and fresh connectors after
a failure or once too old."""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from typing import Any

import pytest

from cn285.connectors.base import REGISTRY, Connector
from cn285.hub.connections import ConnectorPool

OPENED = itertools.count(1)


class Probe(Connector):
    name = "probe"

    def __init__(self) -> None:
        self.serial = next(OPENED)
        self.closed = False

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Probe:
        return cls()

    def close(self) -> None:
        self.closed = True


@pytest.fixture(autouse=True)
def registered(monkeypatch):
    monkeypatch.setitem(REGISTRY, "probe", Probe.from_config)


CONFIG = {"connectors": {"probe": {"url": "http://erp"}}}


def test_a_returned_connector_is_lent_again():
    pool = ConnectorPool()
    with pool.borrow(CONFIG, "probe") as first:
        pass
    with pool.borrow(CONFIG, "probe") as second:
        assert second.connector is first.connector and not first.connector.closed
    pool.close()
    assert first.connector.closed


def test_two_borrowers_never_share_one():
    pool = ConnectorPool()
    with pool.borrow(CONFIG, "probe") as a, pool.borrow(CONFIG, "probe") as b:
        assert a.connector is not b.connector
    # both came back: one is kept, the spare is closed
    assert a.connector.closed != b.connector.closed


def test_other_settings_get_another_connector():
    pool = ConnectorPool()
    with pool.borrow(CONFIG, "probe") as first:
        pass
    other = {"connectors": {"probe": {"url": "http://other-erp"}}}
    with pool.borrow(other, "probe") as second:
        assert second.connector is not first.connector


def test_a_failed_or_discarded_job_closes_its_connector():
    pool = ConnectorPool()
    with pytest.raises(RuntimeError), pool.borrow(CONFIG, "probe") as lent:
        raise RuntimeError("the ERP hung up")
    assert lent.connector.closed
    with pool.borrow(CONFIG, "probe") as discarded:
        discarded.discard()
    assert discarded.connector.closed and discarded.connector is not lent.connector
    with pool.borrow(CONFIG, "probe") as fresh:
        assert fresh.connector is not discarded.connector


def test_an_old_connector_is_replaced():
    pool = ConnectorPool(max_age=0)
    with pool.borrow(CONFIG, "probe") as first:
        pass
    with pool.borrow(CONFIG, "probe") as second:
        assert second.connector is not first.connector
    assert first.connector.closed

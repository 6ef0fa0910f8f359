"""Quotes in the store (SQLite and PostgreSQL): versions, status, exactly-once activation."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlmodel import Session

from cn285.hub.quotes import service
from cn285.hub.quotes.signature.builtin import BuiltinProvider
from cn285.hub.quotes.status import Event, TransitionRefused
from cn285.hub.services.errors import Conflict, Invalid
from cn285.hub.store import models
from tests.quotes.builders import LINES, content
from tests.quotes.store_seed import seed


@pytest.fixture
def store(engine):
    seed(engine)
    return engine


def _new(session: Session) -> str:
    quote, version = service.create_quote(session, "ACME", content(), "sales", title="Offer")
    assert (quote.number, version.number, version.status) == ("Q-000001", 1, "draft")
    return quote.number


def _sent(session: Session) -> str:
    number = _new(session)
    service.send(session, number, BuiltinProvider("s"), "sales")
    return number


def test_each_revision_is_a_new_version_and_the_old_one_is_unchanged(store):
    with Session(store) as session:
        number = _new(session)
        service.revise(session, number, content(lines=[{**LINES[0], "quantity": 3}]), "sales")
        session.commit()
    with Session(store) as session:
        quote = service.get_quote(session, number)
        rows = service.versions(session, quote)
        assert [(v.number, v.status) for v in rows] == [(1, "draft"), (2, "draft")]
        assert rows[0].content["lines"][0]["quantity"] == "2"
        assert rows[1].content["lines"][0]["quantity"] == "3"


def test_comparison_gives_line_changes_and_the_amount_effect(store):
    with Session(store) as session:
        number = _new(session)
        service.revise(session, number, content(lines=[{**LINES[0], "quantity": 3}]), "sales")
        diff = service.compare(session, number, 1, 2, months=2)
    assert [(c.line, c.change) for c in diff.lines] == [("L1", "changed"), ("L2", "removed")]
    by_line = {d.line: d.delta for d in diff.amounts}
    # L1 over 16 Jan - 15 Mar: 16/31 of January, February and March in advance, 10 % off
    # February and March: one more unit is 51.61 + 90 + 90
    assert by_line["L1"] == Decimal("231.61")
    assert by_line["L2"] == Decimal("-500.00")
    assert by_line[None] == Decimal("-268.39")


def test_content_the_engine_cannot_bill_is_refused_before_it_is_stored(store):
    with Session(store) as session, pytest.raises(Invalid, match=r"lines\[0\]\.item"):
        service.create_quote(session, "ACME", content(lines=[{**LINES[0], "item": "X"}]), "s")
    with Session(store) as session, pytest.raises(Invalid, match="unknown customer"):
        service.create_quote(session, "NOBODY", content(), "s")


def test_a_draft_cannot_be_signed(store):
    with Session(store) as session:
        number = _new(session)
        with pytest.raises(TransitionRefused, match="v1 is draft: only a sent version"):
            service.decide(session, number, 1, Event.SIGN, "customer")


def test_a_version_out_for_signature_cannot_be_revised(store):
    with Session(store) as session:
        number = _sent(session)
        with pytest.raises(Conflict, match="out for signature"):
            service.revise(session, number, content(), "sales")


def test_only_the_latest_version_is_sent(store):
    with Session(store) as session:
        number = _new(session)
        service.revise(session, number, content(), "sales")
        with pytest.raises(Conflict, match="not the latest version"):
            service.send(session, number, BuiltinProvider("s"), "sales", version=1)


def test_signing_activates_one_contract_with_its_adjustments_and_audit(store):
    with Session(store) as session:
        number = _sent(session)
        outcome = service.decide(session, number, None, Event.SIGN, "customer")
        session.commit()
    assert (outcome.status, outcome.changed, outcome.contract) == ("signed", True, number)
    with Session(store) as session:
        contract = session.scalars(select(models.Contract)).one()
        assert contract.code == number and contract.customer_code == "ACME"
        actions = session.scalars(select(models.ContractAction)).all()
        assert sorted(a.kind for a in actions) == ["discount", "free"]
        link = session.scalars(
            select(models.AuditRecord).where(models.AuditRecord.action == "activate_from_quote")
        ).one()
        assert link.entity_key == number and link.after["version"] == 1
        with pytest.raises(Conflict, match="is signed"):
            service.revise(session, number, content(), "sales")


def test_a_replayed_signature_changes_nothing(store):
    with Session(store) as session:
        number = _sent(session)
        service.decide(session, number, 1, Event.SIGN, "customer")
        session.commit()
    with Session(store) as session:
        again = service.decide(session, number, 1, Event.SIGN, "customer")
        session.commit()
    assert (again.changed, again.contract) == (False, number)
    with Session(store) as session:
        assert len(session.scalars(select(models.Contract)).all()) == 1
        assert len(session.scalars(select(models.ContractLine)).all()) == 2


def test_concurrent_signatures_activate_exactly_once(store):
    with Session(store) as session:
        number = _sent(session)
        session.commit()
    results: list[object] = []
    barrier = threading.Barrier(2)

    def sign() -> None:
        with Session(store) as session:
            barrier.wait()
            try:
                results.append(service.decide(session, number, 1, Event.SIGN, "hook"))
                session.commit()
            except Exception as exc:  # SQLite may refuse the loser's write outright
                session.rollback()
                results.append(exc)

    threads = [threading.Thread(target=sign) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    changed = [r for r in results if isinstance(r, service.Outcome) and r.changed]
    assert len(changed) == 1
    with Session(store) as session:
        assert len(session.scalars(select(models.Contract)).all()) == 1


def test_a_declined_version_cannot_be_signed_afterwards(store):
    with Session(store) as session:
        number = _sent(session)
        service.decide(session, number, 1, Event.DECLINE, "customer")
        with pytest.raises(TransitionRefused, match="is declined"):
            service.decide(session, number, 1, Event.SIGN, "customer")
        assert session.scalars(select(models.Contract)).first() is None


def test_concurrent_sends_of_a_draft_ask_the_provider_once(store):
    """Two clicks on send: the second waits for the first (the version is locked before the
    provider is asked) and is refused: one signature request, not two."""
    with Session(store) as session:
        number = _new(session)
        session.commit()
    calls: list[str] = []

    class Slow(BuiltinProvider):
        def send(self, request):
            calls.append(request.external_id)
            sent = super().send(request)
            threading.Event().wait(0.3)  # the other send arrives meanwhile
            return sent

    results: list[object] = []
    barrier = threading.Barrier(2)

    def send() -> None:
        with Session(store) as session:
            barrier.wait()
            try:
                results.append(service.send(session, number, Slow("s"), "sales"))
                session.commit()
            except Exception as exc:  # the second is refused
                session.rollback()
                results.append(exc)

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    sent = [r for r in results if isinstance(r, models.QuoteVersion)]
    assert len(sent) == 1
    with Session(store) as session:
        rows = session.scalars(select(models.QuoteVersion)).all()
        assert [r.status for r in rows] == ["sent"]
    assert calls == [f"{number}/v1"]
    refused = next(r for r in results if not isinstance(r, models.QuoteVersion))
    assert isinstance(refused, TransitionRefused)

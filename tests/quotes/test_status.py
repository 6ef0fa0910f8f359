"""The version state machine: allowed moves, and refused ones with a clear error."""

from __future__ import annotations

import pytest

from cn285.hub.quotes.status import Event, Status, TransitionRefused, advance


@pytest.mark.parametrize(
    ("start", "event", "end"),
    [
        ("draft", "send", "sent"),
        ("sent", "sign", "signed"),
        ("sent", "decline", "declined"),
        ("sent", "expire", "expired"),
        ("draft", "expire", "expired"),
    ],
)
def test_allowed_transitions(start, event, end):
    assert advance("Q-1 v1", start, event) is Status(end)


def test_only_a_sent_version_can_be_signed():
    with pytest.raises(TransitionRefused) as caught:
        advance("Q-1 v1", Status.DRAFT, Event.SIGN)
    assert str(caught.value) == "Q-1 v1 is draft: only a sent version can be signed"


@pytest.mark.parametrize("final", ["signed", "declined", "expired"])
@pytest.mark.parametrize("event", list(Event))
def test_final_states_refuse_every_event(final, event):
    with pytest.raises(TransitionRefused, match=f"is {final}"):
        advance("Q-1 v2", final, event)

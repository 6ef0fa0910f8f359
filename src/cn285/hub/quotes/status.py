"""The life of a quote version: draft → sent → signed / declined / expired.

Pure logic: each event lists the states it may leave, so a refused transition is a clear
`TransitionRefused` naming the version's state and what would be allowed instead.
"""

from __future__ import annotations

from enum import StrEnum

from cn285.hub.services.errors import Conflict


class Status(StrEnum):
    DRAFT = "draft"
    SENT = "sent"
    SIGNED = "signed"
    DECLINED = "declined"
    EXPIRED = "expired"


class Event(StrEnum):
    SEND = "send"
    SIGN = "sign"
    DECLINE = "decline"
    EXPIRE = "expire"


_FROM: dict[Event, tuple[Status, ...]] = {
    Event.SEND: (Status.DRAFT,),
    Event.SIGN: (Status.SENT,),
    Event.DECLINE: (Status.SENT,),
    Event.EXPIRE: (Status.DRAFT, Status.SENT),
}
_TO = {
    Event.SEND: Status.SENT,
    Event.SIGN: Status.SIGNED,
    Event.DECLINE: Status.DECLINED,
    Event.EXPIRE: Status.EXPIRED,
}
FINAL = frozenset({Status.SIGNED, Status.DECLINED, Status.EXPIRED})


class TransitionRefused(Conflict):
    """An event the version's state does not allow (the API answers 409)."""

    def __init__(self, label: str, status: Status, event: Event) -> None:
        allowed = " or ".join(s.value for s in _FROM[event])
        super().__init__(
            f"{label} is {status.value}: only a {allowed} version can be {_PAST[event]}"
        )
        self.status = status
        self.event = event


_PAST = {
    Event.SEND: "sent for signature",
    Event.SIGN: "signed",
    Event.DECLINE: "declined",
    Event.EXPIRE: "expired",
}


def advance(label: str, status: Status | str, event: Event | str) -> Status:
    """The state after `event`, or `TransitionRefused` (`label` names the version)."""
    current, happening = Status(status), Event(event)
    if current not in _FROM[happening]:
        raise TransitionRefused(label, current, happening)
    return _TO[happening]

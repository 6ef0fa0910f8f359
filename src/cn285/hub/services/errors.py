"""Named errors of the services, grouped by what the caller should do about them."""

from __future__ import annotations


class ServiceError(Exception):
    """Base of the errors a service raises on purpose."""


class NotFound(ServiceError):
    def __init__(self, entity: str, key: str) -> None:
        super().__init__(f"{entity} {key!r} not found")
        self.entity = entity
        self.key = key


class Conflict(ServiceError):
    """The request contradicts the stored state (a duplicate, a change to the billed past)."""


class Invalid(ServiceError):
    """Input refused; `problems` are (field path, message) pairs."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        super().__init__(
            "; ".join(f"{path}: {message}" if path else message for path, message in problems)
        )
        self.problems = problems

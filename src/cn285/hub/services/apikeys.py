"""API keys: shown once at creation, stored as a SHA-256 hash, looked up by prefix."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlmodel import Session

from cn285.hub.services import audit
from cn285.hub.services.errors import Conflict
from cn285.hub.store import models


@dataclass(frozen=True)
class Caller:
    name: str
    read_only: bool


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def create_key(session: Session, name: str, *, read_only: bool = False, actor: str = "cli") -> str:
    """Create a key and return it: the only time it is visible."""
    if session.scalars(select(models.ApiKey).where(models.ApiKey.name == name)).first():
        raise Conflict(f"an API key named {name!r} already exists")
    prefix = secrets.token_hex(4)
    key = f"cn285_{prefix}_{secrets.token_urlsafe(32)}"
    session.add(models.ApiKey(name=name, prefix=prefix, hash=_digest(key), read_only=read_only))
    audit.record(
        session, actor, "create", "api_key", name, None, {"name": name, "read_only": read_only}
    )
    return key


def authenticate(session: Session, key: str) -> Caller | None:
    """The caller a key belongs to, or None for an unknown or revoked key."""
    parts = key.split("_")
    if len(parts) < 3 or parts[0] != "cn285":
        return None
    digest = _digest(key)
    for row in session.scalars(select(models.ApiKey).where(models.ApiKey.prefix == parts[1])):
        if row.revoked_at is None and hmac.compare_digest(row.hash, digest):
            return Caller(row.name, row.read_only)
    return None

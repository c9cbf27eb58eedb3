"""API keys for source systems that push data. A key is shown once; only its SHA-256 is stored.

Keys are 256-bit random tokens, so a fast hash is safe to store (as with GitHub tokens) and lets the
push API check a key on every call without a slow password hash.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from guestgraph import audit
from guestgraph.db.models import SourceSystem
from guestgraph.errors import GuestgraphError, NotFound


class InvalidApiKey(GuestgraphError):
    status = 401
    code = "invalid_api_key"


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def issue_source_key(session: Session, *, source: str) -> str:
    """Create (or rotate: the old key stops working at once) the push API key of a source system."""
    system = session.scalar(select(SourceSystem).where(SourceSystem.code == source))
    if system is None:
        raise NotFound(f"No source system {source!r}.", hint="See `guestgraph sources` or the group file.")
    key = f"gg_{source}_{secrets.token_urlsafe(32)}"
    rotated = system.api_key_hash is not None
    system.api_key_hash, system.api_key_hint = _digest(key), key[: len(source) + 7]
    session.flush()
    audit.log_event(  # never the key, nor its hash
        session,
        "key.source_issue",
        object_type="source_system",
        object_id=source,
        details={"rotated": rotated},
    )
    return key


def authenticate_source(session: Session, *, source: str, key: str | None) -> SourceSystem:
    """The source system whose key this is; the same error for an unknown source and a wrong key."""
    # A code holding a NUL is no source's code, and PostgreSQL cannot even compare it: unknown, as any other
    unknown = "\x00" in source
    system = None if unknown else session.scalar(select(SourceSystem).where(SourceSystem.code == source))
    stored = system.api_key_hash if system is not None else None
    ok = bool(key) and stored is not None and hmac.compare_digest(stored, _digest(key or ""))
    if not ok or system is None:
        raise InvalidApiKey(
            f"Missing or wrong API key for source {source!r}.",
            hint="Send the key of this source in the X-API-Key header; an admin issues it with "
            "`guestgraph source-key SOURCE`.",
        )
    return system

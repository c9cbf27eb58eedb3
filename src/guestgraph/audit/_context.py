"""Who is acting, from where, in which request: bound once per request (or CLI command) so that any
service can append a complete audit event with `log_event(session, action, …)`."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from guestgraph.audit._anomaly import alert_policy, check_actor
from guestgraph.audit._event import AuditEvent, Outcome
from guestgraph.audit._record import record


@dataclass(frozen=True)
class Actor:
    user_id: int | None = None
    username: str | None = None
    role: str | None = None
    scope: str | None = None
    source_ip: str | None = None
    request_id: str | None = None


class _Box:
    """Mutable, so that a sync dependency running in a worker thread (a copy of the request's context)
    can fill in the user for the endpoint running in another worker thread."""

    def __init__(self, actor: Actor) -> None:
        self.actor = actor


_ACTOR: ContextVar[_Box | None] = ContextVar("guestgraph_audit_actor", default=None)


def begin_request(*, source_ip: str | None, request_id: str) -> None:
    """Start a request's actor (called by the web middleware, before any dependency runs)."""
    _ACTOR.set(_Box(Actor(source_ip=source_ip, request_id=request_id)))


def bind_actor(**fields: Any) -> None:
    """Add to the current actor (the user once signed in)."""
    box = _ACTOR.get()
    if box is None:
        box = _Box(Actor())
        _ACTOR.set(box)
    box.actor = replace(box.actor, **fields)


def current_actor() -> Actor:
    box = _ACTOR.get()
    return box.actor if box is not None else Actor()


@contextmanager
def acting_as(actor: Actor) -> Iterator[None]:
    token = _ACTOR.set(_Box(actor))
    try:
        yield
    finally:
        _ACTOR.reset(token)


def log_event(
    session: Session,
    action: str,
    *,
    outcome: Outcome = "ok",
    guest_public_id: str | None = None,
    object_type: str | None = None,
    object_id: str | None = None,
    purpose: str | None = None,
    details: dict[str, Any] | None = None,
    actor_username: str | None = None,
    now: datetime | None = None,
) -> int:
    """Append one event for the current actor in the caller's transaction (call it last).

    After a sensitive event (a guest-data access or edit: a `guest.`, `export.` or `dsr.` action, or
    one naming a guest) the actor's anomaly rules are checked in the same transaction (LG-05)."""
    actor = current_actor()
    moment = now or datetime.now(UTC)
    event = AuditEvent(
        action,
        outcome=outcome,
        actor_user_id=actor.user_id,
        actor_username=actor_username or actor.username,
        actor_role=actor.role,
        scope=actor.scope,
        object_type=object_type,
        object_id=object_id,
        guest_public_id=guest_public_id,
        purpose=purpose,
        source_ip=actor.source_ip,
        request_id=actor.request_id,
        details=details or {},
    )
    seq = record(session, event, now=moment)
    if event.category == "sensitive":
        check_actor(session, event.actor_username, now=moment, policy=alert_policy(session), action=action)
    return seq

"""What the pages, the API and the CLI call: privacy actions on a guest named by its public ID, in
the staff member's scope, with the rules of who may record what."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from guestgraph.access import DataScope, Forbidden
from guestgraph.db.models import ConsentDecision, RequestKind, RequestStatus
from guestgraph.errors import InvalidInput
from guestgraph.privacy._audit import privacy_event
from guestgraph.privacy._consent import ConsentInput, ConsentRow, record_consent, withdraw_all
from guestgraph.privacy._erase import erase_guest
from guestgraph.privacy._guests import find_guest, require_group_scope, survivor
from guestgraph.privacy._requests import RequestRow, close_request, load_request
from guestgraph.privacy._vocabulary import FRONT_DESK_GRANTS


@dataclass(frozen=True)
class Actor:
    """Who records: a compliance officer (privacy.manage) may record anything; front-desk staff
    (stay.operate) may record marketing consent given at check-in, with evidence; anyone who may
    see the guest may record a withdrawal, which takes effect at once."""

    user_id: int | None
    manages_privacy: bool
    front_desk: bool


def _may_record(actor: Actor, entry: ConsentInput) -> None:
    if actor.manages_privacy or entry.decision is ConsentDecision.WITHDRAWN:
        return
    if actor.front_desk and entry.purpose in FRONT_DESK_GRANTS:
        if not (entry.evidence or "").strip():
            raise InvalidInput(
                "Consent recorded at the front desk needs its evidence.",
                hint="Name the signed registration card or form, e.g. 'registration card 2026-11-23 #1808'.",
            )
        return
    raise Forbidden(
        f"Your role may not record a grant of {entry.purpose.value} consent.",
        hint="A compliance officer records it; any staff member may record a withdrawal.",
    )


def record_guest_consent(
    session: Session, *, scope: DataScope, public_id: str, entry: ConsentInput, actor: Actor, now: datetime
) -> ConsentRow:
    guest = find_guest(session, scope=scope, public_id=public_id)
    _may_record(actor, entry)
    row = record_consent(session, guest_id=guest.id, entry=entry, recorded_by_id=actor.user_id, now=now)
    privacy_event(
        session,
        "consent." + row.decision,
        actor.user_id,
        guest.public_id,
        {"purpose": row.purpose, "channel": row.channel},
    )
    return row


def withdraw_guest_consents(
    session: Session,
    *,
    scope: DataScope,
    public_id: str,
    actor: Actor,
    source: str,
    evidence: str | None,
    now: datetime,
) -> list[ConsentRow]:
    guest = find_guest(session, scope=scope, public_id=public_id)
    rows = withdraw_all(
        session, guest_id=guest.id, source=source, recorded_by_id=actor.user_id, now=now, evidence=evidence
    )
    privacy_event(session, "consent.withdraw_all", actor.user_id, guest.public_id, {"entries": len(rows)})
    return rows


def fulfil_erasure(
    session: Session, request_id: int, *, scope: DataScope, closed_by_id: int | None, now: datetime
) -> RequestRow:
    """Carry out an open erasure request: erase the guest everywhere, then close the request with
    what was erased and what was kept (and why) as its outcome."""
    require_group_scope(scope)
    request = load_request(session, request_id, scope=scope)
    if request.kind is not RequestKind.ERASURE or request.status is not RequestStatus.OPEN:
        raise InvalidInput(
            f"Request {request_id} is not an open erasure request.", hint="Record an erasure request first."
        )
    if request.guest_id is None:
        raise InvalidInput(
            f"Request {request_id} names no guest.", hint="Record a new request for the guest."
        )
    outcome = erase_guest(session, guest_id=survivor(session, request.guest_id), now=now)
    privacy_event(session, "guest.erase", closed_by_id, request.guest_public_id, outcome.counts)
    return close_request(
        session,
        request_id,
        scope=scope,
        refused=False,
        reason=None,
        closed_by_id=closed_by_id,
        now=now,
        outcome=outcome.as_dict(),
    )


def guest_id_for(session: Session, *, scope: DataScope, public_id: str) -> int:
    return find_guest(session, scope=scope, public_id=public_id).id

"""Purpose-bound full-value reveal (GB/T 35273 7.1/7.2, AC-05): seeing an unmasked phone, e-mail, ID
number or birth date needs the guest.reveal permission, a purpose from the list, and gives a grant
that expires after a few minutes. The audit event records who, which guest, which field and why —
never the value."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from guestgraph import audit, pii
from guestgraph.access import DataScope, Forbidden, Permission, Principal
from guestgraph.db.models import Guest, RevealGrant
from guestgraph.errors import InvalidInput
from guestgraph.profiles._guests import visible_guest

REVEAL_FIELDS = ("phone", "email", "id_document_number", "birth_date")
PURPOSES = {
    "check_in_verification": "Verify identity at check-in",
    "guest_request": "The guest asked us to use it",
    "police_registration": "Registration required by the police",
    "billing_dispute": "Billing or payment dispute",
    "data_subject_request": "The guest's own data request",
    "security_investigation": "Security or fraud investigation",
}
GRANT_MINUTES = 5


@dataclass(frozen=True)
class Revealed:
    public_id: str
    field: str
    value: str | None
    purpose: str
    expires_at: datetime


def _value(session: Session, guest: Guest, field: str) -> str | None:
    value = pii.guest_values(pii.vault_of(session), guest)[field]
    if value is None:
        return None
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def reveal(
    session: Session,
    principal: Principal,
    *,
    scope: DataScope,
    public_id: str,
    field: str,
    purpose: str,
    now: datetime,
) -> Revealed:
    """Show one full value for a stated purpose and open a short grant for it."""
    if not principal.can(Permission.GUEST_REVEAL):
        raise Forbidden(
            "Your role may not see full personal data.", hint="Ask a manager or compliance officer."
        )
    if field not in REVEAL_FIELDS:
        raise InvalidInput(
            f"field: {field!r} cannot be revealed.", hint=f"One of: {', '.join(REVEAL_FIELDS)}."
        )
    if purpose not in PURPOSES:
        raise InvalidInput(
            "purpose: say why you need the full value.", hint=f"One of: {', '.join(PURPOSES)}."
        )
    guest = visible_guest(session, scope, public_id)
    expires = now + timedelta(minutes=GRANT_MINUTES)
    session.add(
        RevealGrant(
            user_id=principal.user_id,
            guest_id=guest.id,
            field=field,
            purpose=purpose,
            created_at=now,
            expires_at=expires,
        )
    )
    session.flush()
    audit.log_event(  # also checks the user's reveals this hour (LG-05)
        session,
        "guest.reveal",
        guest_public_id=guest.public_id,
        purpose=purpose,
        details={"field": field},
        now=now,
    )
    return Revealed(guest.public_id, field, _value(session, guest, field), purpose, expires)


def revealed_again(
    session: Session, principal: Principal, *, scope: DataScope, public_id: str, field: str, now: datetime
) -> Revealed:
    """The value again while this user's grant for it lasts; afterwards a new reason is needed."""
    guest = visible_guest(session, scope, public_id)
    grant = session.scalar(
        select(RevealGrant)
        .where(
            RevealGrant.user_id == principal.user_id,
            RevealGrant.guest_id == guest.id,
            RevealGrant.field == field,
            RevealGrant.expires_at > now,
        )
        .order_by(RevealGrant.expires_at.desc())
        .limit(1)
    )
    if grant is None or not principal.can(Permission.GUEST_REVEAL):
        raise Forbidden("No current reason to see this value.", hint="Reveal it again and state the purpose.")
    return Revealed(guest.public_id, field, _value(session, guest, field), grant.purpose, grant.expires_at)

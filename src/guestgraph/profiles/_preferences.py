"""Preferences: what a guest likes or needs, each with where it came from (an import's source record
or the member of staff who typed it); staff add and retire them, nothing is deleted."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from guestgraph import audit, pii
from guestgraph.access import DataScope
from guestgraph.crypto import Vault
from guestgraph.db.models import Guest, Preference, SourceRecord, SourceSystem, StaffUser
from guestgraph.errors import InvalidInput, NotFound
from guestgraph.profiles._guests import visible_guest

# The categories the front desk works with; "do_not_rent" is a flag the alerts read.
PREFERENCE_CATEGORIES = (
    "room_type",
    "floor",
    "pillow",
    "smoking",
    "diet",
    "allergy",
    "special_date",
    "do_not_rent",
)


class PreferenceNotFound(NotFound):
    code = "preference_not_found"


@dataclass(frozen=True)
class PreferenceLine:
    id: int
    category: str
    value: str
    source: str | None  # the source system of the import that carried it
    source_external_id: str | None
    created_by: str | None  # the member of staff who added it
    created_at: datetime
    retired_at: datetime | None


def list_preferences(
    session: Session, guest_ids: list[int], *, include_retired: bool = False
) -> dict[int, list[PreferenceLine]]:
    """Preferences of several guests in one query (callers have checked the guests' scope)."""
    query = (
        select(Preference, SourceSystem.code, SourceRecord.external_id, StaffUser.display_name)
        .join(SourceRecord, SourceRecord.id == Preference.source_record_id, isouter=True)
        .join(SourceSystem, SourceSystem.id == SourceRecord.source_system_id, isouter=True)
        .join(StaffUser, StaffUser.id == Preference.created_by_id, isouter=True)
        .where(Preference.guest_id.in_(guest_ids))
        .order_by(Preference.category, Preference.created_at, Preference.id)
    )
    if not include_retired:
        query = query.where(Preference.retired_at.is_(None))
    rows = session.execute(query).all()
    vault = pii.vault_of(session)
    pii.preload(vault, (pref.key_ref for pref, *_rest in rows))
    out: dict[int, list[PreferenceLine]] = {}
    for pref, source, external_id, author in rows:
        out.setdefault(pref.guest_id, []).append(
            PreferenceLine(
                pref.id,
                pref.category,
                _opened(vault, pref),
                source,
                external_id,
                author,
                pref.created_at,
                pref.retired_at,
            )
        )
    return out


def add_preference(
    session: Session,
    *,
    scope: DataScope,
    public_id: str,
    category: str,
    value: str,
    created_by_id: int | None,
) -> PreferenceLine:
    """Record a preference a member of staff learnt; the guest must be in their scope."""
    if category not in PREFERENCE_CATEGORIES:
        raise InvalidInput(
            f"Unknown preference category {category!r}.",
            hint=f"Use one of: {', '.join(PREFERENCE_CATEGORIES)}.",
        )
    text = " ".join(value.split())
    if not text or len(text) > 500:
        raise InvalidInput("A preference needs a value of 1 to 500 characters.", hint="Describe it briefly.")
    guest = visible_guest(session, scope, public_id)
    pref = store_preference(
        session, guest, category=category, value=text, created_by_id=created_by_id, now=datetime.now(UTC)
    )
    line = _line(session, pref)
    _audit(session, "guest.preference.add", guest, pref)
    return line


def _audit(session: Session, action: str, guest: Guest, pref: Preference) -> None:
    """Who added or retired which preference of which guest: its category, never its value."""
    audit.log_event(
        session,
        action,
        guest_public_id=guest.public_id,
        object_type="preference",
        object_id=str(pref.id),
        details={"category": pref.category},
    )


def store_preference(
    session: Session,
    guest: Guest,
    *,
    category: str,
    value: str,
    now: datetime,
    created_by_id: int | None = None,
    source_record_id: int | None = None,
) -> Preference:
    """Write a preference with its value sealed under the guest's data key (a guest without one gets
    one); the caller has checked the guest's scope and the value."""
    vault = pii.vault_of(session)
    if guest.key_ref is None:
        guest.key_ref = vault.new_guest_key()
    pref = Preference(
        guest_id=guest.id,
        category=category,
        key_ref=guest.key_ref,
        created_by_id=created_by_id,
        source_record_id=source_record_id,
        created_at=now,
    )
    session.add(pref)
    session.flush()  # the row id names the value's place (its AAD)
    row = pii.preference_row(pref.id)
    pref.value_enc = pii.seal_value(vault, guest.key_ref, "preference", "value", row, value)
    session.flush()
    return pref


def _opened(vault: Vault, pref: Preference) -> str:
    """The preference's value; empty when its key was shredded (an erased guest)."""
    row = pii.preference_row(pref.id)
    return pii.open_value(vault, pref.key_ref, "preference", "value", row, pref.value_enc) or ""


def _line(session: Session, pref: Preference) -> PreferenceLine:
    for line in list_preferences(session, [pref.guest_id], include_retired=True).get(pref.guest_id, []):
        if line.id == pref.id:
            return line
    raise PreferenceNotFound(f"Preference {pref.id} vanished.")  # pragma: no cover - same transaction


def retire_preference(
    session: Session, *, scope: DataScope, public_id: str, preference_id: int
) -> PreferenceLine:
    """Mark a preference as no longer true (kept, with the time it was retired)."""
    guest = visible_guest(session, scope, public_id)
    pref = session.scalar(
        select(Preference).where(Preference.id == preference_id, Preference.guest_id == guest.id)
    )
    if pref is None:
        raise PreferenceNotFound(
            f"Guest {public_id} has no preference {preference_id}.", hint="Reload the profile."
        )
    if pref.retired_at is None:
        pref.retired_at = datetime.now(UTC)
        session.flush()
        _audit(session, "guest.preference.retire", guest, pref)
    return _line(session, pref)

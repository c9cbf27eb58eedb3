"""The review queue as a data steward sees it: both records side by side (masked, in scope) and
the model's evidence per field in plain words."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, func, select, tuple_
from sqlalchemy.orm import Session

from guestgraph import pii
from guestgraph.access import DataScope, guest_visible, mask_document, mask_email, mask_name, mask_phone
from guestgraph.db.models import Guest, GuestMention, Hotel, SourceRecord, SourceSystem
from guestgraph.db.models.identity import MatchReview
from guestgraph.paging import Page, PageRequest

FIELD_LABELS = {
    "name": "Name",
    "birth_date": "Birth date",
    "phone": "Phone",
    "email": "E-mail",
    "id_number": "ID document",
    "document": "ID document",
    "loyalty": "Loyalty number",
    "loyalty_number": "Loyalty number",
    "city": "City",
    "gender": "Gender",
    "prior": "Starting odds",
}


@dataclass(frozen=True)
class RecordSide:
    guest_public_id: str | None
    source: str
    hotel: str | None
    name: str | None
    phone: str | None
    email: str | None
    document: str | None
    birth_year: int | None
    loyalty: str | None


@dataclass(frozen=True)
class Evidence:
    field: str  # English label, translated in the page
    level: str  # comparison level, e.g. "same reading"
    weight: float  # log2 Bayes factor: > 0 for, < 0 against

    @property
    def direction(self) -> str:
        return "for" if self.weight > 0.05 else "against" if self.weight < -0.05 else "neutral"


@dataclass(frozen=True)
class ReviewCard:
    id: int
    probability: float
    weight: float
    status: str
    left: RecordSide | None
    right: RecordSide | None
    evidence: tuple[Evidence, ...]
    decided_by: str | None
    reason: str | None


def _in_scope(scope: DataScope) -> Any:
    visible = select(Guest.id).where(guest_visible(scope))
    return and_(MatchReview.left_guest_id.in_(visible), MatchReview.right_guest_id.in_(visible))


def _sides(session: Session, keys: set[str]) -> dict[str, RecordSide]:
    parsed = {}
    for key in keys:
        system, person, external = key.split(":", 2)
        parsed[(int(system), int(person), external)] = key
    if not parsed:
        return {}
    rows = session.execute(
        select(GuestMention, SourceRecord.external_id, SourceSystem.code, Hotel.code, Guest.public_id)
        .join(SourceRecord, SourceRecord.id == GuestMention.source_record_id)
        .join(SourceSystem, SourceSystem.id == GuestMention.source_system_id)
        .outerjoin(Hotel, Hotel.id == GuestMention.hotel_id)
        .outerjoin(Guest, Guest.id == GuestMention.guest_id)
        .where(
            tuple_(GuestMention.source_system_id, GuestMention.person_index, SourceRecord.external_id).in_(
                list(parsed)
            )
        )
    ).all()
    out = {}
    vault = pii.vault_of(session)
    opened = pii.open_mentions(vault, [r[0] for r in rows])
    for (m, external, source, hotel, public_id), sealed in zip(rows, opened, strict=True):
        found = parsed.get((m.source_system_id, m.person_index, external))
        if found is None:
            continue
        out[found] = RecordSide(
            guest_public_id=public_id,
            source=source,
            hotel=hotel,
            name=mask_name(m.full_name or m.name_simplified),
            phone=mask_phone(sealed.phone),
            email=mask_email(sealed.email),
            document=mask_document(sealed.id_number),
            birth_year=sealed.birth_date.year if sealed.birth_date else None,
            loyalty=mask_document(m.loyalty_number),
        )
    return out


def _evidence(contributions: dict[str, Any]) -> tuple[Evidence, ...]:
    items = [
        Evidence(
            FIELD_LABELS.get(name, name.replace("_", " ").capitalize()),
            str(v.get("level")),
            float(v.get("weight", 0)),
        )
        for name, v in contributions.items()
        if isinstance(v, dict)
    ]
    return tuple(sorted(items, key=lambda e: -abs(e.weight)))


def review_cards(
    session: Session, *, scope: DataScope, paging: PageRequest, status: str = "pending"
) -> Page[ReviewCard]:
    """The queue in scope (both guests visible), most likely matches first."""
    where = and_(MatchReview.status == status, _in_scope(scope))
    total = session.scalar(select(func.count()).select_from(MatchReview).where(where)) or 0
    rows = list(
        session.scalars(
            select(MatchReview)
            .where(where)
            .order_by(MatchReview.match_probability.desc(), MatchReview.id)
            .offset(paging.offset)
            .limit(paging.size)
        )
    )
    sides = _sides(session, {k for r in rows for k in (r.left_key, r.right_key)})
    cards = [
        ReviewCard(
            id=r.id,
            probability=r.match_probability,
            weight=r.match_weight,
            status=r.status,
            left=sides.get(r.left_key),
            right=sides.get(r.right_key),
            evidence=_evidence(r.contributions or {}),
            decided_by=r.decided_by,
            reason=r.reason,
        )
        for r in rows
    ]
    return Page(cards, total, paging.page, paging.size)


def review_in_scope(session: Session, review_id: int, *, scope: DataScope) -> bool:
    return (
        session.scalar(select(MatchReview.id).where(MatchReview.id == review_id, _in_scope(scope)))
        is not None
    )

"""The 360° guest profile (first slice): golden attributes with provenance, identities, stays with
spend by outlet, and lifetime figures. Scoped and masked in here, so no page or API can forget it."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from guestgraph import pii
from guestgraph.access import (
    DataScope,
    mask_document,
    mask_email,
    mask_name,
    mask_phone,
    stay_visible,
)
from guestgraph.db.models import (
    Charge,
    Guest,
    GuestMention,
    Hotel,
    SourceRecord,
    SourceSystem,
    Stay,
    StayGuest,
    StayStatus,
)
from guestgraph.profiles._alerts import Alert, Visit, alerts_for
from guestgraph.profiles._folio import folio_balances
from guestgraph.profiles._guests import visible_guest
from guestgraph.profiles._interactions import InteractionLine, list_interactions
from guestgraph.profiles._preferences import PreferenceLine, list_preferences


def mask_birth_date(value: str | None) -> str | None:
    """1990-05-17 -> 1990-**-** (the year only)."""
    return value[:4] + "-**-**" if value else value


MASKS = {
    "full_name": mask_name,
    "phone": mask_phone,
    "email": mask_email,
    "id_document_number": mask_document,
    "birth_date": mask_birth_date,
}
SHOWN = (
    "full_name",
    "name_pinyin",
    "salutation",
    "gender",
    "birth_date",
    "nationality",
    "phone",
    "email",
    "id_document_type",
    "id_document_number",
    "loyalty_number",
    "loyalty_tier",
    "city",
)
PROVENANCE_KEY = {"id_document_type": "id_type", "id_document_number": "id_number"}


@dataclass(frozen=True)
class Attribute:
    name: str
    value: str | None
    source: str | None  # the source system that said it
    received_at: datetime | None


@dataclass(frozen=True)
class Identity:
    source: str
    external_id: str
    role: str
    name_as_sent: str | None
    hotel: str | None
    record_key: str  # names the record across its versions (what a steward's split picks)


@dataclass(frozen=True)
class StayLine:
    hotel: str
    hotel_name_zh: str
    hotel_name_en: str
    confirmation_number: str
    arrival: date
    departure: date
    nights: int
    room_type: str | None
    rate_plan: str | None
    channel: str | None
    status: str
    amount: Decimal | None
    currency: str | None
    spend: dict[str, Decimal] = field(default_factory=dict)  # outlet -> folio total
    paid: Decimal = Decimal(0)  # payments received against the folio (never spend or revenue)
    balance: Decimal | None = None  # room revenue and folio lines less payments (`profiles._folio`)


@dataclass(frozen=True)
class Lifetime:
    stays: int
    nights: int
    revenue: Decimal
    average_daily_rate: Decimal | None
    first_stay: date | None
    last_stay: date | None
    favourite_hotel: str | None
    channel_mix: dict[str, int]
    cancellation_rate: float | None


@dataclass(frozen=True)
class GuestProfile:
    public_id: str
    status: str
    attributes: list[Attribute]
    identities: list[Identity]
    stays: list[StayLine]
    lifetime: Lifetime
    merged_ids: list[str]
    preferences: list[PreferenceLine] = field(default_factory=list)
    interactions: list[InteractionLine] = field(default_factory=list)
    alerts: list[Alert] = field(default_factory=list)  # about the stay in house or coming next


def get_profile(session: Session, *, scope: DataScope, public_id: str) -> GuestProfile:
    """The profile of a guest in scope; a merged guest's old ID opens its survivor."""
    guest = visible_guest(session, scope, public_id)
    stays = _stays(session, scope, guest.id)
    preferences = list_preferences(session, [guest.id])
    (alerts,) = alerts_for(
        session, scope=scope, visits=[_next_visit(session, guest.id, stays)], preferences=preferences
    )
    return GuestProfile(
        public_id=guest.public_id,
        status=guest.status.value,
        attributes=_attributes(session, guest),
        identities=_identities(session, guest.id),
        stays=stays,
        lifetime=_lifetime(stays),
        merged_ids=list(session.scalars(select(Guest.public_id).where(Guest.merged_into_id == guest.id))),
        preferences=preferences.get(guest.id, []),
        interactions=list_interactions(session, scope=scope, guest_id=guest.id),
        alerts=alerts,
    )


def _next_visit(session: Session, guest_id: int, stays: list[StayLine]) -> Visit:
    """The stay the alerts are about: the one in house, else the next one booked (each hotel's own
    today); none: only the alerts that need no stay."""
    codes = {s.hotel for s in stays}
    rows = session.execute(select(Hotel.code, Hotel.timezone).where(Hotel.code.in_(codes))).all()
    zones = {row[0]: row[1] for row in rows}
    coming = []
    for s in stays:
        today = datetime.now(ZoneInfo(zones.get(s.hotel, "Asia/Shanghai"))).date()
        if s.status == StayStatus.IN_HOUSE.value or (
            s.status == StayStatus.BOOKED.value and s.arrival >= today
        ):
            coming.append((s.status != StayStatus.IN_HOUSE.value, s.arrival, today, s))
    if not coming:
        return Visit(guest_id, datetime.now(ZoneInfo("Asia/Shanghai")).date())
    _booked, _arrival, today, stay = min(coming, key=lambda c: (c[0], c[1]))
    return Visit(guest_id, today, stay.arrival, stay.departure)


def _attributes(session: Session, guest: Guest) -> list[Attribute]:
    records = {int(v) for v in (guest.provenance or {}).values()}
    origin = {
        rid: (code, at)
        for rid, code, at in session.execute(
            select(SourceRecord.id, SourceSystem.code, SourceRecord.received_at)
            .join(SourceSystem, SourceSystem.id == SourceRecord.source_system_id)
            .where(SourceRecord.id.in_(records))
        )
    }
    out = []
    sealed = pii.guest_values(pii.vault_of(session), guest)
    for name in SHOWN:
        value = sealed[name] if name in sealed else getattr(guest, name)
        text = value.isoformat() if isinstance(value, date) else value
        shown = MASKS[name](text) if name in MASKS else text
        code, at = origin.get((guest.provenance or {}).get(PROVENANCE_KEY.get(name, name), -1), (None, None))
        out.append(Attribute(name, shown, code, at))
    return out


def _identities(session: Session, guest_id: int) -> list[Identity]:
    from guestgraph.identity._resolve import mention_key  # identity imports profiles: not at the top

    rows = session.execute(
        select(
            SourceSystem.code,
            SourceRecord.external_id,
            GuestMention.role,
            GuestMention.full_name,
            Hotel.code,
            GuestMention.source_system_id,
            GuestMention.person_index,
        )
        .join(SourceRecord, SourceRecord.id == GuestMention.source_record_id)
        .join(SourceSystem, SourceSystem.id == GuestMention.source_system_id)
        .join(Hotel, Hotel.id == GuestMention.hotel_id, isouter=True)
        .where(GuestMention.guest_id == guest_id)
        .order_by(SourceSystem.code, SourceRecord.external_id)
    ).all()
    return [
        Identity(code, ext, role, mask_name(name), hotel, mention_key(system, person, ext))
        for code, ext, role, name, hotel, system, person in rows
    ]


def _stays(session: Session, scope: DataScope, guest_id: int) -> list[StayLine]:
    rows = session.execute(
        select(Stay, Hotel)
        .join(Hotel, Hotel.id == Stay.hotel_id)
        .where(
            Stay.id.in_(select(StayGuest.stay_id).where(StayGuest.guest_id == guest_id)), stay_visible(scope)
        )
        .order_by(Stay.arrival.desc())
    ).all()
    spend: dict[int, dict[str, Decimal]] = {}
    for stay_id, outlet, total in session.execute(
        select(Charge.stay_id, Charge.outlet, func.sum(Charge.amount))
        .where(Charge.stay_id.in_([s.id for s, _h in rows]))
        .group_by(Charge.stay_id, Charge.outlet)
    ):
        if stay_id is not None:
            spend.setdefault(stay_id, {})[getattr(outlet, "value", outlet)] = Decimal(total)
    folios = folio_balances(session, [s.id for s, _h in rows])
    return [
        StayLine(
            h.code,
            h.name_zh,
            h.name_en,
            s.confirmation_number,
            s.arrival,
            s.departure,
            (s.departure - s.arrival).days,
            s.room_type,
            s.rate_plan,
            s.channel,
            s.status.value,
            s.amount,
            s.currency,
            spend.get(s.id, {}),
            folios[s.id].payments if s.id in folios else Decimal(0),
            folios[s.id].balance if s.id in folios else None,
        )
        for s, h in rows
    ]


def _lifetime(stays: list[StayLine]) -> Lifetime:
    done = [s for s in stays if s.status in (StayStatus.CHECKED_OUT.value, StayStatus.IN_HOUSE.value)]
    nights = sum(s.nights for s in done)
    room = sum((s.amount or Decimal(0) for s in done), Decimal(0))
    revenue = room + sum((sum(s.spend.values(), Decimal(0)) for s in done), Decimal(0))
    cancelled = sum(1 for s in stays if s.status in (StayStatus.CANCELLED.value, StayStatus.NO_SHOW.value))
    hotels = Counter(s.hotel for s in done)
    return Lifetime(
        stays=len(done),
        nights=nights,
        revenue=revenue,
        average_daily_rate=(room / nights).quantize(Decimal("0.01")) if nights else None,
        first_stay=min((s.arrival for s in done), default=None),
        last_stay=max((s.arrival for s in done), default=None),
        favourite_hotel=hotels.most_common(1)[0][0] if hotels else None,
        channel_mix=dict(Counter(s.channel or "?" for s in done)),
        cancellation_rate=cancelled / len(stays) if stays else None,
    )

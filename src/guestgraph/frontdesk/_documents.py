"""The front desk's documents for one stay: the registration card the guest signs and the folio
statement, as data (built here) and as PDF (rendered by `_pdf`).

The stay is found through the caller's data scope in the query itself: a stay of another hotel is
`StayNotFound` exactly like a confirmation number that does not exist. Two queries per document
(the stay with its hotel and primary guest; its folio lines). On the card the ID number, phone and
e-mail are masked as the profile masks them; a user with guest.reveal who states a purpose gets the
ID number and phone in full, through the profile's reveal (grant, audit event, anomaly check).
Names are printed in full: the guest signs the card and takes the folio, in person.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, tzinfo
from decimal import Decimal
from typing import Literal
from zoneinfo import ZoneInfo

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from guestgraph import audit, pii
from guestgraph.access import (
    Forbidden,
    Permission,
    Principal,
    hotel_visible,
    mask_document,
    mask_email,
    mask_phone,
    stay_visible,
)
from guestgraph.db.models import (
    Charge,
    Guest,
    GuestMention,
    GuestRole,
    GuestStatus,
    Hotel,
    Payment,
    Stay,
    StayGuest,
    StayStatus,
)
from guestgraph.errors import InvalidInput
from guestgraph.frontdesk._charges import OUTLETS
from guestgraph.frontdesk._fonts import DocumentFont
from guestgraph.frontdesk._pdf import render_folio, render_registration_card
from guestgraph.frontdesk._stay_lookup import StayNotFound
from guestgraph.profiles import PURPOSES, reveal

DocumentKind = Literal["registration_card", "folio"]
FULL_FIELDS = ("id_document_number", "phone")  # what a stated purpose shows in full on the card
ROOM_POSTED = frozenset({StayStatus.IN_HOUSE, StayStatus.CHECKED_OUT})  # room revenue is on the folio


@dataclass(frozen=True)
class StayHeader:
    hotel_code: str
    hotel_name_zh: str
    hotel_name_en: str
    confirmation_number: str
    arrival: date
    departure: date
    nights: int
    status: str
    room_number: str | None
    room_type: str | None
    rate_plan: str | None
    adults: int | None
    children: int | None
    room_amount: Decimal | None
    currency: str
    guest_public_id: str | None
    name_han: str | None  # the name in Chinese characters, when it is written so
    name_latin: str | None  # pinyin in capitals, or the name as written in Latin letters
    printed_at: datetime  # the hotel's local time


@dataclass(frozen=True)
class RegistrationCard:
    stay: StayHeader
    nationality: str | None
    id_document_type: str | None
    id_document_number: str | None  # masked unless full_values
    phone: str | None  # masked unless full_values
    email: str | None  # always masked
    full_values: bool
    purpose: str | None


@dataclass(frozen=True)
class FolioLine:
    day: date
    outlet: str
    description: str | None
    amount: Decimal
    currency: str


@dataclass(frozen=True)
class FolioPayment:
    day: date
    method: str
    reference: str | None
    card_last4: str | None
    amount: Decimal  # below zero: a refund
    currency: str
    reason: str | None = None  # a refund's, or a void's
    voided: bool = False  # posted in error: shown struck through, counts for nothing


@dataclass(frozen=True)
class FolioStatement:
    stay: StayHeader
    lines: list[FolioLine]
    outlet_totals: list[tuple[str, str, Decimal]]  # (outlet, currency, total) in outlet order
    totals: dict[str, Decimal]  # currency -> grand total
    payments: list[FolioPayment] = field(default_factory=list)

    @property
    def paid(self) -> dict[str, Decimal]:
        """Currency -> payments received less refunds (voided ones count for nothing)."""
        out: dict[str, Decimal] = {}
        for p in self.payments:
            if p.voided:
                continue
            out[p.currency] = out.get(p.currency, Decimal(0)) + p.amount
        return out

    @property
    def balances(self) -> dict[str, Decimal]:
        """Currency -> charges less payments (the same rule as `profiles.folio_balances`)."""
        paid = self.paid
        return {c: self.totals.get(c, Decimal(0)) - paid.get(c, Decimal(0)) for c in {**self.totals, **paid}}


@dataclass(frozen=True)
class StayDocument:
    kind: DocumentKind
    filename: str
    content: bytes
    media_type: str = "application/pdf"


def stay_document(
    session: Session,
    principal: Principal,
    *,
    kind: DocumentKind,
    hotel_code: str,
    confirmation_number: str,
    font: DocumentFont,
    purpose: str | None = None,
    now: datetime | None = None,
) -> StayDocument:
    """One stay's registration card or folio statement as PDF, audited (kind, stay, purpose)."""
    if purpose is not None:
        _check_reveal(principal, purpose, kind)
    moment = now or datetime.now(UTC)
    stay, header, guest = _load(session, principal, hotel_code, confirmation_number, moment)
    if kind == "registration_card":
        card = _card(session, principal, header, guest, purpose, moment)
        content = render_registration_card(card, font)
    else:
        content = render_folio(_folio(session, stay, header), font)
    audit.log_event(
        session,
        "guest.document",
        guest_public_id=header.guest_public_id,
        object_type="stay",
        object_id=f"{header.hotel_code}:{header.confirmation_number}",
        purpose=purpose,
        details={"kind": kind, "full_values": purpose is not None and guest is not None},
    )
    safe = re.sub(r"[^A-Za-z0-9_-]", "_", f"{header.hotel_code}-{header.confirmation_number}")
    return StayDocument(kind, f"{kind.replace('_', '-')}-{safe}.pdf", content)


def _check_reveal(principal: Principal, purpose: str, kind: DocumentKind) -> None:
    """The reveal's own rules, checked before anything is read (so the answer is the same for any stay)."""
    if kind != "registration_card":
        raise InvalidInput("purpose: only the registration card shows full values.", hint="Leave it out.")
    if not principal.can(Permission.GUEST_REVEAL):
        raise Forbidden(
            "Your role may not see full personal data.", hint="Print the card masked, or ask a manager."
        )
    if purpose not in PURPOSES:
        raise InvalidInput(
            "purpose: say why you need the full values.", hint=f"One of: {', '.join(PURPOSES)}."
        )


def _load(
    session: Session, principal: Principal, hotel_code: str, conf: str, moment: datetime
) -> tuple[Stay, StayHeader, Guest | None]:
    scope = principal.scope
    primary = and_(StayGuest.stay_id == Stay.id, StayGuest.role == GuestRole.PRIMARY)
    sent_name = and_(GuestMention.source_record_id == Stay.source_record_id, GuestMention.person_index == 0)
    row = session.execute(
        select(Stay, Hotel, Guest, GuestMention.full_name)
        .join(Hotel, Hotel.id == Stay.hotel_id)
        .join(StayGuest, primary, isouter=True)
        .join(Guest, Guest.id == StayGuest.guest_id, isouter=True)
        .join(GuestMention, sent_name, isouter=True)
        .where(
            Hotel.code == hotel_code,
            Stay.confirmation_number == conf,
            hotel_visible(scope),
            stay_visible(scope),
        )
        .order_by(StayGuest.guest_id)
        .limit(1)
    ).first()
    if row is None:
        raise StayNotFound(
            f"No stay {conf!r} at {hotel_code!r} in your data scope.", hint="Check the confirmation number."
        )
    stay, hotel, found, name_as_sent = row
    guest: Guest | None = found
    if found is not None and found.status is GuestStatus.ERASED:
        guest, name_as_sent = None, None  # erased: the stay is kept for accounting, without the person
    han, latin = _names(
        guest.full_name if guest else None, guest.name_pinyin if guest else None, name_as_sent
    )
    header = StayHeader(
        hotel.code,
        hotel.name_zh,
        hotel.name_en,
        stay.confirmation_number,
        stay.arrival,
        stay.departure,
        (stay.departure - stay.arrival).days,
        stay.status.value,
        stay.room_number,
        stay.room_type,
        stay.rate_plan,
        stay.adults,
        stay.children,
        stay.amount,
        stay.currency or hotel.currency,
        guest.public_id if guest else None,
        han,
        latin,
        moment.astimezone(ZoneInfo(hotel.timezone or "Asia/Shanghai")),
    )
    return stay, header, guest


def _names(full_name: str | None, pinyin: str | None, as_sent: str | None) -> tuple[str | None, str | None]:
    name = (full_name or as_sent or "").strip()
    if not name:
        return None, None
    if name.isascii():
        return None, name
    return name, pinyin.strip().upper() if pinyin and pinyin.strip() else None


def _card(
    session: Session,
    principal: Principal,
    header: StayHeader,
    guest: Guest | None,
    purpose: str | None,
    moment: datetime,
) -> RegistrationCard:
    if guest is None:
        return RegistrationCard(header, None, None, None, None, None, False, purpose)
    opened = pii.guest_values(pii.vault_of(session), guest)
    number, phone = mask_document(opened["id_document_number"]), mask_phone(opened["phone"])
    if purpose is not None:
        shown = {
            f: reveal(
                session,
                principal,
                scope=principal.scope,
                public_id=guest.public_id,
                field=f,
                purpose=purpose,
                now=moment,
            ).value
            for f in FULL_FIELDS
        }
        number, phone = shown["id_document_number"], shown["phone"]
    return RegistrationCard(
        header,
        guest.nationality,
        guest.id_document_type,
        number,
        phone,
        mask_email(opened["email"]),
        purpose is not None,
        purpose,
    )


def _folio(session: Session, stay: Stay, header: StayHeader) -> FolioStatement:
    zone = header.printed_at.tzinfo or UTC
    lines = _room_lines(stay, header)
    for posted_at, outlet, description, amount, currency in session.execute(
        select(Charge.posted_at, Charge.outlet, Charge.description, Charge.amount, Charge.currency)
        .where(Charge.stay_id == stay.id)
        .order_by(Charge.posted_at, Charge.id)
    ):
        at = posted_at if posted_at.tzinfo else posted_at.replace(tzinfo=UTC)
        lines.append(
            FolioLine(
                at.astimezone(zone).date(),
                str(getattr(outlet, "value", outlet)),
                description,
                amount,
                currency,
            )
        )
    lines.sort(key=lambda line: line.day)
    return FolioStatement(header, lines, *_totals(lines), payments=_payments(session, stay, zone))


def _payments(session: Session, stay: Stay, zone: tzinfo) -> list[FolioPayment]:
    rows = session.execute(
        select(
            Payment.paid_at,
            Payment.method,
            Payment.reference,
            Payment.card_last4,
            Payment.amount,
            Payment.currency,
            Payment.reason,
            Payment.voided_at,
            Payment.void_reason,
        )
        .where(Payment.stay_id == stay.id)
        .order_by(Payment.paid_at, Payment.id)
    )
    return [
        FolioPayment(
            (at if at.tzinfo else at.replace(tzinfo=UTC)).astimezone(zone).date(),
            str(getattr(method, "value", method)),
            reference,
            last4,
            amount,
            currency,
            " · ".join(x for x in (reason, void_reason) if x) or None,
            voided_at is not None,
        )
        for at, method, reference, last4, amount, currency, reason, voided_at, void_reason in rows
    ]


def _room_lines(stay: Stay, header: StayHeader) -> list[FolioLine]:
    """The stay's room revenue, one line a night (cents that do not divide go on the last night)."""
    if stay.status not in ROOM_POSTED or not stay.amount or header.nights <= 0:
        return []
    nightly = (stay.amount / header.nights).quantize(Decimal("0.01"))
    last = stay.amount - nightly * (header.nights - 1)
    label = " · ".join(x for x in (header.room_type, header.rate_plan) if x) or None
    return [
        FolioLine(
            stay.arrival + timedelta(days=i),
            "room",
            label,
            last if i == header.nights - 1 else nightly,
            header.currency,
        )
        for i in range(header.nights)
    ]


def _totals(lines: list[FolioLine]) -> tuple[list[tuple[str, str, Decimal]], dict[str, Decimal]]:
    by_outlet: dict[tuple[str, str], Decimal] = {}
    totals: dict[str, Decimal] = {}
    for line in lines:
        key = (line.outlet, line.currency)
        by_outlet[key] = by_outlet.get(key, Decimal(0)) + line.amount
        totals[line.currency] = totals.get(line.currency, Decimal(0)) + line.amount
    order = {o: i for i, o in enumerate(OUTLETS)}
    ranked = sorted(by_outlet.items(), key=lambda kv: (order.get(kv[0][0], len(order)), kv[0][1]))
    return [(outlet, currency, total) for (outlet, currency), total in ranked], totals

"""Recommendations by rule from the guest's history: the room type they book most, and packages or
offers their tags point to, each with its reason in plain words. Set-based: four queries for any
number of guests (the arrivals list asks for all its guests at once)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from guestgraph.access import DataScope, guest_visible, stay_visible
from guestgraph.db.models import (
    Guest,
    GuestMetrics,
    GuestTag,
    Offer,
    OfferHotel,
    OfferStatus,
    Stay,
    StayGuest,
    StayStatus,
)
from guestgraph.errors import GuestNotFound
from guestgraph.offers import offer_visible
from guestgraph.recommend._rules import RecommendationRules, load_rules

COUNTED = (StayStatus.CHECKED_OUT, StayStatus.IN_HOUSE)


@dataclass(frozen=True)
class Recommendation:
    code: str  # "room_type" or the package's code
    kind: str  # room_type | package
    title_zh: str
    title_en: str
    reason_zh: str
    reason_en: str
    offer_id: int | None = None
    offer_name_zh: str | None = None
    offer_name_en: str | None = None

    def title(self, locale: str) -> str:
        return self.title_zh if locale in ("zh_CN", "zh") else self.title_en

    def reason(self, locale: str) -> str:
        return self.reason_zh if locale in ("zh_CN", "zh") else self.reason_en

    def offer_name(self, locale: str) -> str | None:
        return self.offer_name_zh if locale in ("zh_CN", "zh") else self.offer_name_en


def _room_types(session: Session, scope: DataScope, ids: list[int]) -> dict[int, list[tuple[str, int]]]:
    """Per guest, (room type, stays) of their counted stays in scope, most first."""
    n = func.count()
    rows = session.execute(
        select(StayGuest.guest_id, Stay.room_type, n)
        .join(Stay, Stay.id == StayGuest.stay_id)
        .where(
            StayGuest.guest_id.in_(ids),
            Stay.status.in_(COUNTED),
            Stay.room_type.is_not(None),
            stay_visible(scope),
        )
        .group_by(StayGuest.guest_id, Stay.room_type)
        .order_by(StayGuest.guest_id, n.desc(), Stay.room_type)
    )
    out: dict[int, list[tuple[str, int]]] = defaultdict(list)
    for gid, room_type, count in rows:
        out[gid].append((str(room_type), int(count)))
    return out


def _money(value: Decimal | None) -> str:
    return f"{value or 0:,.0f}"


def _facts(session: Session, ids: list[int]) -> dict[int, dict[str, Any]]:
    rows = session.execute(
        select(
            Guest.id,
            Guest.vip_level,
            Guest.loyalty_tier,
            GuestMetrics.child_stays,
            GuestMetrics.spa_spend,
            GuestMetrics.fnb_spend,
            GuestMetrics.stays,
            GuestMetrics.nights,
        )
        .join(GuestMetrics, GuestMetrics.guest_id == Guest.id, isouter=True)
        .where(Guest.id.in_(ids))
    )
    return {
        r.id: {
            "level": r.vip_level or r.loyalty_tier or "",
            "child_stays": r.child_stays or 0,
            "spa_spend": _money(r.spa_spend),
            "fnb_spend": _money(r.fnb_spend),
            "stays": r.stays or 0,
            "nights": r.nights or 0,
        }
        for r in rows
    }


def _offers(
    session: Session, scope: DataScope, rules: RecommendationRules, today: date, hotel_id: int | None
) -> dict[str, Offer]:
    """The first active offer of each kind the packages name, valid today (at the hotel, if given)."""
    kinds = {p.offer_kind for p in rules.packages if p.offer_kind is not None}
    if not kinds:
        return {}
    query = (
        select(Offer)
        .where(
            Offer.kind.in_(kinds),
            Offer.status == OfferStatus.ACTIVE,
            Offer.valid_from <= today,
            Offer.valid_to >= today,
            offer_visible(scope),
        )
        .order_by(Offer.valid_to, Offer.id)
    )
    if hotel_id is not None:
        listed = select(OfferHotel.offer_id).where(OfferHotel.offer_id == Offer.id)
        here = select(OfferHotel.offer_id).where(
            OfferHotel.offer_id == Offer.id, OfferHotel.hotel_id == hotel_id
        )
        query = query.where(or_(~listed.exists(), here.exists()))
    out: dict[str, Offer] = {}
    for offer in session.scalars(query):
        out.setdefault(offer.kind.value, offer)
    return out


def recommendations_for(
    session: Session,
    *,
    scope: DataScope,
    guest_ids: list[int],
    today: date,
    hotel_id: int | None = None,
    rules: RecommendationRules | None = None,
) -> dict[int, list[Recommendation]]:
    """The recommendations of each guest (the caller has checked the guests are in scope); room types
    from the stays in scope only."""
    ids = sorted(set(guest_ids))
    if not ids:
        return {}
    rules = rules or load_rules()
    rooms = _room_types(session, scope, ids)
    wanted_tags = {p.tag for p in rules.packages}
    tags: dict[int, set[str]] = defaultdict(set)
    for gid, tag in session.execute(
        select(GuestTag.guest_id, GuestTag.tag).where(
            GuestTag.guest_id.in_(ids), GuestTag.tag.in_(wanted_tags), GuestTag.retired_at.is_(None)
        )
    ):
        tags[gid].add(tag)
    facts = _facts(session, ids) if tags else {}
    offers = _offers(session, scope, rules, today, hotel_id) if tags else {}
    out: dict[int, list[Recommendation]] = {}
    for gid in ids:
        found: list[Recommendation] = []
        counts = rooms.get(gid, [])
        total = sum(n for _t, n in counts)
        if counts:
            room_type, n = counts[0]
            room = rules.room_type
            if n >= room.min_stays and n >= room.min_share * total:
                values = {"n": n, "total": total, "room_type": room_type}
                found.append(
                    Recommendation(
                        "room_type",
                        "room_type",
                        room_type,
                        room_type,
                        room.because.text("zh", values),
                        room.because.text("en", values),
                    )
                )
        for p in rules.packages:
            if p.tag not in tags.get(gid, set()):
                continue
            offer = offers.get(p.offer_kind.value) if p.offer_kind else None
            values = facts.get(gid, {})
            found.append(
                Recommendation(
                    p.code,
                    "package",
                    p.name_zh,
                    p.name_en,
                    p.because.text("zh", values),
                    p.because.text("en", values),
                    offer.id if offer else None,
                    offer.name_zh if offer else None,
                    offer.name_en if offer else None,
                )
            )
        if found:
            out[gid] = found
    return out


def guest_recommendations(
    session: Session, *, scope: DataScope, public_id: str, today: date
) -> list[Recommendation]:
    """One guest's recommendations; a guest outside the scope is not found, like an unknown ID."""
    gid = session.scalar(select(Guest.id).where(Guest.public_id == public_id, guest_visible(scope)))
    if gid is None:
        raise GuestNotFound(f"No guest {public_id} in your data scope.", hint="Check the guest ID.")
    return recommendations_for(session, scope=scope, guest_ids=[gid], today=today).get(gid, [])


def headline(session: Session, *, guest_id: int, lang: str, today: date, hotel_id: int | None = None) -> str:
    """The `{{ recommendation }}` of a campaign or journey message: the first package (its offer's
    name when one is linked), else the room type the guest books most; empty when there is none."""
    found = recommendations_for(
        session, scope=DataScope.group(), guest_ids=[guest_id], today=today, hotel_id=hotel_id
    ).get(guest_id, [])
    best = next((r for r in found if r.kind == "package"), found[0] if found else None)
    if best is None:
        return ""
    return best.offer_name(lang) or best.title(lang)

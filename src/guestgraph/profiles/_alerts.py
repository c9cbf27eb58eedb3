"""Alerts a clerk must not miss, derived from data (nothing is typed as an alert): a VIP or upper
loyalty tier arriving today, an allergy, a complaint on the last stay, a birthday during the stay,
a "do not rent" flag. Computed for many guests with a fixed number of queries (the arrivals list)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from guestgraph.access import DataScope, hotel_id_visible, stay_visible
from guestgraph.db.models import Guest, Interaction, Stay, StayGuest, StayStatus
from guestgraph.profiles._interactions import interaction_texts
from guestgraph.profiles._preferences import PreferenceLine

ALERT_KINDS = ("do_not_rent", "vip_arriving", "allergy", "complaint_last_stay", "birthday")
# Loyalty tiers worth a welcome (the programme's own words, in either language), lower-cased.
NOTABLE_TIERS = frozenset({"gold", "platinum", "diamond", "black", "金卡", "白金卡", "钻石卡", "黑卡"})
COMPLAINT_DAYS_AFTER = 7  # a complaint this long after the departure still counts for that stay


@dataclass(frozen=True)
class Visit:
    """The stay an alert is about (None dates: the guest has no stay coming), and the hotel's today."""

    guest_id: int
    today: date
    arrival: date | None = None
    departure: date | None = None


@dataclass(frozen=True)
class Alert:
    kind: str  # one of ALERT_KINDS
    detail: str | None = None


def alerts_for(
    session: Session,
    *,
    scope: DataScope,
    visits: list[Visit],
    preferences: dict[int, list[PreferenceLine]],
) -> list[list[Alert]]:
    """The alerts of each visit, in the order given; `preferences` are the guests' active ones."""
    ids = sorted({v.guest_id for v in visits})
    if not ids:
        return []
    guests = {
        gid: (vip, tier, (month, day) if month and day else None)
        for gid, vip, tier, month, day in session.execute(
            select(Guest.id, Guest.vip_level, Guest.loyalty_tier, Guest.birth_month, Guest.birth_day).where(
                Guest.id.in_(ids)
            )
        )
    }
    complaints = _complaints(session, scope, ids)
    last_stays = _past_stays(session, scope, ids)
    out = []
    for v in visits:
        vip, tier, birth = guests.get(v.guest_id, (None, None, None))
        prefs = preferences.get(v.guest_id, [])
        found = [Alert("do_not_rent", p.value) for p in prefs if p.category == "do_not_rent"]
        if v.arrival == v.today and (vip or (tier or "").strip().lower() in NOTABLE_TIERS):
            found.append(Alert("vip_arriving", vip or tier))
        found += [Alert("allergy", p.value) for p in prefs if p.category == "allergy"]
        complaint = _complaint_on_last_stay(
            last_stays.get(v.guest_id, []), complaints.get(v.guest_id, []), v.arrival or v.today
        )
        if complaint is not None:
            found.append(Alert("complaint_last_stay", complaint))
        if birth is not None and v.arrival and v.departure:
            day = birthday_between(birth, v.arrival, v.departure)
            if day is not None:
                found.append(Alert("birthday", day.isoformat()))
        out.append(found)
    return out


def birthday_between(birth: tuple[int, int], start: date, end: date) -> date | None:
    """The guest's birthday (month, day) falling from `start` to `end` (both included); 29 February
    is kept on 28 February in other years."""
    month, mday = birth
    for year in range(start.year, end.year + 1):
        try:
            day = date(year, month, mday)
        except ValueError:
            day = date(year, 2, 28)
        if start <= day <= end:
            return day
    return None


def _past_stays(session: Session, scope: DataScope, ids: list[int]) -> dict[int, list[tuple[date, date]]]:
    rows = session.execute(
        select(StayGuest.guest_id, Stay.arrival, Stay.departure)
        .join(Stay, Stay.id == StayGuest.stay_id)
        .where(
            StayGuest.guest_id.in_(ids),
            Stay.status.in_([StayStatus.CHECKED_OUT, StayStatus.IN_HOUSE]),
            stay_visible(scope),
        )
    )
    out: dict[int, list[tuple[date, date]]] = {}
    for gid, arrival, departure in rows:
        out.setdefault(gid, []).append((arrival, departure))
    return out


def _complaints(session: Session, scope: DataScope, ids: list[int]) -> dict[int, list[tuple[date, str]]]:
    rows = session.execute(
        select(
            Interaction.id,
            Interaction.guest_id,
            Interaction.occurred_at,
            Interaction.key_ref,
            Interaction.text_enc,
        ).where(
            Interaction.guest_id.in_(ids),
            Interaction.kind == "complaint",
            hotel_id_visible(Interaction.hotel_id, scope),
        )
    ).all()
    out: dict[int, list[tuple[date, str]]] = {}
    for row, text in zip(rows, interaction_texts(session, rows), strict=True):
        out.setdefault(row.guest_id, []).append((row.occurred_at.date(), text))
    return out


def _complaint_on_last_stay(
    stays: list[tuple[date, date]], complaints: list[tuple[date, str]], before: date
) -> str | None:
    """The first line of a complaint made during the last stay that began before `before` (or within
    a week after it ended)."""
    earlier = [s for s in stays if s[0] < before]
    if not earlier or not complaints:
        return None
    arrival, departure = max(earlier)
    until = departure + timedelta(days=COMPLAINT_DAYS_AFTER)
    for day, text in sorted(complaints, reverse=True):
        if arrival <= day <= until:
            first = text.strip().splitlines()[0] if text.strip() else ""
            return first[:120]
    return None

"""Stay planning: which person stayed where, when, through which channel, and how it ended."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from itertools import accumulate

from guestgraph.demo import _ids
from guestgraph.demo._group import HOTELS, Hotel
from guestgraph.demo._people import Person, ascii_fold

OTA = frozenset({"ctrip", "booking", "expedia"})
CHANNELS = ("direct", "web", "phone", "walkin", "corporate", "ctrip", "booking", "expedia")
_CHANNEL_CUM = {
    "mainland": tuple(accumulate((12, 12, 8, 8, 12, 38, 5, 5))),
    "hk_tw": tuple(accumulate((10, 12, 5, 5, 10, 18, 25, 15))),
    "international": tuple(accumulate((10, 12, 3, 5, 14, 2, 34, 20))),
}
# Hotel preference per kind, in HOTELS order (SHA01 SHA02 HGH01 SZV01 CAN01 SZX01 SYX01 HKG01 PEK01).
_HOTEL_CUM = {
    "mainland": tuple(accumulate((14, 10, 10, 7, 10, 10, 9, 5, 15))),
    "hk_tw": tuple(accumulate((10, 5, 4, 3, 12, 14, 5, 20, 6))),
    "international": tuple(accumulate((18, 8, 6, 4, 8, 8, 5, 22, 21))),
}
# How many guest-bearing source records a person has in total (1..6).
_RECORDS_CUM = tuple(accumulate((30, 25, 18, 12, 9, 6)))
_NIGHTS = (1, 2, 3, 4, 5, 6, 7, 10, 14)
_NIGHTS_CUM = tuple(accumulate((40, 28, 14, 6, 4, 2, 3, 2, 1)))
_POS_CUM = tuple(accumulate((50, 30, 15, 5)))

# Room types: code, Chinese name, price factor, weight.
ROOM_TYPES: tuple[tuple[str, str, float], ...] = (
    ("SKD", "高级大床房", 1.0),
    ("STW", "高级双床房", 1.0),
    ("DKD", "豪华大床房", 1.3),
    ("DTW", "豪华双床房", 1.3),
    ("EKD", "行政大床房", 1.8),
    ("SUI", "套房", 3.2),
)
_ROOM_CUM = tuple(accumulate((30, 22, 22, 14, 9, 3)))
_RATE_CODES = {
    "direct": "BAR",
    "web": "WEBBAR",
    "phone": "BAR",
    "walkin": "RACK",
    "corporate": "CORP",
    "ctrip": "OTACT",
    "booking": "OTABK",
    "expedia": "OTAEX",
}
HISTORY_DAYS = 3 * 365
FUTURE_DAYS = 60


@dataclass(slots=True, eq=False)
class Stay:
    """One reservation of one person at one hotel."""

    person: Person
    hotel: Hotel
    channel: str
    arrival: date
    nights: int
    status: str  # out / in / reserved / cancelled / noshow
    created: datetime
    key: float  # deterministic tie-breaker for sorting
    room_type: int = 0  # index into ROOM_TYPES
    room: str = ""
    rate_code: str = "BAR"
    nightly: int = 0  # whole units of the hotel currency
    adults: int = 1
    frontdesk: bool = False
    pos_checks: int = 0
    ota_modified: bool = False
    ota_cancel_only: bool = False
    corp_contact: bool = False  # the company travel desk e-mail is on the booking
    conf: str = ""
    ota_id: str = ""
    ota_email: str = ""
    ota_phone: str = ""
    changed_at: datetime | None = field(default=None)  # modification or cancellation time

    @property
    def departure(self) -> date:
        return self.arrival + timedelta(days=self.nights)

    @property
    def arrived(self) -> bool:
        return self.status in ("out", "in")

    @property
    def is_ota(self) -> bool:
        return self.channel in OTA


def _status(rng: random.Random, arrival: date, nights: int, today: date) -> str:
    if arrival > today:
        return "cancelled" if rng.random() < 0.07 else "reserved"
    if arrival + timedelta(days=nights) > today:
        return "in"
    r = rng.random()
    return "out" if r < 0.90 else "cancelled" if r < 0.96 else "noshow"


def _created(rng: random.Random, channel: str, arrival: date, today: date) -> datetime:
    if channel == "walkin":
        return datetime.combine(arrival, time(14)) + timedelta(seconds=rng.randrange(10 * 3600))
    r = rng.random()
    lead = rng.randrange(0, 4) if r < 0.3 else rng.randrange(4, 31) if r < 0.75 else rng.randrange(31, 121)
    moment = datetime.combine(arrival - timedelta(days=lead), time()) + timedelta(
        seconds=rng.randrange(86400)
    )
    latest = datetime.combine(today, time()) - timedelta(minutes=1)
    if moment > latest:
        moment = latest - timedelta(seconds=rng.randrange(7 * 86400))
    return moment


def _changed_at(rng: random.Random, created: datetime, arrival: date, today: date) -> datetime:
    end = min(datetime.combine(arrival, time(18)), datetime.combine(today, time()) - timedelta(minutes=1))
    span = max(60, int((end - created).total_seconds()))
    return created + timedelta(seconds=rng.randrange(30, span + 30))


def _new_stay(rng: random.Random, p: Person, hotel: Hotel, today: date) -> Stay:
    channel = rng.choices(CHANNELS, cum_weights=_CHANNEL_CUM[p.kind])[0]
    if channel == "ctrip" and not hotel.mainland:
        channel = "booking"
    arrival = date.fromordinal(today.toordinal() - rng.randrange(-FUTURE_DAYS, HISTORY_DAYS))
    nights = rng.choices(_NIGHTS, cum_weights=_NIGHTS_CUM)[0] + (1 if hotel.code == "SYX01" else 0)
    status = _status(rng, arrival, nights, today)
    if channel == "walkin" and status not in ("out", "in"):
        channel = "direct"
    st = Stay(
        p, hotel, channel, arrival, nights, status, _created(rng, channel, arrival, today), rng.random()
    )
    st.room_type = rng.choices(range(len(ROOM_TYPES)), cum_weights=_ROOM_CUM)[0]
    if status in ("out", "in"):
        st.room = f"{rng.randrange(3, 3 + hotel.rooms // 20)}{rng.randrange(1, 21):02d}"
    st.rate_code = "MEMBER" if channel == "web" and p.loyalty_no else _RATE_CODES[channel]
    st.nightly = round(hotel.base_rate * ROOM_TYPES[st.room_type][2] * rng.uniform(0.85, 1.3))
    st.adults = 1 if rng.random() < 0.6 else 2 if rng.random() < 0.95 else 3
    if st.is_ota:
        st.ota_modified = rng.random() < 0.08
        st.ota_cancel_only = status == "cancelled" and rng.random() < 0.15
    if st.ota_modified or status == "cancelled":
        st.changed_at = _changed_at(rng, st.created, arrival, today)
    st.corp_contact = (
        bool(p.corp_email) and channel in ("corporate", "web", "phone", "ctrip") and rng.random() < 0.6
    )
    return st


def plan_person(rng: random.Random, p: Person, today: date) -> list[Stay]:
    """The stays of one person, sized so that the person has 1..6 guest-bearing records in total."""
    budget = rng.choices(range(1, 7), cum_weights=_RECORDS_CUM)[0]
    if p.loyalty_no:
        if budget == 1 and rng.random() < 0.8:
            budget = 2
        budget -= 1  # the loyalty member record itself
    stays: list[Stay] = []
    favourite = rng.choices(HOTELS, cum_weights=_HOTEL_CUM[p.kind])[0]
    while budget > 0:
        hotel = favourite if rng.random() < 0.6 else rng.choices(HOTELS, cum_weights=_HOTEL_CUM[p.kind])[0]
        st = _new_stay(rng, p, hotel, today)
        st.frontdesk = hotel.frontdesk and st.arrived and (st.channel == "walkin" or rng.random() < 0.25)
        cost = 1 + st.is_ota + st.frontdesk
        if cost > budget:
            st.frontdesk = False
            if st.is_ota and budget == 1:
                st.channel, st.rate_code = "direct", "BAR"
                st.ota_modified = st.ota_cancel_only = False
            cost = 1 + st.is_ota
        budget -= cost
        if st.arrived and budget > 0:
            st.pos_checks = min(budget, rng.choices(range(4), cum_weights=_POS_CUM)[0])
            budget -= st.pos_checks
        stays.append(st)
    return stays


def _relay_email(rng: random.Random, st: Stay) -> str:
    p = st.person
    if st.channel == "booking":
        stem = ascii_fold(p.lat_given[:1] + p.lat_sur).lower().replace(" ", "").replace("'", "")
        return f"{stem}.{rng.randrange(100000, 999999)}@guest.booking.com"
    if st.channel == "expedia":
        return f"{rng.getrandbits(80):020x}@m.expediapartnercentral.com"
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    return "".join(rng.choice(alphabet) for _ in range(5)) + "@ctrip-relay.example"


def _ota_phone(rng: random.Random, st: Stay) -> str:
    p = st.person
    real = f"+{p.cc}{p.mobile_on(st.created.date())}"
    r = rng.random()
    if st.channel == "ctrip":
        if r < 0.5:
            return "+86" + _ids.virtual_cn_number(rng)
        if r < 0.65:
            return f"1710000{rng.randrange(10000):04d}-{rng.randrange(1000, 10000)}"
        return real
    if st.channel == "booking":
        return real if r < 0.8 else ""
    return real if r < 0.6 else ""


def assign_identifiers(rng: random.Random, stays: Sequence[Stay]) -> None:
    """Confirmation numbers per hotel and OTA reservation ids, in booking (creation) order."""
    counters: dict[str, int] = {}
    for h in HOTELS:
        counters[h.code] = (
            rng.randrange(10_000_000, 30_000_000)
            if h.chinese_pms
            else rng.randrange(100_000_000, 300_000_000)
        )
    taken: set[str] = set()
    ranges = {
        "ctrip": (1_000_000_000, 4_000_000_000),
        "booking": (2_000_000_000, 6_000_000_000),
        "expedia": (100_000_000, 1_000_000_000),
    }
    for st in sorted(stays, key=lambda s: (s.created, s.key)):
        code = st.hotel.code
        counters[code] += rng.randrange(1, 5)
        st.conf = str(counters[code])
        if st.is_ota:
            lo, hi = ranges[st.channel]
            uid = str(rng.randrange(lo, hi))
            while f"{st.channel}:{uid}" in taken:
                uid = str(rng.randrange(lo, hi))
            taken.add(f"{st.channel}:{uid}")
            st.ota_id = uid
            st.ota_email = _relay_email(rng, st)
            st.ota_phone = _ota_phone(rng, st)

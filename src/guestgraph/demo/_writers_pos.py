"""Outlet charges: ``pos/<HOTEL>_folio.csv`` (UTF-8), one line per check, by posting time."""

from __future__ import annotations

import csv
import random
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta

from guestgraph.demo._context import Context
from guestgraph.demo._dirt import HOMOPHONE_RATE_PHONE, NEGATIVE_AMOUNT_RATE, Dirt
from guestgraph.demo._group import Hotel
from guestgraph.demo._render import cents
from guestgraph.demo._stays import Stay

HEADER = ("check_no", "posted_at", "outlet", "room_no", "guest_name", "amount", "currency", "conf_no")
# outlet: Chinese label, English label, amount range in cents, opening hours (start, end)
OUTLETS = (
    ("餐厅", "restaurant", (8_000, 150_000), (7, 22)),
    ("酒吧", "bar", (6_000, 60_000), (17, 24)),
    ("水疗", "spa", (38_000, 200_000), (10, 21)),
    ("迷你吧", "minibar", (2_000, 20_000), (8, 12)),
)
_OUTLET_WEIGHTS = (55, 20, 10, 15)
ANONYMOUS_RATE = 0.1  # checks of outside diners (no guest) per guest check
ROOM_CHARGE_RATE = 0.85  # check charged to the room rather than paid at the outlet
MISSING_CONF_RATE = 0.15  # room charge whose confirmation number the interface lost

Check = tuple[datetime, float, Stay | None, int]


def _moment(rng: random.Random, day: date, outlet: int) -> datetime:
    start, end = OUTLETS[outlet][3]
    return datetime.combine(day, time()) + timedelta(seconds=rng.randrange(start * 3600, end * 3600))


def _checks(rng: random.Random, stays: Sequence[Stay], today: date) -> list[Check]:
    out: list[Check] = []
    for st in stays:
        span = min(st.nights, (today - st.arrival).days)
        for _ in range(st.pos_checks if span > 0 else 0):
            outlet = rng.choices(range(len(OUTLETS)), weights=_OUTLET_WEIGHTS)[0]
            day = st.arrival + timedelta(days=rng.randrange(span))
            out.append((_moment(rng, day, outlet), rng.random(), st, outlet))
    first = min((st.arrival for st in stays), default=today)
    spread = max(1, (today - first).days)
    for _ in range(int(len(out) * ANONYMOUS_RATE)):
        day = first + timedelta(days=rng.randrange(spread))
        out.append((_moment(rng, day, 0), rng.random(), None, rng.choice((0, 1))))
    out.sort(key=lambda c: (c[0], c[1]))
    return out


def _guest_name(d: Dirt, st: Stay) -> str:
    p, r = st.person, d.rng.random()
    if p.han_sur:
        if r < 0.35:
            return p.han_sur + ("先生" if p.gender == "M" else "女士")
        if r < 0.45:
            return p.han_sur
        if r < 0.6:
            return d.han(p.idx, p.han_name, HOMOPHONE_RATE_PHONE)
        return ""
    if r < 0.3:
        return ("Mr " if p.gender == "M" else "Ms ") + p.lat_sur
    if r < 0.45:
        return d.latin(p.idx, p.lat_sur.upper())
    if r < 0.55:
        return p.latin_name
    return ""


def _row(d: Dirt, hotel: Hotel, check_no: str, check: Check) -> list[str]:
    moment, _key, st, outlet = check
    rng = d.rng
    zh, en, (lo, hi), _hours = OUTLETS[outlet]
    amount = rng.randrange(lo, hi) // 100 * 100
    if hotel.currency == "HKD":
        amount = amount * 11 // 10
    room = conf = name = ""
    if st is not None:
        name = _guest_name(d, st)
        if rng.random() < ROOM_CHARGE_RATE:
            room = st.room
            conf = "" if rng.random() < MISSING_CONF_RATE else st.conf
        if d.hit(NEGATIVE_AMOUNT_RATE, st.person.idx, "negative_amount"):
            amount = -amount
    label = zh if hotel.chinese_pms else en
    return [check_no, f"{moment:%Y-%m-%d %H:%M:%S}", label, room, name, cents(amount), hotel.currency, conf]


def write_pos(ctx: Context, hotel: Hotel, stays: Sequence[Stay]) -> None:
    rel = f"pos/{hotel.code}_folio.csv"
    d = ctx.dirt(f"pos:{hotel.code}")
    checks = _checks(d.rng, [s for s in stays if s.pos_checks], ctx.today)
    number = d.rng.randrange(100_000, 900_000)
    with ctx.path("pos", rel).open("w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh, lineterminator="\n")
        out.writerow(HEADER)
        for check in checks:
            number += d.rng.randrange(1, 4)
            check_no = f"{number:07d}"
            out.writerow(_row(d, hotel, check_no, check))
            st = check[2]
            if st is not None:
                ctx.truth.add("pos", rel, f"{hotel.code}:{check_no}", st.person)
    ctx.records["pos"] += len(checks)

"""PMS stay exports: ``pms/<HOTEL>_stays.csv``.

gb18030 hotels export Chinese headers (with report title rows on some); utf-8 hotels export
OPERA-style English headers. Each file keeps to its own date, phone and status conventions.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from datetime import date

from guestgraph.demo._context import Context
from guestgraph.demo._dirt import (
    BAD_DATES_RATE,
    HOMOPHONE_RATE_CHECKIN,
    HOMOPHONE_RATE_PHONE,
    NEGATIVE_AMOUNT_RATE,
    SCRIPT_VARIANT_RATE,
    TRAD_MAINLAND_RATE,
    Dirt,
)
from guestgraph.demo._group import Hotel
from guestgraph.demo._identity import Identity, guest_identity
from guestgraph.demo._namedata import COUNTRY_ISO3, COUNTRY_ZH
from guestgraph.demo._render import dirty_date, dirty_phone, money, ota_name, pinyin_given_forms
from guestgraph.demo._stays import ROOM_TYPES, Stay

CN_HEADER = (
    "确认号",
    "姓名",
    "性别",
    "证件类型",
    "证件号码",
    "手机",
    "邮箱",
    "生日",
    "国籍",
    "到店日期",
    "离店日期",
    "房号",
    "房型",
    "房价码",
    "渠道",
    "房费",
    "币种",
    "状态",
    "会员卡号",
    "备注",
)
EN_HEADER = (
    "Conf No",
    "Last Name",
    "First Name",
    "Title",
    "Gender",
    "ID Type",
    "ID Number",
    "Mobile",
    "Email",
    "Birth Date",
    "Nationality",
    "Arrival",
    "Departure",
    "Room",
    "Room Type",
    "Rate Code",
    "Source",
    "Room Revenue",
    "Currency",
    "Status",
    "Membership No",
    "Comments",
)

STATUS_ZH = {"out": "离店", "in": "在住", "reserved": "预订", "cancelled": "取消", "noshow": "未到"}
STATUS_EN = {
    "out": "CHECKED OUT",
    "in": "IN HOUSE",
    "reserved": "RESERVED",
    "cancelled": "CANCELLED",
    "noshow": "NO SHOW",
}
CHANNEL_ZH = {
    "direct": "直订",
    "web": "官网",
    "phone": "电话预订",
    "walkin": "散客",
    "corporate": "协议公司",
    "ctrip": "携程",
    "booking": "缤客Booking",
    "expedia": "智游网Expedia",
}
CHANNEL_EN = {
    "direct": "DIRECT",
    "web": "WEB",
    "phone": "VOICE",
    "walkin": "WALK IN",
    "corporate": "CORPORATE",
    "ctrip": "CTRIP",
    "booking": "BOOKING.COM",
    "expedia": "EXPEDIA",
}
ID_ZH = {"resident": "身份证", "passport": "护照", "hrp": "回乡证", "mtp": "台胞证", "": ""}
ID_EN = {"resident": "ID CARD", "passport": "PASSPORT", "hrp": "HOME RETURN PERMIT", "mtp": "MTP", "": ""}
REMARKS_ZH = ("要高楼层", "无烟房", "加床", "延迟退房", "需要发票", "VIP", "熟客", "安静房间", "蜜月")
REMARKS_EN = (
    "High floor",
    "Non smoking",
    "Extra bed",
    "Late checkout",
    "Invoice required",
    "VIP",
    "Repeat guest",
    "Quiet room",
    "Honeymoon",
)


def _dates(d: Dirt, st: Stay) -> tuple[date, date]:
    if d.hit(BAD_DATES_RATE, st.person.idx, "departure_before_arrival"):
        return st.departure, st.arrival
    return st.arrival, st.departure


def _revenue(d: Dirt, st: Stay) -> str:
    nights = {"cancelled": 0, "noshow": 1}.get(st.status, st.nights)
    amount = float(st.nightly * nights)
    if amount and d.hit(NEGATIVE_AMOUNT_RATE, st.person.idx, "negative_amount"):
        amount = -amount
    return money(amount)


def _phone(d: Dirt, st: Stay, ident: Identity) -> str:
    if ident.phone_raw:
        return ident.phone_raw
    return dirty_phone(d, st.person.idx, ident.phone_cc, ident.phone_nat, st.hotel.phone_style)


def _nationality(d: Dirt, iso2: str, chinese: bool) -> str:
    if d.rng.random() < 0.02:
        return COUNTRY_ISO3[iso2]
    return COUNTRY_ZH[iso2] if chinese else iso2


def _cn_name(d: Dirt, st: Stay) -> str:
    p, rng = st.person, d.rng
    if p.han_sur:
        if not st.arrived and st.is_ota and rng.random() < 0.6:
            given, sur = ota_name(rng, p)
            return f"{sur} {given}".strip()
        name = p.han_name
        if p.kind == "hk_tw" and d.hit(SCRIPT_VARIANT_RATE, p.idx, "script_variant"):
            name = p.alt_sur + p.alt_given
        rate = HOMOPHONE_RATE_CHECKIN if st.arrived else HOMOPHONE_RATE_PHONE
        return d.spaces(p.idx, d.han(p.idx, name, rate))
    sur = d.latin(p.idx, p.lat_sur)
    if rng.random() < 0.6:
        return f"{sur.upper()}/{p.lat_given.upper()}"
    return d.spaces(p.idx, f"{p.lat_given} {sur}")


def _remarks(d: Dirt, st: Stay, chinese: bool) -> str:
    rng, parts = d.rng, []
    if st.is_ota and rng.random() < 0.5:
        label = CHANNEL_ZH[st.channel] if chinese else CHANNEL_EN[st.channel]
        parts.append(f"{label}订单号:{st.ota_id}" if chinese else f"{label} REF {st.ota_id}")
    if rng.random() < 0.15:
        parts.append(rng.choice(REMARKS_ZH if chinese else REMARKS_EN))
    return ("；" if chinese else "; ").join(parts)


def _cn_row(d: Dirt, st: Stay) -> list[str]:
    p, h = st.person, st.hotel
    ident = guest_identity(d, st)
    arrival, departure = _dates(d, st)
    style = h.date_style
    return [
        st.conf,
        _cn_name(d, st),
        {"M": "男", "F": "女", "": ""}[ident.gender],
        ID_ZH[ident.id_kind],
        d.spaces(p.idx, ident.id_number),
        _phone(d, st, ident),
        ident.email,
        dirty_date(d, p.idx, ident.birth, style) if ident.birth else "",
        _nationality(d, p.nationality, True),
        dirty_date(d, p.idx, arrival, style),
        dirty_date(d, p.idx, departure, style),
        st.room,
        ROOM_TYPES[st.room_type][1],
        st.rate_code,
        CHANNEL_ZH[st.channel],
        _revenue(d, st),
        h.currency,
        STATUS_ZH[st.status],
        ident.member_no,
        _remarks(d, st, True),
    ]


def _en_name(d: Dirt, st: Stay) -> tuple[str, str]:
    p, rng = st.person, d.rng
    if not p.han_sur:
        sur = d.latin(p.idx, p.lat_sur)
        return (sur.upper() if rng.random() < 0.5 else sur), p.lat_given
    if not st.arrived and st.is_ota and rng.random() < 0.6:
        given, sur = ota_name(rng, p)
        return sur, given
    if rng.random() < 0.3:
        sur, given = p.han_sur, p.han_given
        if (
            p.kind == "mainland"
            and not st.hotel.mainland
            and d.hit(TRAD_MAINLAND_RATE, p.idx, "script_variant")
        ):
            sur, given = p.alt_sur, p.alt_given
        return sur, d.han(p.idx, given, HOMOPHONE_RATE_CHECKIN)
    given = rng.choice(pinyin_given_forms(p)).upper()
    if rng.random() < 0.05:  # whole name keyed into the last-name field, airline style
        return f"{p.lat_sur.upper()}/{given}", ""
    return d.latin(p.idx, p.lat_sur.upper()), d.spaces(p.idx, given)


def _title(d: Dirt, gender: str) -> str:
    r = d.rng.random()
    if r < 0.02:
        return "Dr."
    if gender == "M":
        return "Mr."
    if gender == "F":
        return "Ms." if r < 0.7 else "Mrs."
    return ""


def _en_row(d: Dirt, st: Stay) -> list[str]:
    p, h = st.person, st.hotel
    ident = guest_identity(d, st)
    last, first = _en_name(d, st)
    arrival, departure = _dates(d, st)
    style = h.date_style
    return [
        st.conf,
        last,
        first,
        _title(d, ident.gender),
        ident.gender,
        ID_EN[ident.id_kind],
        d.spaces(p.idx, ident.id_number),
        _phone(d, st, ident),
        ident.email,
        dirty_date(d, p.idx, ident.birth, style) if ident.birth else "",
        _nationality(d, p.nationality, False),
        dirty_date(d, p.idx, arrival, style),
        dirty_date(d, p.idx, departure, style),
        st.room,
        ROOM_TYPES[st.room_type][0],
        st.rate_code,
        CHANNEL_EN[st.channel],
        _revenue(d, st),
        h.currency,
        STATUS_EN[st.status],
        ident.member_no,
        _remarks(d, st, False),
    ]


def _title_rows(ctx: Context, hotel: Hotel) -> list[list[str]]:
    rows = [
        [f"{hotel.name_zh} 在住及离店客人报表"],
        [f"导出时间: {ctx.today.isoformat()} 06:00:00", "操作员: ADMIN"],
    ]
    return rows[: hotel.title_rows]


def write_pms(ctx: Context, hotel: Hotel, stays: Sequence[Stay]) -> None:
    """One PMS export for ``hotel``: its stays ordered by arrival date then confirmation number."""
    rel = f"pms/{hotel.code}_stays.csv"
    encoding = "gb18030" if hotel.chinese_pms else ("utf-8-sig" if hotel.bom else "utf-8")
    d = ctx.dirt(f"pms:{hotel.code}")
    ordered = sorted(stays, key=lambda s: (s.arrival, int(s.conf)))
    with ctx.path("pms", rel).open("w", encoding=encoding, newline="") as fh:
        out = csv.writer(fh, lineterminator="\r\n")
        if hotel.chinese_pms:
            out.writerows(_title_rows(ctx, hotel))
            out.writerow(CN_HEADER)
        else:
            out.writerow(EN_HEADER)
        for st in ordered:
            out.writerow(_cn_row(d, st) if hotel.chinese_pms else _en_row(d, st))
            ctx.truth.add("pms", rel, f"{hotel.code}:{st.conf}", st.person)
    ctx.records["pms"] += len(ordered)

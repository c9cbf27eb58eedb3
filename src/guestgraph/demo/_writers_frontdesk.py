"""Hand-typed front-desk registration books: ``frontdesk/<HOTEL>_registrations.xlsx``.

A title row, a blank row, the header on row 3, data from row 4. The external id of a row is
``<HOTEL>:<spreadsheet row number>``.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path

from openpyxl import Workbook

from guestgraph.demo._context import Context
from guestgraph.demo._dirt import HOMOPHONE_RATE_FRONTDESK, SCRIPT_VARIANT_RATE, Dirt
from guestgraph.demo._group import Hotel
from guestgraph.demo._render import dirty_phone
from guestgraph.demo._stays import Stay

HEADER = ("日期", "客人姓名", "电话", "证件号", "房号", "备注")
FIRST_DATA_ROW = 4
NOTES = (
    "不吃辣",
    "要高楼层",
    "对花生过敏",
    "生日",
    "生日 送蛋糕",
    "需要婴儿床",
    "安静房间",
    "无烟房",
    "延迟退房",
    "老客人 喜欢靠窗",
    "VIP 接机",
    "海鲜过敏",
    "素食",
    "带宠物",
    "开发票 公司抬头",
)
_MODIFIED = re.compile(rb"<dcterms:modified([^>]*)>[^<]*</dcterms:modified>")


def _date_cell(d: Dirt, day: date) -> str | datetime:
    r = d.rng.random()
    if r < 0.3:
        return f"{day.year}/{day.month}/{day.day}"
    if r < 0.5:
        return f"{day.year}{day.month:02d}{day.day:02d}"
    if r < 0.7:
        return f"{day.year}年{day.month}月{day.day}日"
    if r < 0.8:
        return f"{day.year}.{day.month}.{day.day}"
    return datetime(day.year, day.month, day.day)


def _name(d: Dirt, st: Stay) -> str:
    p, rng = st.person, d.rng
    if p.han_sur:
        name = p.han_name
        if p.kind == "hk_tw" and d.hit(SCRIPT_VARIANT_RATE, p.idx, "script_variant"):
            name = p.alt_sur + p.alt_given
        return d.spaces(p.idx, d.han(p.idx, name, HOMOPHONE_RATE_FRONTDESK))
    sur = d.latin(p.idx, p.lat_sur)
    return f"{sur.upper()} {p.lat_given}" if rng.random() < 0.5 else f"{p.lat_given} {sur}"


def _phone(d: Dirt, st: Stay) -> str:
    p, r = st.person, d.rng.random()
    nat = p.mobile_on(st.arrival)
    if r < 0.15:
        return ""
    if r < 0.35:
        style = "dashed"
    elif r < 0.5:
        style = "spaced"
    else:
        style = "local"
    text = dirty_phone(d, p.idx, p.cc, nat, style)
    return text + " " if d.rng.random() < 0.1 else text


def _document(d: Dirt, st: Stay) -> str:
    p, r = st.person, d.rng.random()
    number = p.id_number or p.passport
    if r < 0.2 or not number:
        return ""
    if r < 0.35 and len(number) == 18:
        return f"{number[:4]}{'*' * 10}{number[-4:]}"
    if r < 0.4:
        return number[-4:]
    return d.spaces(p.idx, number)


def _row(d: Dirt, st: Stay) -> list[str | datetime]:
    notes = d.rng.choice(NOTES) if d.rng.random() < 0.6 else ""
    return [_date_cell(d, st.arrival), _name(d, st), _phone(d, st), _document(d, st), st.room, notes]


def _normalise_zip(path: Path, moment: datetime) -> None:
    """Rewrite the workbook with fixed timestamps (zip entries and document properties).

    openpyxl stamps the save time into ``docProps/core.xml`` and the zip entries; equal content
    must give equal bytes.
    """
    with zipfile.ZipFile(path) as src:
        entries = [(info.filename, src.read(info)) for info in src.infolist()]
    fixed = f"<dcterms:modified\\1>{moment:%Y-%m-%dT%H:%M:%S}Z</dcterms:modified>".encode()
    entries = [
        (name, _MODIFIED.sub(fixed, data) if name == "docProps/core.xml" else data) for name, data in entries
    ]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for name, data in entries:
            info = zipfile.ZipInfo(name, date_time=moment.timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            dst.writestr(info, data)


def write_frontdesk(ctx: Context, hotel: Hotel, stays: Sequence[Stay]) -> None:
    rel = f"frontdesk/{hotel.code}_registrations.xlsx"
    d = ctx.dirt(f"frontdesk:{hotel.code}")
    path = ctx.path("frontdesk", rel)
    wb = Workbook(write_only=True)
    fixed = datetime.combine(ctx.today, datetime.min.time())
    wb.properties.created = wb.properties.modified = fixed
    wb.properties.creator = "前台"
    ws = wb.create_sheet("登记")
    ws.append([f"{hotel.name_zh} 前台手工登记本"])
    ws.append([])
    ws.append(list(HEADER))
    ordered = sorted(stays, key=lambda s: (s.arrival, s.created, s.key))
    for row_no, st in enumerate(ordered, start=FIRST_DATA_ROW):
        ws.append(_row(d, st))
        ctx.truth.add("frontdesk", rel, f"{hotel.code}:{row_no}", st.person)
    wb.save(path)
    _normalise_zip(path, fixed)
    ctx.records["frontdesk"] += len(ordered)

"""The fictional Yunqi hotel group: regions, hotels, source systems and per-file export styles."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

GROUP_CODE = "YQ"
GROUP_NAME_ZH = "云栖酒店集团"
GROUP_NAME_EN = "Yunqi Hotel Group"


@dataclass(frozen=True, slots=True)
class Region:
    code: str
    name_zh: str
    name_en: str


@dataclass(frozen=True, slots=True)
class Hotel:
    """One property plus the quirks of the exports its systems produce."""

    code: str
    name_zh: str
    name_en: str
    region: str
    city_zh: str
    city_en: str
    timezone: str
    currency: str
    rooms: int
    pms_encoding: str  # "gb18030" (Chinese headers) or "utf-8" (OPERA-style English headers)
    base_rate: int  # typical nightly rate in the hotel currency (whole units)
    date_style: str  # how this hotel's PMS writes dates, see _render.format_date
    title_rows: int = 0  # report title lines above the PMS header row
    bom: bool = False  # PMS export starts with a UTF-8 byte order mark
    frontdesk: bool = False  # keeps a hand-typed walk-in registration workbook
    mainland: bool = True  # sells on Ctrip
    phone_style: str = "local"  # usual phone format in the PMS export, see _render.format_phone

    @property
    def chinese_pms(self) -> bool:
        return self.pms_encoding == "gb18030"


@dataclass(frozen=True, slots=True)
class SourceSystem:
    code: str
    kind: str
    name_zh: str
    name_en: str
    trust_rank: int


REGIONS: tuple[Region, ...] = (
    Region("EAST", "华东区", "East China"),
    Region("SOUTH", "华南区", "South China"),
    Region("NORTH", "华北区", "North China"),
)

HOTELS: tuple[Hotel, ...] = (
    Hotel(
        "SHA01",
        "云栖上海外滩酒店",
        "Yunqi Shanghai The Bund",
        "EAST",
        "上海",
        "Shanghai",
        "Asia/Shanghai",
        "CNY",
        320,
        "gb18030",
        1380,
        "iso",
        title_rows=2,
        frontdesk=True,
    ),
    Hotel(
        "SHA02",
        "云栖上海虹桥酒店",
        "Yunqi Shanghai Hongqiao",
        "EAST",
        "上海",
        "Shanghai",
        "Asia/Shanghai",
        "CNY",
        260,
        "utf-8",
        780,
        "opera",
        phone_style="e164",
    ),
    Hotel(
        "HGH01",
        "云栖杭州西湖酒店",
        "Yunqi Hangzhou West Lake",
        "EAST",
        "杭州",
        "Hangzhou",
        "Asia/Shanghai",
        "CNY",
        210,
        "gb18030",
        1180,
        "slash",
        title_rows=1,
        frontdesk=True,
    ),
    Hotel(
        "SZV01",
        "云栖苏州园林酒店",
        "Yunqi Suzhou Garden",
        "EAST",
        "苏州",
        "Suzhou",
        "Asia/Shanghai",
        "CNY",
        180,
        "utf-8",
        860,
        "iso",
        bom=True,
        phone_style="spaced",
    ),
    Hotel(
        "CAN01",
        "云栖广州珠江酒店",
        "Yunqi Guangzhou Pearl River",
        "SOUTH",
        "广州",
        "Guangzhou",
        "Asia/Shanghai",
        "CNY",
        300,
        "gb18030",
        920,
        "iso_time",
    ),
    Hotel(
        "SZX01",
        "云栖深圳湾酒店",
        "Yunqi Shenzhen Bay",
        "SOUTH",
        "深圳",
        "Shenzhen",
        "Asia/Shanghai",
        "CNY",
        280,
        "utf-8",
        990,
        "us",
    ),
    Hotel(
        "SYX01",
        "云栖三亚海棠湾度假酒店",
        "Yunqi Sanya Haitang Bay Resort",
        "SOUTH",
        "三亚",
        "Sanya",
        "Asia/Shanghai",
        "CNY",
        240,
        "gb18030",
        1650,
        "compact",
        title_rows=1,
        frontdesk=True,
    ),
    Hotel(
        "HKG01",
        "云栖香港维港酒店",
        "Yunqi Hong Kong Victoria Harbour",
        "SOUTH",
        "香港",
        "Hong Kong",
        "Asia/Hong_Kong",
        "HKD",
        350,
        "utf-8",
        1880,
        "dmy",
        mainland=False,
        phone_style="e164",
    ),
    Hotel(
        "PEK01",
        "云栖北京国贸酒店",
        "Yunqi Beijing Guomao",
        "NORTH",
        "北京",
        "Beijing",
        "Asia/Shanghai",
        "CNY",
        400,
        "gb18030",
        1280,
        "iso",
        title_rows=2,
    ),
)

HOTEL_BY_CODE: dict[str, Hotel] = {h.code: h for h in HOTELS}

SOURCE_SYSTEMS: tuple[SourceSystem, ...] = (
    SourceSystem("pms", "pms", "酒店管理系统", "Property management system", 10),
    SourceSystem("ota_ctrip", "ota", "携程", "Ctrip / Trip.com", 40),
    SourceSystem("ota_booking", "ota", "缤客", "Booking.com", 40),
    SourceSystem("ota_expedia", "ota", "智游网", "Expedia", 40),
    SourceSystem("loyalty", "loyalty", "会员系统", "Loyalty programme", 20),
    SourceSystem("pos", "pos", "餐饮收银系统", "Point of sale", 50),
    SourceSystem("frontdesk", "frontdesk", "前台手工登记", "Front desk registrations", 30),
)

# OTA channel short name -> source system code.
OTA_CHANNELS: dict[str, str] = {"ctrip": "ota_ctrip", "booking": "ota_booking", "expedia": "ota_expedia"}


def ota_channels_for(hotel: Hotel) -> tuple[str, ...]:
    """Channels that send reservations for ``hotel``: Ctrip only sells the mainland hotels."""
    if hotel.mainland:
        return ("ctrip", "booking", "expedia")
    return ("booking", "expedia")


def group_document() -> dict[str, Any]:
    """The ``group.json`` document, in the shape the importer expects."""
    return {
        "group": {"code": GROUP_CODE, "name_zh": GROUP_NAME_ZH, "name_en": GROUP_NAME_EN},
        "regions": [{"code": r.code, "name_zh": r.name_zh, "name_en": r.name_en} for r in REGIONS],
        "hotels": [
            {
                "code": h.code,
                "name_zh": h.name_zh,
                "name_en": h.name_en,
                "region": h.region,
                "city_zh": h.city_zh,
                "city_en": h.city_en,
                "timezone": h.timezone,
                "currency": h.currency,
                "rooms": h.rooms,
                "pms_encoding": h.pms_encoding,
                "pms_feed": True,  # every demo hotel sends its PMS exports
            }
            for h in HOTELS
        ],
        "source_systems": [
            {
                "code": s.code,
                "kind": s.kind,
                "name_zh": s.name_zh,
                "name_en": s.name_en,
                "trust_rank": s.trust_rank,
            }
            for s in SOURCE_SYSTEMS
        ],
    }


def write_group_json(path: Path) -> None:
    text = json.dumps(group_document(), ensure_ascii=False, indent=2) + "\n"
    path.write_text(text, encoding="utf-8", newline="\n")

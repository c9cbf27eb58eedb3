"""What a report is, whatever it shows: a title, the period, headline figures and sections of rows
with typed columns. One shape, so that one page template, one Excel writer and one PDF writer serve
every report, and every label exists in Chinese and English."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Literal

Kind = Literal["text", "int", "money", "pct", "num", "date"]
Value = str | int | float | Decimal | date | None


@dataclass(frozen=True)
class Label:
    zh: str
    en: str

    def text(self, locale: str) -> str:
        return self.zh if locale == "zh_CN" else self.en


@dataclass(frozen=True)
class Column:
    key: str
    label: Label
    kind: Kind = "int"


@dataclass(frozen=True)
class Figure:
    key: str
    label: Label
    value: Value
    kind: Kind = "int"


@dataclass(frozen=True)
class Section:
    key: str
    title: Label
    columns: tuple[Column, ...]
    rows: list[tuple[Value, ...]]
    chart: str | None = None  # the key of the column drawn as bars (labelled by the first column)
    note: Label | None = None

    def index(self, key: str) -> int:
        return next(i for i, c in enumerate(self.columns) if c.key == key)


@dataclass(frozen=True)
class ReportKind:
    code: str
    title: Label
    description: Label
    lists_guests: bool = False  # rows are guests (masked): exporting it is a guest-list export


@dataclass(frozen=True)
class Report:
    kind: ReportKind
    since: date
    until: date
    figures: list[Figure]
    sections: list[Section]
    params: dict[str, str] = field(default_factory=dict)  # other filters, as given (for the audit)

    @property
    def rows(self) -> int:
        """The rows a file of this report holds (guests, for a guest list)."""
        return sum(len(s.rows) for s in self.sections)


KINDS: dict[str, ReportKind] = {
    k.code: k
    for k in (
        ReportKind(
            "sources",
            Label("客源分析", "Guest source analysis"),
            Label(
                "入住客人的国籍和城市：客人数、入住次数、间夜和客房收入。",
                "Where the guests who stayed come from: nationality and city, with guests, stays, nights "
                "and room revenue.",
            ),
        ),
        ReportKind(
            "channels",
            Label("渠道贡献", "Channel contribution"),
            Label(
                "OTA、直销、协议和其他渠道的入住次数、间夜、客房及消费收入。",
                "Stays, nights, room and folio revenue by channel group (OTA, direct, corporate, other) "
                "and by channel.",
            ),
        ),
        ReportKind(
            "repeat",
            Label("回头客分析", "Repeat-guest analysis"),
            Label(
                "新客与回头客、回头率、累计入住次数分布和两次入住之间的间隔。",
                "New and returning guests, the repeat rate, how many stays guests have had and the "
                "intervals between stays.",
            ),
        ),
        ReportKind(
            "vip",
            Label("VIP 客人名单", "VIP list"),
            Label(
                "VIP 和会员等级客人及其本期入住（姓名已脱敏）。",
                "VIP and loyalty-tier guests with their stays in the period (names masked).",
            ),
            lists_guests=True,
        ),
        ReportKind(
            "birthdays",
            Label("本月生日", "Birthdays"),
            Label(
                "生日在所选日期内的客人（姓名已脱敏），以及是否同意接收营销信息。",
                "Guests whose birthday falls in the dates chosen (names masked), and whether they agreed "
                "to marketing.",
            ),
            lists_guests=True,
        ),
        ReportKind(
            "lifecycle",
            Label("生命周期变动", "Lifecycle movement"),
            Label(
                "每个生命周期阶段在期初、进入、离开和期末的客人数，以及阶段之间的转换。",
                "Guests per lifecycle stage at the start and end of the period, who entered and left, "
                "and the moves between stages.",
            ),
        ),
        ReportKind(
            "satisfaction",
            Label("满意度", "Satisfaction"),
            Label(
                "住后问卷（NPS、满意度）、服务工单评分和 OTA 点评得分。",
                "Post-stay surveys (NPS, CSAT), ratings of service tickets and OTA review scores.",
            ),
        ),
    )
}

"""The registration card and the folio statement as PDF bytes (reportlab, A4), with labels in
Simplified Chinese and English side by side, as Chinese hotels print them for international guests.
Every value is set as text (escaped), never as markup."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from io import BytesIO
from typing import TYPE_CHECKING, Any, Literal
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from guestgraph.frontdesk._fonts import DocumentFont

if TYPE_CHECKING:
    from guestgraph.frontdesk._documents import FolioPayment, FolioStatement, RegistrationCard, StayHeader

STATUS = {
    "booked": "已预订 Booked",
    "in_house": "在住 In house",
    "checked_out": "已退房 Checked out",
    "cancelled": "已取消 Cancelled",
    "no_show": "未到店 No-show",
}
OUTLET = {
    "room": "客房 Room",
    "fnb": "餐饮 F&B",
    "spa": "水疗 Spa",
    "minibar": "迷你吧 Minibar",
    "other": "其他 Other",
}
ID_TYPE = {
    "cn_resident_id": "居民身份证 Resident ID card",
    "passport": "护照 Passport",
    "hk_macau_permit": "港澳居民来往内地通行证 Home return permit",
    "taiwan_permit": "台湾居民来往大陆通行证 Taiwan compatriot permit",
    "other": "其他证件 Other document",
}
METHOD = {
    "cash": "现金 Cash",
    "card": "银行卡 Card",
    "alipay": "支付宝 Alipay",
    "wechat_pay": "微信支付 WeChat Pay",
    "bank_transfer": "转账 Bank transfer",
    "city_ledger": "挂账 City ledger",
    "deposit": "押金 Deposit",
}
GRID = colors.HexColor("#9aa5b1")
SHADE = colors.HexColor("#eef1f4")


class _Styles:
    def __init__(self, font: DocumentFont) -> None:
        def style(
            name: str, size: float, color: str = "#000000", align: Literal[0, 2] = TA_LEFT, space: float = 0
        ) -> ParagraphStyle:
            return ParagraphStyle(
                name,
                fontName=font.name,
                fontSize=size,
                leading=size * 1.3,
                wordWrap="CJK",
                textColor=colors.HexColor(color),
                alignment=align,
                spaceBefore=space,
                spaceAfter=space,
            )

        self.hotel = style("hotel", 16)
        self.hotel_en = style("hotel_en", 10, "#444444")
        self.title = style("title", 14, space=6)
        self.label = style("label", 8, "#333333")
        self.label_right = style("label_right", 8, "#333333", TA_RIGHT)
        self.value = style("value", 10)
        self.amount = style("amount", 10, align=TA_RIGHT)
        self.note = style("note", 8, "#555555")


def _p(text: str | None, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(text or "–"), style)


def _label(zh: str, en: str, s: _Styles) -> Paragraph:
    return Paragraph(f"{escape(zh)}<br/>{escape(en)}", s.label)


def _money(amount: Decimal | None, currency: str) -> str:
    return "–" if amount is None else f"{currency} {amount:,.2f}"


def _build(flowables: Sequence[Flowable], title: str) -> bytes:
    out = BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=16 * mm,
        bottomMargin=16 * mm,
        title=title,
        author="guestgraph",
    )
    doc.build(list(flowables))
    return out.getvalue()


def _heading(stay: StayHeader, zh: str, en: str, s: _Styles) -> list[Flowable]:
    return [
        _p(stay.hotel_name_zh, s.hotel),
        _p(stay.hotel_name_en, s.hotel_en),
        Paragraph(f"{escape(zh)}&nbsp;&nbsp;{escape(en)}", s.title),
    ]


def _pairs(rows: list[tuple[str, str, str | None, str, str, str | None]], s: _Styles) -> Table:
    """A four-column grid: label, value, label, value."""
    data = [
        [_label(z1, e1, s), _p(v1, s.value), _label(z2, e2, s), _p(v2, s.value)]
        for z1, e1, v1, z2, e2, v2 in rows
    ]
    table = Table(data, colWidths=[30 * mm, 57 * mm, 30 * mm, 57 * mm])
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.5, GRID),
                ("BACKGROUND", (0, 0), (0, -1), SHADE),
                ("BACKGROUND", (2, 0), (2, -1), SHADE),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ]
        )
    )
    return table


def _stay_rows(stay: StayHeader) -> list[tuple[str, str, str | None, str, str, str | None]]:
    party = f"{stay.adults or 0} 成人 adults · {stay.children or 0} 儿童 children"
    return [
        ("确认号", "Confirmation no.", stay.confirmation_number, "状态", "Status", STATUS.get(stay.status)),
        (
            "抵店日期",
            "Arrival",
            stay.arrival.isoformat(),
            "离店日期",
            "Departure",
            stay.departure.isoformat(),
        ),
        ("间夜", "Nights", str(stay.nights), "人数", "Guests", party),
        ("房号", "Room no.", stay.room_number, "房型", "Room type", stay.room_type),
        (
            "房价代码",
            "Rate plan",
            stay.rate_plan,
            "房费",
            "Room charge",
            _money(stay.room_amount, stay.currency),
        ),
    ]


def _printed(stay: StayHeader, s: _Styles) -> Paragraph:
    at = stay.printed_at
    return _p(f"打印时间 Printed {at:%Y-%m-%d %H:%M} ({at.tzname()}) · {stay.hotel_code}", s.note)


def render_registration_card(card: RegistrationCard, font: DocumentFont) -> bytes:
    s, stay = _Styles(font), card.stay
    guest = [
        ("姓名", "Name", stay.name_han, "拼音/外文姓名", "Name (Latin)", stay.name_latin),
        (
            "国籍",
            "Nationality",
            card.nationality,
            "证件类型",
            "ID type",
            ID_TYPE.get(card.id_document_type or "", card.id_document_type),
        ),
        ("证件号码", "ID number", card.id_document_number, "电话", "Phone", card.phone),
        ("电子邮箱", "E-mail", card.email, "宾客编号", "Guest ID", stay.guest_public_id),
    ]
    privacy = (
        "证件号码和电话为完整显示（已记录查看目的）。 ID number and phone shown in full (purpose recorded)."
        if card.full_values
        else "证件号码、电话和邮箱已部分隐藏。 ID number, phone and e-mail are partly masked for privacy."
    )
    flowables: list[Flowable] = [
        *_heading(stay, "入住登记卡", "Registration Card", s),
        _pairs(_stay_rows(stay), s),
        Spacer(1, 5 * mm),
        Paragraph("宾客信息&nbsp;&nbsp;Guest", s.title),
        _pairs(guest, s),
        Spacer(1, 2 * mm),
        _p(privacy, s.note),
        Spacer(1, 8 * mm),
        _p(
            "本人确认以上信息真实无误，并同意遵守酒店的入住规定。 "
            "I confirm that the details above are correct and agree to the hotel's terms of stay.",
            s.value,
        ),
        Spacer(1, 14 * mm),
        _signature(s),
        Spacer(1, 10 * mm),
        _printed(stay, s),
    ]
    return _build(flowables, f"Registration card {stay.hotel_code} {stay.confirmation_number}")


def _signature(s: _Styles) -> Table:
    line = "_" * 34
    table = Table(
        [
            [
                _label("宾客签名", "Guest signature", s),
                _p(line, s.value),
                _label("日期", "Date", s),
                _p(line[:18], s.value),
            ]
        ],
        colWidths=[30 * mm, 75 * mm, 16 * mm, 53 * mm],
    )
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "BOTTOM")]))
    return table


def render_folio(statement: FolioStatement, font: DocumentFont) -> bytes:
    s, stay = _Styles(font), statement.stay
    guest = [("姓名", "Name", stay.name_han, "拼音/外文姓名", "Name (Latin)", stay.name_latin)]
    flowables: list[Flowable] = [
        *_heading(stay, "账单明细", "Folio Statement", s),
        _pairs(_stay_rows(stay)[:4] + guest, s),
        Spacer(1, 6 * mm),
        _charges(statement, s),
        Spacer(1, 4 * mm),
        _totals(statement, s),
        Spacer(1, 6 * mm),
        _payments(statement, s),
        Spacer(1, 4 * mm),
        _balance(statement, s),
        Spacer(1, 6 * mm),
        _printed(stay, s),
    ]
    return _build(flowables, f"Folio {stay.hotel_code} {stay.confirmation_number}")


def _charges(statement: FolioStatement, s: _Styles) -> Table:
    head = [
        _label("日期", "Date", s),
        _label("营业点", "Outlet", s),
        _label("说明", "Description", s),
        Paragraph("金额<br/>Amount", s.label_right),
    ]
    rows = [
        [
            _p(line.day.isoformat(), s.value),
            _p(OUTLET.get(line.outlet, line.outlet), s.value),
            _p(line.description, s.value),
            _p(_money(line.amount, line.currency), s.amount),
        ]
        for line in statement.lines
    ] or [[_p("", s.value), _p("", s.value), _p("无费用 No charges", s.value), _p("", s.value)]]
    return _listing([head, *rows], [26 * mm, 32 * mm, 80 * mm, 36 * mm])


def _payments(statement: FolioStatement, s: _Styles) -> Table:
    """Payments, refunds (below zero) and voided payments (struck through and labelled: they count for
    nothing)."""
    head = [
        _label("日期", "Date", s),
        _label("付款方式", "Payment", s),
        _label("参考号", "Reference", s),
        Paragraph("金额<br/>Amount", s.label_right),
    ]
    rows = [
        [
            _p(p.day.isoformat(), s.value),
            _p(_payment_kind(p), s.value),
            _p(
                " · ".join(
                    x for x in (p.reference, f"**** {p.card_last4}" if p.card_last4 else None, p.reason) if x
                ),
                s.value,
            ),
            _struck(_money(p.amount, p.currency), s.amount)
            if p.voided
            else _p(_money(p.amount, p.currency), s.amount),
        ]
        for p in statement.payments
    ] or [[_p("", s.value), _p("", s.value), _p("无付款 No payments", s.value), _p("", s.value)]]
    return _listing([head, *rows], [26 * mm, 40 * mm, 72 * mm, 36 * mm])


def _payment_kind(p: FolioPayment) -> str:
    kind = METHOD.get(p.method, p.method)
    if p.amount < 0:
        kind = f"退款 Refund · {kind}"
    return f"已作废 Voided · {kind}" if p.voided else kind


def _struck(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(f"<strike>{escape(text)}</strike>", style)


def _listing(rows: list[list[Any]], widths: list[float]) -> Table:
    """A statement's table of lines: a shaded heading row repeated on each page, ruled rows."""
    table = Table(rows, colWidths=widths, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("LINEBELOW", (0, 0), (-1, 0), 0.8, GRID),
                ("LINEBELOW", (0, 1), (-1, -1), 0.3, GRID),
                ("BACKGROUND", (0, 0), (-1, 0), SHADE),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ]
        )
    )
    return table


def _balance(statement: FolioStatement, s: _Styles) -> Table:
    """Payments received and the balance due (charges less payments), per currency."""
    balances = statement.balances or {statement.stay.currency: Decimal(0)}
    paid = statement.paid
    rows = [[_p("已付 Paid", s.value), _p(_money(paid.get(c, Decimal(0)), c), s.amount)] for c in balances]
    rows += [[_p("余额 Balance due", s.title), _p(_money(b, c), s.amount)] for c, b in balances.items()]
    table = Table(rows, colWidths=[138 * mm, 36 * mm])
    table.setStyle(
        TableStyle(
            [
                ("LINEABOVE", (0, len(balances)), (-1, len(balances)), 0.8, colors.black),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ]
        )
    )
    return table


def _totals(statement: FolioStatement, s: _Styles) -> Table:
    rows = [
        [_p(f"小计 Subtotal · {OUTLET.get(outlet, outlet)}", s.value), _p(_money(total, currency), s.amount)]
        for outlet, currency, total in statement.outlet_totals
    ]
    grand = statement.totals or {statement.stay.currency: Decimal(0)}
    rows += [[_p("合计 Total", s.title), _p(_money(total, c), s.amount)] for c, total in grand.items()]
    table = Table(rows, colWidths=[138 * mm, 36 * mm])
    table.setStyle(
        TableStyle(
            [
                ("LINEABOVE", (0, len(rows) - len(grand)), (-1, len(rows) - len(grand)), 0.8, colors.black),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ]
        )
    )
    return table

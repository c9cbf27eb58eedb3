"""The registration card and folio statement as PDF over real HTTP on both databases: scope (404
like a missing stay), permission (403), masking by default and full values only through a stated
purpose, the audit event, and the PDF itself rendered to a bitmap (pypdfium2) and read back."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pypdfium2 as pdfium
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from guestgraph import audit
from guestgraph.access import DataScope
from guestgraph.db.models import AuditEventRow, Charge, Guest, Hotel, Outlet, Stay, StayStatus
from guestgraph.errors import ConfigurationError
from guestgraph.frontdesk import RegistrationCard, StayHeader, document_font
from guestgraph.frontdesk._pdf import render_registration_card
from guestgraph.paging import PageRequest
from guestgraph.web import create_app
from tests.conftest import LiveServer, make_settings
from tests.factories import hotel, make_guest, make_stay

CANARY_ID = "11010519491231002X"
CANARY_PHONE = "+8613987650002"
CANARY_EMAIL = "card.canary@example.org"
HAN, LATIN = "王小明", "WANG XIAOMING"


def pdf_text(content: bytes) -> str:
    """Every page's text as PDFium extracts it."""
    doc = pdfium.PdfDocument(content)
    return "\n".join(doc[i].get_textpage().get_text_range() for i in range(len(doc)))


def dark_pixels_under(content: bytes, needle: str, png: Path, scale: float = 2.0) -> int:
    """Render page 1 to `png` and count the dark pixels inside the boxes of `needle`'s characters:
    glyphs that really render leave ink there, a missing font leaves white."""
    page = pdfium.PdfDocument(content)[0]
    image = page.render(scale=scale).to_pil().convert("L")
    image.save(png)
    text = page.get_textpage()
    start = text.get_text_range().index(needle)
    height = page.get_height()
    dark = 0
    for i in range(start, start + len(needle)):
        left, bottom, right, top = text.get_charbox(i)
        box = (
            int(left * scale),
            int((height - top) * scale),
            int(right * scale) + 1,
            int((height - bottom) * scale) + 1,
        )
        dark += sum(image.crop(box).histogram()[:128])
    return dark


def _stay(session: Session, code: str, **overrides: object) -> Stay:
    guest = make_guest(
        session,
        full_name=HAN,
        name_pinyin="wang xiaoming",
        nationality="CN",
        id_document_type="cn_resident_id",
        id_document_number=CANARY_ID,
        phone=CANARY_PHONE,
        email=CANARY_EMAIL,
    )
    values: dict[str, object] = {
        "arrival": date(2026, 10, 1),
        "status": StayStatus.CHECKED_OUT,
        "room_number": "0808",
        "room_type": "Deluxe King",
        "rate_plan": "BAR",
        "adults": 2,
        "amount": Decimal("1280.00"),
    }
    stay = make_stay(session, code, guest, **(values | overrides))
    for outlet, amount, text, day in (
        (Outlet.FNB, "188.00", "晚餐 Dinner <b>", 1),
        (Outlet.SPA, "399.50", "Massage", 2),
        (Outlet.MINIBAR, "45.00", None, 2),
    ):
        session.add(
            Charge(
                hotel_id=stay.hotel_id,
                stay_id=stay.id,
                guest_id=guest.id,
                outlet=outlet,
                amount=Decimal(amount),
                currency="CNY",
                description=text,
                posted_at=datetime(2026, 10, day, 12, 0, tzinfo=UTC),
            )
        )
    session.commit()
    return stay


def _codes(session: Session) -> tuple[str, str]:
    a, b = list(session.scalars(select(Hotel.code).order_by(Hotel.code)))[:2]
    return a, b


def _events(session: Session, action: str) -> list[audit.AuditRecord]:
    session.expire_all()
    return list(audit.search_events(session, action=action, paging=PageRequest(page=1, size=100)).items)


def test_the_card_is_a_pdf_with_names_and_masked_contacts(
    live: LiveServer, demo_group: Session, tmp_path: Path
) -> None:
    a, _b = _codes(demo_group)
    stay = _stay(demo_group, a)
    conf = stay.confirmation_number
    with live.client(role="front_desk", scope=DataScope.hotels(hotel(demo_group, a).id)) as c:
        answer = c.get(f"/api/v1/hotels/{a}/stays/{conf}/registration-card.pdf")
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/pdf" and answer.content.startswith(b"%PDF")
    assert answer.headers["content-disposition"] == f'inline; filename="registration-card-{a}-{conf}.pdf"'
    text = pdf_text(answer.content)
    for shown in (HAN, LATIN, conf, "0808", "Deluxe King", "2026-10-01", "2026-10-03", "入住登记卡"):
        assert shown in text, shown
    assert "1101**********002X" in text and "+86139****0002" in text and "c**********@example.org" in text
    for secret in (CANARY_ID, CANARY_ID[6:14], CANARY_PHONE, CANARY_PHONE[3:], CANARY_EMAIL):
        assert secret not in text and secret.encode() not in answer.content, secret
    assert dark_pixels_under(answer.content, HAN, tmp_path / "card.png") > 150
    (event,) = _events(demo_group, "guest.document")
    e = event.event
    assert (e.object_type, e.object_id, e.purpose) == ("stay", f"{a}:{conf}", None)
    assert e.details == {"kind": "registration_card", "full_values": False} and e.actor_role == "front_desk"
    raw = b"".join(demo_group.scalars(select(AuditEventRow.payload)))
    assert CANARY_ID.encode() not in raw and HAN.encode() not in raw and LATIN.encode() not in raw


def test_the_folio_lists_charges_by_date_and_outlet_with_totals(
    live: LiveServer, demo_group: Session, tmp_path: Path
) -> None:
    a, _b = _codes(demo_group)
    stay = _stay(demo_group, a)
    with live.client(role="front_desk") as c:
        answer = c.get(f"/stays/{a}/{stay.confirmation_number}/folio.pdf")  # the page link
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/pdf"
    assert answer.headers["content-disposition"].endswith(
        f'filename="folio-{a}-{stay.confirmation_number}.pdf"'
    )
    text = pdf_text(answer.content)
    # room revenue one line a night, then the outlets; 1280 + 188 + 399.50 + 45 = 1912.50
    assert text.count("客房 Room Deluxe King · BAR CNY 640.00") == 2
    assert "2026-10-01 餐饮 F&B 晚餐 Dinner <b> CNY 188.00" in text  # guest text stays text
    assert "2026-10-02 水疗 Spa Massage CNY 399.50" in text and "迷你吧 Minibar – CNY 45.00" in text
    assert "小计 Subtotal · 客房 Room CNY 1,280.00" in text and "合计 Total CNY 1,912.50" in text
    assert text.index("2026-10-01") < text.index("晚餐") < text.index("Massage")
    assert HAN in text and LATIN in text and "账单明细" in text
    assert CANARY_PHONE[3:] not in text and CANARY_ID[6:14] not in text
    assert dark_pixels_under(answer.content, "1,912.50", tmp_path / "folio.png") > 100
    assert dark_pixels_under(answer.content, HAN, tmp_path / "folio.png") > 150
    (event,) = _events(demo_group, "guest.document")
    assert event.event.details == {"kind": "folio", "full_values": False}


def test_another_hotels_stay_is_a_404_like_a_missing_one(live: LiveServer, demo_group: Session) -> None:
    a, b = _codes(demo_group)
    there = _stay(demo_group, b)
    with live.client(role="front_desk", scope=DataScope.hotels(hotel(demo_group, a).id)) as c:
        for doc in ("registration-card.pdf", "folio.pdf"):
            hidden = c.get(f"/api/v1/hotels/{b}/stays/{there.confirmation_number}/{doc}")
            missing = c.get(f"/api/v1/hotels/{a}/stays/{there.confirmation_number}/{doc}")
            assert hidden.status_code == missing.status_code == 404
            assert hidden.json().keys() == missing.json().keys()
            assert hidden.json()["error"] == missing.json()["error"] == "stay_not_found"
            assert hidden.json()["message"].replace(b, a) == missing.json()["message"]
            assert c.get(f"/stays/{b}/{there.confirmation_number}/{doc}").status_code == 404
    assert _events(demo_group, "guest.document") == []


@pytest.mark.parametrize("role", ["marketing", "regional_manager", "compliance_officer"])
def test_roles_that_do_not_work_the_desk_get_403(live: LiveServer, demo_group: Session, role: str) -> None:
    a, _b = _codes(demo_group)
    stay = _stay(demo_group, a)
    with live.client(role=role) as c:
        for doc in ("registration-card.pdf", "folio.pdf"):
            assert c.get(f"/api/v1/hotels/{a}/stays/{stay.confirmation_number}/{doc}").status_code == 403
    assert _events(demo_group, "guest.document") == []


def test_full_values_only_with_the_reveal_permission_and_a_purpose(
    live: LiveServer, demo_group: Session
) -> None:
    a, _b = _codes(demo_group)
    stay = _stay(demo_group, a)
    url = f"/api/v1/hotels/{a}/stays/{stay.confirmation_number}/registration-card.pdf"
    with live.client(role="front_desk") as clerk:
        refused = clerk.get(url, params={"purpose": "police_registration"})
    assert refused.status_code == 403
    with live.client(role="hotel_manager") as manager:
        assert manager.get(url, params={"purpose": "curiosity"}).status_code == 400
        assert (
            manager.get(url.replace("registration-card", "folio"), params={"purpose": "x"}).status_code == 200
        )
        shown = manager.get(url, params={"purpose": "police_registration"})
    assert shown.status_code == 200
    text = pdf_text(shown.content)
    assert CANARY_ID in text and CANARY_PHONE in text and CANARY_EMAIL not in text  # e-mail stays masked
    reveals = _events(demo_group, "guest.reveal")
    assert sorted(r.event.details["field"] for r in reveals) == ["id_document_number", "phone"]
    assert {r.event.purpose for r in reveals} == {"police_registration"}
    documents = _events(demo_group, "guest.document")
    assert [d.event.details for d in documents] == [
        {"kind": "registration_card", "full_values": True},
        {"kind": "folio", "full_values": False},  # the folio takes no purpose: the parameter is ignored
    ]
    assert documents[0].event.purpose == "police_registration"
    raw = b"".join(demo_group.scalars(select(AuditEventRow.payload)))
    assert CANARY_ID.encode() not in raw and CANARY_PHONE[3:].encode() not in raw


def test_the_desk_pages_link_to_the_documents(live: LiveServer, demo_group: Session) -> None:
    a, _b = _codes(demo_group)
    today = datetime.now(ZoneInfo(hotel(demo_group, a).timezone)).date()
    arriving = _stay(demo_group, a, arrival=today, status=StayStatus.BOOKED)
    in_house = _stay(demo_group, a, status=StayStatus.IN_HOUSE)
    public_id = demo_group.get(Guest, in_house.guests[0].guest_id).public_id  # type: ignore[union-attr]
    card = f"/stays/{a}/{in_house.confirmation_number}/registration-card.pdf"
    folio = f"/stays/{a}/{in_house.confirmation_number}/folio.pdf"
    booked_card = f"/stays/{a}/{arriving.confirmation_number}/registration-card.pdf"
    booked_folio = f"/stays/{a}/{arriving.confirmation_number}/folio.pdf"
    with live.client(role="front_desk") as clerk:
        page = clerk.get(f"/guests/{public_id}").text
        assert card in page and folio in page and 'data-op="card-full"' not in page
        arrivals = clerk.get("/arrivals", params={"hotel": a}).text
        assert booked_card in arrivals and booked_folio not in arrivals  # nothing on the folio yet
        assert clerk.get(booked_card).headers["content-type"] == "application/pdf"
    with live.client(role="hotel_manager") as manager:
        assert 'data-op="card-full"' in manager.get(f"/guests/{public_id}").text
    with live.client(role="regional_manager") as reader:  # may read the profile, not print documents
        assert card not in reader.get(f"/guests/{public_id}").text


WQY = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")  # fonts-wqy-microhei (.ci/run installs it)


def _card(font_name_han: str = HAN) -> RegistrationCard:
    header = StayHeader(
        "SHA01", "云栖上海外滩酒店", "Yunqi Shanghai Bund", "C42", date(2026, 10, 1), date(2026, 10, 2), 1,
        "booked", None, None, None, 1, 0, None, "CNY", None, font_name_han, "WANG XIAOMING",
        datetime(2026, 9, 30, 12, 0, tzinfo=UTC),
    )  # fmt: skip
    return RegistrationCard(header, "CN", "passport", "E1****678", None, None, False, None)


def test_a_configured_font_that_cannot_be_used_stops_with_the_fix(tmp_path: Path) -> None:
    junk = tmp_path / "junk.ttf"
    junk.write_bytes(b"not a font at all")
    for path in (tmp_path / "missing.ttf", junk):
        with pytest.raises(ConfigurationError, match="GUESTGRAPH_DOCUMENT_FONT") as raised:
            document_font(path)
        assert raised.value.hint and "fonts-wqy-microhei" in raised.value.hint
    with pytest.raises(ConfigurationError):
        create_app(make_settings(tmp_path, f"sqlite:///{tmp_path / 'x.db'}", document_font=junk))


def test_unset_the_first_candidate_that_loads_is_embedded_as_a_subset(tmp_path: Path) -> None:
    assert WQY.is_file(), "apt-get install fonts-wqy-microhei (CI does)"
    junk = tmp_path / "junk.ttc"
    junk.write_bytes(b"\0" * 64)
    font = document_font(None, candidates=(tmp_path / "missing.ttf", junk, WQY))
    assert font.path == WQY and font.embedded
    content = render_registration_card(_card(), font)
    assert b"/FontFile2" in content and len(content) < 150_000  # a subset, not the 5 MB font
    assert HAN in pdf_text(content) and "E1****678" in pdf_text(content)


def test_without_a_font_file_the_built_in_cid_font_still_carries_chinese_text(tmp_path: Path) -> None:
    font = document_font(None, candidates=(tmp_path / "none.ttf",))
    assert (font.name, font.embedded) == ("STSong-Light", False)
    content = render_registration_card(_card(), font)
    assert b"/FontFile" not in content and b"STSong-Light" in content
    text = pdf_text(content)
    assert HAN in text and "WANG XIAOMING" in text and "入住登记卡" in text

"""Masked by default everywhere (MK-01) and a partial view of a multi-hotel guest (AC-02): call every
GET route as front desk and the canary's full ID, phone and e-mail never appear in any body (a PDF's
text included); a front desk user of hotel A sees only hotel A's stays and totals."""

from __future__ import annotations

import re
from decimal import Decimal

import httpx
import pypdfium2 as pdfium
from sqlalchemy import select
from sqlalchemy.orm import Session

from guestgraph.access import DataScope
from guestgraph.db.models import Hotel
from tests.conftest import LiveServer
from tests.factories import make_guest, make_mention, make_stay
from tests.test_authz import _routes

CANARY_ID = "11010519491231002X"
CANARY_PHONE = "+8613987650001"
CANARY_EMAIL = "canary.sweep@example.org"


def _fill(path: str, guest_id: str, hotel: str, conf: str) -> str:
    path = path.replace("{public_id}", guest_id).replace("{code}", hotel).replace("{conf}", conf)
    return re.sub(r"\{[^}]+\}", "1", path)


def _text(answer: httpx.Response) -> str:
    """The body as a person would read it: a PDF's text as PDFium extracts it."""
    if answer.headers.get("content-type") == "application/pdf":
        doc = pdfium.PdfDocument(answer.content)
        return "\n".join(doc[i].get_textpage().get_text_range() for i in range(len(doc)))
    return answer.text


def test_no_get_route_shows_the_canary_in_full(live: LiveServer, demo_group: Session, tmp_path) -> None:  # type: ignore[no-untyped-def]
    hotel = demo_group.scalars(select(Hotel).order_by(Hotel.id)).first()
    assert hotel is not None
    canary = make_guest(
        demo_group, full_name="金丝雀", phone=CANARY_PHONE, email=CANARY_EMAIL, id_document_number=CANARY_ID
    )
    make_mention(
        demo_group, canary, phone=CANARY_PHONE, email=CANARY_EMAIL, id_number=CANARY_ID, name_key="jinsique"
    )
    stay = make_stay(demo_group, hotel.code, canary)
    demo_group.commit()
    secrets = (CANARY_ID, CANARY_ID[6:14], CANARY_PHONE, CANARY_PHONE[3:], CANARY_EMAIL, "canary.sweep")
    checked = pdfs = 0
    with live.client(role="front_desk", scope=DataScope.hotels(hotel.id)) as c:
        for route in _routes(tmp_path):
            if "GET" not in route.methods:
                continue
            path = _fill(route.path, canary.public_id, hotel.code, stay.confirmation_number)
            for params in ({}, {"q": CANARY_PHONE}, {"q": "0001"}, {"q": "金丝雀"}, {"hotel": hotel.code}):
                answer = c.get(path, params=params)
                pdfs += answer.headers.get("content-type") == "application/pdf"
                text = _text(answer).replace(
                    f'value="{params.get("q")}"', ""
                )  # the search box echoes what was typed
                for secret in secrets:
                    assert secret not in text, f"{path} {params} shows {secret!r}"
                checked += 1
    assert checked > 100
    assert pdfs >= 4 * 5  # the registration card and the folio, as page links and through the API


def test_a_hotel_user_sees_only_their_hotels_stays_and_totals(live: LiveServer, demo_group: Session) -> None:
    a, b = list(demo_group.scalars(select(Hotel).order_by(Hotel.id)))[:2]
    guest = make_guest(demo_group, full_name="周游")
    make_stay(demo_group, a.code, guest, amount=Decimal("500.00"), confirmation_number="A-STAY-1")
    make_stay(demo_group, b.code, guest, amount=Decimal("900.00"), confirmation_number="B-STAY-9")
    demo_group.commit()
    with live.client(role="front_desk", scope=DataScope.hotels(a.id)) as c:
        profile = c.get(f"/api/v1/guests/{guest.public_id}").json()
        page = c.get(f"/guests/{guest.public_id}").text
    body = str(profile) + page
    assert "A-STAY-1" in body and "B-STAY-9" not in body and b.code not in str(profile["stays"])
    assert b.name_en not in body and b.name_zh not in body
    assert profile["lifetime"]["stays"] == 1 and float(profile["lifetime"]["revenue"]) == 500.0
    with live.client(role="regional_manager") as c:
        wide = c.get(f"/api/v1/guests/{guest.public_id}").json()
    assert wide["lifetime"]["stays"] == 2 and float(wide["lifetime"]["revenue"]) == 1400.0

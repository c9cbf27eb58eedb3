"""Purpose-bound full-value reveal (AC-05): permission, stated purpose, short-lived grant, scope."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from guestgraph.access import DataScope
from guestgraph.db.models import Hotel, RevealGrant
from tests.conftest import LiveServer
from tests.factories import make_guest, make_stay

PHONE = "+8613711112222"


def _guest(session: Session, hotel_code: str):  # type: ignore[no-untyped-def]
    guest = make_guest(session, full_name="钱多多", phone=PHONE, id_document_number="11010519491231002X")
    make_stay(session, hotel_code, guest)
    session.commit()
    return guest


def test_reveal_needs_the_permission_and_a_purpose_and_expires(live: LiveServer, demo_group: Session) -> None:
    code = demo_group.scalars(select(Hotel.code).order_by(Hotel.id)).first()
    guest = _guest(demo_group, code)
    url = f"/api/v1/guests/{guest.public_id}/reveal"
    with live.client(role="front_desk") as clerk:
        assert clerk.post(url, json={"field": "phone", "purpose": "guest_request"}).status_code == 403
        profile = clerk.get(f"/api/v1/guests/{guest.public_id}").text
        assert PHONE not in profile
    with live.client(role="hotel_manager") as manager:
        assert manager.post(url, json={"field": "phone"}).status_code == 422
        assert manager.post(url, json={"field": "phone", "purpose": "curiosity"}).status_code == 422
        shown = manager.post(url, json={"field": "phone", "purpose": "guest_request"})
        assert shown.status_code == 200 and shown.json()["value"] == PHONE
        doc = manager.post(url, json={"field": "id_document_number", "purpose": "police_registration"})
        assert doc.json()["value"] == "11010519491231002X"
        assert manager.get(f"{url}/phone").json()["value"] == PHONE  # within the grant
        with live.engine.begin() as conn:
            conn.execute(update(RevealGrant).values(expires_at=datetime.now(UTC) - timedelta(seconds=1)))
        assert manager.get(f"{url}/phone").status_code == 403  # a new purpose is needed
    grants = demo_group.scalars(select(RevealGrant)).all()
    assert sorted((g.field, g.purpose) for g in grants) == [
        ("id_document_number", "police_registration"),
        ("phone", "guest_request"),
    ]


def test_reveal_respects_the_data_scope(live: LiveServer, demo_group: Session) -> None:
    hotels = list(demo_group.scalars(select(Hotel).order_by(Hotel.id)))
    guest = _guest(demo_group, hotels[1].code)
    with live.client(role="hotel_manager", scope=DataScope.hotels(hotels[0].id)) as manager:
        answer = manager.post(
            f"/api/v1/guests/{guest.public_id}/reveal", json={"field": "phone", "purpose": "guest_request"}
        )
        assert answer.status_code == 404


def test_the_api_offers_exactly_the_purposes_the_service_accepts() -> None:
    import typing

    from guestgraph.profiles import PURPOSES
    from guestgraph.web.routes_api import RevealIn

    assert typing.get_args(RevealIn.model_fields["purpose"].annotation) == tuple(PURPOSES)


def test_the_profile_page_reveals_a_value_for_a_purpose(live: LiveServer, demo_group: Session) -> None:
    code = demo_group.scalars(select(Hotel.code).order_by(Hotel.id)).first()
    guest = _guest(demo_group, code)
    with live.client(role="hotel_manager") as manager:
        page = manager.get(f"/guests/{guest.public_id}")
        assert PHONE not in page.text and 'name="purpose"' in page.text
        shown = manager.post(
            f"/guests/{guest.public_id}/reveal",
            data={"field": "phone", "purpose": "check_in_verification"},
            headers={"HX-Request": "true"},
        )
        assert shown.status_code == 200 and PHONE in shown.text
    with live.client(role="front_desk") as clerk:
        assert 'name="purpose"' not in clerk.get(f"/guests/{guest.public_id}").text

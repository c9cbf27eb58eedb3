"""The steward's review queue over HTTP and in the browser: side by side, masked, in scope, decided."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from guestgraph.access import DataScope
from guestgraph.db.models import GuestMention, SourceRecord
from guestgraph.db.models.identity import MatchReview
from tests.conftest import LiveServer
from tests.factories import hotel, make_guest, make_mention, make_stay


def _key(session: Session, guest_id: int) -> str:
    m, external = session.execute(
        select(GuestMention, SourceRecord.external_id)
        .join(SourceRecord, SourceRecord.id == GuestMention.source_record_id)
        .where(GuestMention.guest_id == guest_id)
    ).one()
    return f"{m.source_system_id}:{m.person_index}:{external}"


def _pair(session: Session, hotel_a: str, hotel_b: str) -> tuple[MatchReview, str, str]:
    left = make_guest(session, full_name="张伟", phone="+8613900001111")
    right = make_guest(session, full_name="Zhang Wei", phone="+8613900001111")
    make_mention(session, left, full_name="张伟", phone="+8613900001111", hotel_id=hotel(session, hotel_a).id)
    make_mention(
        session, right, full_name="Zhang Wei", phone="+8613900001111", hotel_id=hotel(session, hotel_b).id
    )
    make_stay(session, hotel_a, left)
    make_stay(session, hotel_b, right)
    review = MatchReview(
        left_key=_key(session, left.id),
        right_key=_key(session, right.id),
        left_guest_id=left.id,
        right_guest_id=right.id,
        match_weight=5.2,
        match_probability=0.93,
        contributions={
            "name": {"level": "same reading", "weight": 4.1},
            "phone": {"level": "exact", "weight": 3.0},
            "birth_date": {"level": "missing", "weight": 0.0},
            "prior": {"level": "prior", "weight": -1.9},
        },
        model_version=1,
        status="pending",
    )
    session.add(review)
    session.commit()
    return review, left.public_id, right.public_id


def test_the_queue_shows_both_records_masked_with_the_evidence(live: LiveServer, demo_group: Session) -> None:
    codes = [h.code for h in live_hotels(demo_group)]
    review, left, right = _pair(demo_group, codes[0], codes[1])
    with live.client(role="data_steward") as c:
        page = c.get("/review", params={"lang": "en"})
        assert page.status_code == 200
        assert left in page.text and right in page.text
        assert "+8613900001111" not in page.text and "+86139****1111" in page.text
        assert "Name: same reading — evidence for (+4.1)" in page.text
        api = c.get("/api/v1/reviews").json()
        assert api["total"] == 1 and api["items"][0]["evidence"][0]["field"] == "Name"
        decided = c.post(
            f"/api/v1/reviews/{review.id}", json={"decision": "rejected", "reason": "different birthdays"}
        )
        assert decided.status_code == 200 and decided.json()["status"] == "rejected"
        assert c.get("/api/v1/reviews").json()["total"] == 0
        done = c.get("/api/v1/reviews", params={"status": "rejected"}).json()["items"][0]
        assert done["decided_by"].startswith("data_steward") and done["reason"] == "different birthdays"


def test_a_hotel_scoped_steward_sees_no_pair_with_a_guest_outside_the_scope(
    live: LiveServer, demo_group: Session
) -> None:
    codes = [h.code for h in live_hotels(demo_group)]
    review, _left, _right = _pair(demo_group, codes[0], codes[1])
    scope = DataScope.hotels(hotel(demo_group, codes[0]).id)
    with live.client(role="data_steward", scope=scope) as c:
        assert c.get("/api/v1/reviews").json()["total"] == 0
        answer = c.post(f"/api/v1/reviews/{review.id}", json={"decision": "accepted"})
        assert answer.status_code == 404
    with live.client(role="front_desk") as c:
        assert c.get("/api/v1/reviews").status_code == 403


def test_deciding_in_the_page_swaps_the_card(live: LiveServer, demo_group: Session) -> None:
    codes = [h.code for h in live_hotels(demo_group)]
    review, _l, _r = _pair(demo_group, codes[0], codes[1])
    with live.client(role="data_steward") as c:
        answer = c.post(
            f"/review/{review.id}",
            data={"decision": "accepted", "reason": ""},
            headers={"HX-Request": "true"},
        )
        assert answer.status_code == 200 and f'id="review-{review.id}"' in answer.text
    demo_group.expire_all()
    assert demo_group.get(MatchReview, review.id).status == "accepted"


def live_hotels(session: Session):  # type: ignore[no-untyped-def]
    from guestgraph.db.models import Hotel

    return list(session.scalars(select(Hotel).order_by(Hotel.id)))

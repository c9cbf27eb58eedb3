"""OTA reviews and outlet scores over real HTTP on both databases: the export uploaded through the API
and through the form (every rejected row listed with its row number and field, the same file again
changing nothing), scope and permissions, the scores API by source, outlet and aspect, the surveys
page, the public survey page asking about the outlets the stay used; and `guestgraph feedback
import-reviews` as an operator runs it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from guestgraph import engage, feedback, privacy
from guestgraph.access import DataScope
from guestgraph.db import make_session_factory
from guestgraph.db.models import (
    Charge,
    ConsentDecision,
    Hotel,
    OtaReview,
    Outlet,
    ServiceTicket,
    SurveyOutletScore,
)
from guestgraph.pii import open_engine
from guestgraph.privacy import Channel, ConsentInput, Purpose
from tests.auth_helpers import browser_like, csrf_of
from tests.conftest import BACKENDS, LiveServer, make_settings
from tests.factories import hotel, make_guest, make_stay
from tests.smtp_peer import smtp_peer
from tests.test_cli import run

DATA = Path(__file__).parent / "data" / "reviews"
CTRIP = DATA / "ctrip_reviews_synthetic.csv"
BOOKING = DATA / "booking_reviews_synthetic.csv"


def _codes(session: Session) -> tuple[str, str]:
    a, b = list(session.scalars(select(Hotel.code).order_by(Hotel.code)))[:2]
    return a, b


def _upload(path: Path) -> dict[str, tuple[str, bytes, str]]:
    return {"file": (path.name, path.read_bytes(), "text/csv")}


def test_upload_through_the_api_idempotent_in_scope(live: LiveServer, demo_group: Session) -> None:
    a, b = _codes(demo_group)
    guest = make_guest(demo_group)
    make_stay(demo_group, a, guest, confirmation_number="CTRIP-880001")
    demo_group.commit()
    scope_a = DataScope.hotels(hotel(demo_group, a).id)
    with live.client(role="data_steward", scope=scope_a) as steward:
        first = steward.post("/api/v1/feedback/reviews", data={"source": "ctrip"}, files=_upload(CTRIP))
        assert first.status_code == 200, first.text
        body = first.json()
        assert (body["rows_read"], body["imported"], body["unchanged"], body["rejected"]) == (9, 5, 1, 3)
        assert body["reconciles"] and body["matched"] == 1 and body["tickets"] == 1
        assert [(p["row"], p["field"]) for p in body["problems"]] == [
            (10, "总评分"),
            (11, "点评ID"),
            (12, "点评时间"),
        ]
        again = steward.post(
            "/api/v1/feedback/reviews", data={"source": "ctrip"}, files=_upload(CTRIP)
        ).json()
        assert (again["imported"], again["unchanged"], again["rejected"]) == (0, 6, 3)
        other = steward.post(
            "/api/v1/feedback/reviews", data={"source": "ctrip", "hotel": b}, files=_upload(CTRIP)
        )
        assert other.status_code == 404 and other.json()["error"] == "hotel_not_found"
        unknown = steward.post("/api/v1/feedback/reviews", data={"source": "agoda"}, files=_upload(CTRIP))
        assert unknown.status_code == 400 and unknown.json()["error"] == "invalid_feedback_input"
        assert "ctrip" in unknown.json()["hint"]
        bad = steward.post(
            "/api/v1/feedback/reviews",
            data={"source": "ctrip"},
            files={"file": ("notes.csv", b"just,some\ntext,here\n", "text/csv")},
        )
        assert bad.status_code == 400 and bad.json()["error"] == "unreadable_input"
        assert "notes.csv at header" in bad.json()["message"]
    with live.client(role="front_desk", scope=scope_a) as desk:
        refused = desk.post("/api/v1/feedback/reviews", data={"source": "ctrip"}, files=_upload(CTRIP))
        assert refused.status_code == 403
    assert demo_group.scalar(select(func.count()).select_from(OtaReview)) == 5
    uploads = live.settings.data_dir / "uploads"
    assert not uploads.exists() or not any(uploads.rglob("*.csv"))  # the scratch copy is gone


def test_the_form_lists_rejected_rows_and_the_page_shows_scores_by_source(
    live: LiveServer, demo_group: Session
) -> None:
    a, b = _codes(demo_group)
    demo_group.commit()
    with live.client(role="data_steward") as steward:
        page = steward.get("/surveys/reviews")
        assert page.status_code == 200 and 'id="review-import"' in page.text
        assert 'id="review-import-link"' in steward.get("/imports").text
        done = steward.post(
            "/surveys/reviews", data={"source": "booking", "hotel": b}, files=_upload(BOOKING)
        )
        assert done.status_code == 200
        report = done.text.split('id="review-report"')[1]
        assert 'data-imported="3"' in report and 'data-rejected="1"' in report
        assert '<tr data-row="5"><td class="n">5</td><td>Review score</td>' in report
        assert steward.get("/surveys").status_code == 403  # no report.read: the scores are not theirs
    with live.client(role="data_steward") as steward:
        steward.post("/surveys/reviews", data={"source": "ctrip", "hotel": a}, files=_upload(CTRIP))
    with live.client(role="hotel_manager", scope=DataScope.hotels(hotel(demo_group, b).id)) as manager:
        page = manager.get("/surveys")
        assert page.status_code == 200
        assert f'<tr data-hotel="{b}" data-source="review">' in page.text
        assert f'data-hotel="{a}"' not in page.text
        assert 'id="review-import"' not in page.text  # the form is for those who may import
        reviews = page.text.split('id="reviews"')[1]
        assert "J***" in reviews and "John" not in reviews  # reviewers' names masked
        assert "<td>booking</td>" in reviews and "<td>ctrip</td>" not in reviews  # hotel A's are not in scope
        assert 'data-aspect="cleanliness"' in page.text
        rows = manager.get("/api/v1/feedback/scores").json()
        assert [(r["hotel"], r["source"], r["answered"], r["csat"]) for r in rows] == [(b, "review", 3, 3.67)]
        assert manager.get("/api/v1/feedback/scores", params={"source": "survey"}).json() == []
        aspects = manager.get("/api/v1/feedback/scores", params={"by": "aspect"}).json()
        assert {r["aspect"] for r in aspects} == {
            "service",
            "cleanliness",
            "location",
            "facilities",
            "comfort",
            "value",
        }
        assert manager.get("/api/v1/feedback/scores", params={"by": "outlet"}).json() == []
        listed = manager.get("/api/v1/feedback/reviews").json()
        assert {r["channel"] for r in listed} == {"booking"} and len(listed) == 3
        assert manager.get("/api/v1/feedback/scores", params={"source": "web"}).status_code == 422
        assert (
            manager.post("/surveys/reviews", data={"source": "ctrip"}, files=_upload(CTRIP)).status_code
            == 403
        )


def test_the_public_survey_asks_about_the_spa_the_guest_used(
    live: LiveServer, demo_group: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    a, _b = _codes(demo_group)
    guest = make_guest(demo_group, email="spa@example.com")
    today = datetime.now(UTC).date()
    stay = make_stay(demo_group, a, guest, arrival=today - timedelta(days=2), departure=today)
    for outlet in (Outlet.SPA, Outlet.MINIBAR, Outlet.OTHER):
        demo_group.add(
            Charge(
                hotel_id=hotel(demo_group, a).id,
                stay_id=stay.id,
                outlet=outlet,
                amount=Decimal(50),
                currency="CNY",
            )
        )
    entry = ConsentInput(Purpose.MARKETING, Channel.EMAIL, ConsentDecision.GRANTED, "test")
    privacy.record_consent(
        demo_group, guest_id=guest.id, entry=entry, recorded_by_id=None, now=datetime.now(UTC)
    )
    demo_group.commit()
    with smtp_peer() as (collector, port):
        smtp = engage.SmtpConfig("127.0.0.1", port, None, None, False, "Hotel <care@hotel.example>", 10)
        policy = feedback.SurveyPolicy(
            engage.EngagePolicy(smtp, 5, timedelta(days=7), live.base_url, b"k" * 32), timedelta(days=30)
        )
        feedback.send_surveys(
            demo_group, scope=DataScope.group(), since=today - timedelta(days=1), policy=policy,
            clock=lambda: datetime.now(UTC),
        )  # fmt: skip
        [mail] = collector.received
    link = next(w for w in mail.text().split() if "/s/" in w)
    with browser_like(live) as phone:
        page = phone.get(link)
        assert 'data-outlet="spa"' in page.text and 'data-outlet="minibar"' in page.text
        assert 'data-outlet="room"' not in page.text and 'data-outlet="other"' not in page.text
        token = csrf_of(page.text)
        wrong = phone.post(link, data={"csrf_token": token, "nps": "9", "csat": "5", "outlet_room": "4"})
        assert wrong.status_code == 422 and 'id="survey-problem"' in wrong.text
        done = phone.post(link, data={"csrf_token": token, "nps": "9", "csat": "5", "outlet_spa": "2"})
        assert done.status_code == 200 and 'data-state="thanks"' in done.text
    demo_group.expire_all()
    assert demo_group.execute(select(SurveyOutletScore.outlet, SurveyOutletScore.score)).all() == [("spa", 2)]
    with live.client(role="hotel_manager") as manager:
        [row] = manager.get("/api/v1/feedback/scores", params={"by": "outlet"}).json()
        assert (row["hotel"], row["outlet"], row["ratings"], row["average"]) == (a, "spa", 1, 2.0)
        assert f'data-hotel="{a}" data-outlet="spa"' in manager.get("/surveys").text


@pytest.mark.parametrize("backend", BACKENDS)
def test_import_reviews_from_the_command_line(backend: str, scratch_db, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    url = scratch_db(backend)
    env = {
        "GUESTGRAPH_DATABASE_URL": url,
        "GUESTGRAPH_DATA_DIR": str(tmp_path),
        "GUESTGRAPH_DEMO_GUESTS": "5",
    }
    assert run("migrate", env=env).returncode == 0
    assert run("load-demo", "--if-empty", env=env).returncode == 0
    engine = open_engine(make_settings(tmp_path, url))
    with make_session_factory(engine)() as session:
        code = session.scalars(select(Hotel.code).order_by(Hotel.code)).first()
        assert code is not None
    first = run("feedback", "import-reviews", str(CTRIP), "--source", "ctrip", "--hotel", code, env=env)
    assert first.returncode == 1, first.stderr  # rows were rejected: the operator is told, by row
    assert "row 10, 总评分: '五星' is not a score from 1 to 5" in first.stderr
    assert "9 rows: 5 imported, 1 already imported, 3 rejected" in first.stderr
    again = run("feedback", "import-reviews", str(CTRIP), "--source", "ctrip", "--hotel", code, env=env)
    assert "0 imported, 6 already imported, 3 rejected" in again.stderr
    booking = run("feedback", "import-reviews", str(BOOKING), "--source", "booking", "--hotel", code, env=env)
    assert booking.returncode == 1 and "3 imported" in booking.stderr
    clean = tmp_path / "clean.csv"
    clean.write_text("Review ID,Review date,Review score\nBK-1,2026-11-01,8\n", encoding="utf-8")
    ok = run("feedback", "import-reviews", str(clean), "--source", "booking", "--hotel", code, env=env)
    assert ok.returncode == 0 and "1 imported" in ok.stderr, ok.stderr
    nowhere = run("feedback", "import-reviews", str(CTRIP), "--source", "ctrip", "--hotel", "XXX99", env=env)
    assert nowhere.returncode != 0 and "XXX99" in nowhere.stderr
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(OtaReview)) == 9
        assert conn.scalar(select(func.count()).select_from(ServiceTicket)) == 2
    engine.dispose()

"""OTA review exports in the service layer on both databases: the synthetic Ctrip (GB18030, Chinese
headers, title row) and Booking.com (UTF-8 with BOM, 10-point) exports imported, every row imported
or reported with its row number and field, the same file again changing nothing, scores mapped onto
CSAT, matching through the booking reference only, the timeline and the low-score ticket, scope, the
scores by source and aspect, erasure; and the parser under hypothesis (no row crashes it, every row
is accounted for)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from guestgraph import feedback, ingest, privacy, profiles, service
from guestgraph.access import DataScope
from guestgraph.db.models import Hotel, Interaction, OtaReview, OtaReviewScore, ServiceTicket
from guestgraph.errors import HotelNotFound
from guestgraph.paging import PageRequest
from tests.factories import hotel, make_guest, make_stay

DATA = Path(__file__).parent / "data" / "reviews"
CTRIP = DATA / "ctrip_reviews_synthetic.csv"
BOOKING = DATA / "booking_reviews_synthetic.csv"
GROUP = DataScope.group()
HOURS = "00:00-24:00"
NOW = datetime(2026, 12, 15, 9, tzinfo=UTC)


def _codes(session: Session) -> tuple[str, str]:
    a, b = list(session.scalars(select(Hotel.code).order_by(Hotel.code)))[:2]
    return a, b


def run(
    session: Session, path: Path, source: str, *, scope: DataScope = GROUP, hotel_code: str | None = None
) -> feedback.ReviewImport:
    return feedback.import_reviews(
        session, path, scope=scope, source=source, hotel_code=hotel_code, actor_id=None, now=NOW,
        default_hours=HOURS,
    )  # fmt: skip


def test_ctrip_export_imported_reported_matched_and_idempotent(demo_group: Session) -> None:
    a, _b = _codes(demo_group)
    guest = make_guest(demo_group, full_name="小**鱼")  # the reviewer's nickname: never used to match
    lookalike = make_guest(demo_group, full_name="匿名用户")
    make_stay(demo_group, a, guest, confirmation_number="CTRIP-880001")
    make_stay(demo_group, a, lookalike, confirmation_number="OTHER-1")
    demo_group.commit()

    done = run(demo_group, CTRIP, "ctrip", hotel_code=a)
    demo_group.commit()
    assert (done.profile, done.channel) == ("ctrip_cn", "ctrip")
    assert (done.rows_read, done.imported, done.unchanged, done.rejected) == (9, 5, 1, 3)
    assert done.reconciles and done.matched == 1 and done.tickets == 1
    assert [(p.row, p.field) for p in done.problems] == [(10, "总评分"), (11, "点评ID"), (12, "点评时间")]
    assert "'五星' is not a score from 1 to 5" in str(done.problems[0])

    reviews = {r.external_id: r for r in demo_group.scalars(select(OtaReview))}
    assert sorted(reviews) == ["CT-1001", "CT-1002", "CT-1003", "CT-1004", "CT-1005"]
    first, low = reviews["CT-1001"], reviews["CT-1002"]
    assert (first.score, first.scale, first.csat, first.reviewed_on) == (
        Decimal("4.8"),
        5,
        5,
        date(2026, 11, 3),
    )
    assert first.guest_id == guest.id and first.sentiment == "praise"
    assert (reviews["CT-1004"].score, reviews["CT-1004"].csat) == (Decimal("3.5"), 4)  # half up
    assert reviews["CT-1005"].score == Decimal("5.0")  # "5分"
    # a booking reference with no stay, or no reference at all, leaves the review unmatched
    assert (
        low.guest_id is None and reviews["CT-1003"].guest_id is None and reviews["CT-1004"].guest_id is None
    )
    aspects = dict(
        demo_group.execute(
            select(OtaReviewScore.aspect, OtaReviewScore.score).where(OtaReviewScore.review_id == first.id)
        ).all()
    )
    assert aspects == {
        "cleanliness": Decimal("5.0"), "service": Decimal("5.0"), "location": Decimal("4.5"),
        "facilities": Decimal("4.5"),
    }  # fmt: skip

    # the low score (1.5 of 5 → CSAT 2) opened a ticket as a low survey answer does
    ticket = demo_group.get_one(ServiceTicket, low.ticket_id)
    assert (low.sentiment, low.topic) == ("complaint", "room")  # 房间 (room) outnumbers the cleaning words
    assert (ticket.priority, ticket.category, ticket.guest_id) == ("high", low.topic, None)
    (title,), (description,) = (
        f(demo_group, [ticket]) for f in (service.ticket_titles, service.ticket_descriptions)
    )
    assert "Low review score on ctrip: 1.5/5" in (title or "") and "不干净" in (description or "")
    # the matched review is on the guest's timeline
    timeline = profiles.list_interactions(demo_group, scope=GROUP, guest_id=guest.id)
    assert [(i.kind, i.channel) for i in timeline] == [("review", "ota")]
    assert "Review on ctrip: 4.8/5 (CSAT 5/5)" in timeline[0].text and "早餐丰富" in timeline[0].text
    assert profiles.list_interactions(demo_group, scope=GROUP, guest_id=lookalike.id) == []

    again = run(demo_group, CTRIP, "ctrip", hotel_code=a)
    demo_group.commit()
    assert (again.imported, again.unchanged, again.rejected, again.tickets) == (0, 6, 3, 0)
    assert demo_group.scalar(select(func.count()).select_from(OtaReview)) == 5
    assert demo_group.scalar(select(func.count()).select_from(ServiceTicket)) == 1
    assert demo_group.scalar(select(func.count()).select_from(Interaction)) == 1

    from guestgraph import audit

    events = audit.search_events(
        demo_group, action="feedback.review.match", paging=PageRequest(page=1, size=5)
    )
    assert [e.event.guest_public_id for e in events.items] == [guest.public_id]
    imports = audit.search_events(
        demo_group, action="feedback.reviews.import", paging=PageRequest(page=1, size=5)
    )
    assert sorted(e.event.details["imported"] for e in imports.items) == [0, 5]


def test_booking_export_ten_point_scores_two_text_columns_and_a_low_score(demo_group: Session) -> None:
    a, _b = _codes(demo_group)
    guest = make_guest(demo_group, full_name="John Smith")
    make_stay(demo_group, a, guest, confirmation_number="BKG-5550002")
    demo_group.commit()
    done = run(demo_group, BOOKING, "booking", hotel_code=a)
    demo_group.commit()
    assert (done.profile, done.rows_read, done.imported, done.rejected) == ("booking_en", 4, 3, 1)
    assert [(p.row, p.field) for p in done.problems] == [(5, "Review score")]
    reviews = {r.external_id: r for r in demo_group.scalars(select(OtaReview))}
    assert [(reviews[k].score, reviews[k].csat) for k in ("BK-77001", "BK-77002", "BK-77003")] == [
        (Decimal("9.2"), 5), (Decimal("3.0"), 2), (Decimal("7.5"), 4),  # "7,5": a decimal comma
    ]  # fmt: skip
    assert all(r.scale == 10 for r in reviews.values())
    assert feedback.review_comments(demo_group, [reviews["BK-77003"]]) == ["Good location\nSmall room"]
    low = reviews["BK-77002"]
    assert low.guest_id == guest.id and low.ticket_id is not None and low.sentiment == "complaint"
    ticket = demo_group.get_one(ServiceTicket, low.ticket_id)
    assert ticket.guest_id == guest.id and ticket.interaction_id == low.interaction_id


@pytest.mark.parametrize(
    ("score", "scale", "csat"),
    [("1", 5, 1), ("2.4", 5, 2), ("2.5", 5, 3), ("5", 5, 5), ("1", 10, 1), ("3.2", 10, 2), ("4.3", 10, 2),
     ("4.4", 10, 3), ("5.5", 10, 3), ("7.8", 10, 4), ("9", 10, 5), ("10", 10, 5)],
)  # fmt: skip
def test_scores_map_onto_csat_linearly_half_up(score: str, scale: int, csat: int) -> None:
    assert feedback.to_csat(Decimal(score), scale) == csat


def test_a_hotel_user_imports_only_into_their_own_hotel(demo_group: Session, tmp_path: Path) -> None:
    a, b = _codes(demo_group)
    scope_a = DataScope.hotels(hotel(demo_group, a).id)
    with pytest.raises(HotelNotFound):
        run(demo_group, CTRIP, "ctrip", scope=scope_a, hotel_code=b)
    # without --hotel, a single-hotel user's reviews go to their hotel; a row naming another is refused
    export = tmp_path / "group.csv"
    export.write_text(
        "点评ID,点评时间,总评分,酒店代码,点评内容\n"
        f"G-1,2026-11-01,4,{a},好\nG-2,2026-11-01,4,{b},好\nG-3,2026-11-01,4,,好\nG-4,2026-11-01,4,NOPE,好\n",
        encoding="utf-8",
    )
    done = run(demo_group, export, "ctrip", scope=scope_a)
    assert (done.imported, done.rejected) == (2, 2)
    assert [(p.row, p.field) for p in done.problems] == [(3, "酒店代码"), (5, "酒店代码")]
    assert f"no hotel '{b}' in your data scope" in done.problems[0].problem
    stored = set(demo_group.scalars(select(OtaReview.hotel_id)))
    assert stored == {hotel(demo_group, a).id}
    # a group user with several hotels and no hotel given: each row must say
    nowhere = run(demo_group, export, "ctrip")
    assert [(p.row, p.problem) for p in nowhere.problems if p.row == 4] == [(4, "no hotel given")]


def test_unknown_source_and_unreadable_files_say_how_to_fix(demo_group: Session, tmp_path: Path) -> None:
    a, _b = _codes(demo_group)
    with pytest.raises(feedback.InvalidFeedbackInput, match="No review profile for the source 'tripadvisor'"):
        run(demo_group, CTRIP, "tripadvisor", hotel_code=a)
    other = tmp_path / "stays.csv"
    other.write_text("确认号,姓名\nC1,王小明\n", encoding="utf-8")
    with pytest.raises(ingest.ReaderError, match="no header row with the review columns"):
        run(demo_group, other, "ctrip", hotel_code=a)
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(ingest.ReaderError, match="empty"):
        run(demo_group, empty, "ctrip", hotel_code=a)


def test_an_excel_export_reads_like_the_csv(demo_group: Session, tmp_path: Path) -> None:
    from openpyxl import Workbook

    a, _b = _codes(demo_group)
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["携程点评导出（合成测试数据）"])
    sheet.append(["点评ID", "点评时间", "总评分", "点评内容"])
    sheet.append([9001, datetime(2026, 11, 20, 10, 30), 4.5, "服务很好"])
    sheet.append([9002, "2026-11-21", "bad", "差"])
    path = tmp_path / "ctrip.xlsx"
    book.save(path)
    done = run(demo_group, path, "ctrip", hotel_code=a)
    assert (done.imported, done.rejected) == (1, 1) and [(p.row, p.field) for p in done.problems] == [
        (4, "总评分")
    ]
    review = demo_group.scalars(select(OtaReview)).one()
    assert (review.external_id, review.reviewed_on, review.csat) == ("9001", date(2026, 11, 20), 5)


def test_scores_by_source_and_aspect_in_scope_and_reviewers_masked(demo_group: Session) -> None:
    a, b = _codes(demo_group)
    run(demo_group, CTRIP, "ctrip", hotel_code=a)
    run(demo_group, BOOKING, "booking", hotel_code=b)
    demo_group.commit()
    rows = feedback.feedback_scores(demo_group, scope=GROUP)
    assert [(r.hotel, r.source, r.answered, r.csat, r.nps) for r in rows] == [
        (a, "review", 5, 4.0, None), (b, "review", 3, 3.67, None),
    ]  # fmt: skip
    assert feedback.feedback_scores(demo_group, scope=GROUP, source="survey") == []
    monthly = feedback.feedback_scores(demo_group, scope=GROUP, by_month=True, source="review")
    assert [(r.hotel, r.period, r.answered) for r in monthly] == [(a, "2026-11", 5), (b, "2026-11", 3)]
    assert (
        feedback.feedback_scores(demo_group, scope=GROUP, since=date(2026, 11, 10), source="review")[
            0
        ].answered
        == 1
    )
    scope_b = DataScope.hotels(hotel(demo_group, b).id)
    assert {r.hotel for r in feedback.feedback_scores(demo_group, scope=scope_b)} == {b}
    aspects = {(r.hotel, r.aspect, r.period): r for r in feedback.aspect_scores(demo_group, scope=GROUP)}
    # Booking cleanliness 9, 2, 7 of 10 → (4.56 + 1.44 + 3.67) / 3 on the 1-5 scale
    assert aspects[(b, "cleanliness", "2026-11")].average == pytest.approx(3.22, abs=0.01)
    assert aspects[(b, "cleanliness", "2026-11")].reviews == 3
    assert aspects[(a, "cleanliness", "2026-11")].average == 3.75  # 5, 1, 4, 5
    assert {r.aspect for r in feedback.aspect_scores(demo_group, scope=scope_b)} == {
        "cleanliness", "service", "location", "facilities", "comfort", "value",
    }  # fmt: skip
    lines = feedback.recent_reviews(demo_group, scope=scope_b)
    assert {line.reviewer for line in lines} == {"A***", "J***", "G****"}
    assert all(line.hotel == b for line in lines)


def test_erasure_keeps_the_score_without_the_person_and_reimport_does_not_relink(demo_group: Session) -> None:
    a, _b = _codes(demo_group)
    guest = make_guest(demo_group)
    make_stay(demo_group, a, guest, confirmation_number="CTRIP-880001")
    demo_group.commit()
    run(demo_group, CTRIP, "ctrip", hotel_code=a)
    demo_group.commit()
    exported = privacy.export_guest(
        demo_group, scope=GROUP, public_id=guest.public_id, actor_id=None, now=NOW
    )
    assert [r["external_id"] for r in exported["tables"]["ota_review"]] == ["CT-1001"]
    privacy.erase_guest(demo_group, guest_id=guest.id, now=NOW)
    demo_group.commit()
    kept = demo_group.scalars(select(OtaReview).where(OtaReview.external_id == "CT-1001")).one()
    wiped = (kept.guest_id, kept.stay_id, kept.reviewer, kept.booking_ref, kept.key_ref, kept.comment_enc)
    assert wiped == (None,) * 6
    assert (kept.score, kept.csat) == (Decimal("4.8"), 5)
    run(demo_group, CTRIP, "ctrip", hotel_code=a)
    demo_group.expire_all()
    assert demo_group.get_one(OtaReview, kept.id).guest_id is None


# --- the parser under hypothesis (no database) ---------------------------------------------------

CELL = st.one_of(
    st.none(),
    st.text(max_size=30),
    st.sampled_from(
        ["4.5", "4,5", "5分", "10", "0", "-1", "2026-11-03", "2026/11/03 10:00", "CT-1", " ", "٣"]
    ),
)
PROFILE = feedback.review_profiles()["ctrip_cn"]
HEADER = ["点评ID", "点评时间", "用户昵称", "订单号", "总评分", "卫生评分", "点评内容"]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(CELL, max_size=9), max_size=12))
def test_random_rows_never_crash_and_each_is_imported_or_reported(rows: list[list[str | None]]) -> None:
    numbered = [(1, list(HEADER))] + [(n, cells) for n, cells in enumerate(rows, start=2)]
    reading = feedback.open_reviews(numbered, [PROFILE], source="t.csv", today=date(2026, 12, 31))
    seen = 0
    for n, result in enumerate(reading.rows(), start=1):
        seen = n
        if isinstance(result, list):
            assert result and all(p.row >= 2 and p.field and p.problem and p.fix for p in result)
            assert len({p.row for p in result}) == 1
        else:
            assert 1 <= result.csat <= 5 and 1 <= result.score <= 5 and result.external_id
    blank = sum(1 for cells in rows if not any(c is not None and str(c).strip() for c in cells))
    assert seen + reading.blank_rows == len(rows)
    assert reading.blank_rows == blank


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(
        st.lists(st.text(st.characters(exclude_categories=("Cs",)), max_size=12), max_size=8), max_size=8
    ),
    st.sampled_from(["utf-8", "utf-8-sig", "gb18030"]),
)
def test_random_files_are_read_whole_or_refused_whole(
    tmp_path: Path, rows: list[list[str]], encoding: str
) -> None:
    buf = io.StringIO()
    csv.writer(buf).writerows([HEADER, *rows])
    path = tmp_path / "random.csv"
    path.write_bytes(buf.getvalue().encode(encoding))
    try:
        reading = feedback.open_reviews(
            ingest.table_rows(path), [PROFILE], source=path.name, today=date(2026, 12, 31)
        )
        results = list(reading.rows())
    except ingest.ReaderError as e:  # the file as a whole: said what, where and how to fix
        assert e.hint
        return
    assert len(results) + reading.blank_rows == len(rows)  # each row read back: imported or reported


def test_review_text_is_sealed_under_the_guests_key_or_its_own_and_shredded_on_erasure(
    demo_group: Session, tmp_path: Path
) -> None:
    """A review's text may name a phone number or a health complaint: the table holds it sealed, under
    the matched guest's key, else (no guest matched) under a key of the review's own; the list and the
    guest's export open it, the scores still count, and erasing the guest makes a backup's copy of a
    review of their stay unreadable (matched or not)."""
    from sqlalchemy import text

    a, _b = _codes(demo_group)
    guest = make_guest(demo_group)
    make_stay(demo_group, a, guest, confirmation_number="CTRIP-990001")
    demo_group.commit()
    export = tmp_path / "ctrip.csv"
    export.write_text(
        "点评ID,点评时间,用户昵称,订单号,总评分,卫生评分,服务评分,位置评分,设施评分,点评内容\n"
        "CT-9001,2026-11-03 14:22:10,小**鱼,CTRIP-990001,4.0,4,4,4,4,花生过敏没人理，请回电13812345678\n"
        "CT-9002,2026-11-04 09:00:00,匿名用户,,5.0,5,5,5,5,前台很好 13912345678\n",
        encoding="utf-8",
    )
    done = run(demo_group, export, "ctrip", hotel_code=a)
    demo_group.commit()
    assert (done.imported, done.matched) == (2, 1)
    dumped = repr(demo_group.execute(text("SELECT * FROM ota_review")).all())
    assert "13812345678" not in dumped and "花生过敏" not in dumped and "13912345678" not in dumped
    reviews = {r.external_id: r for r in demo_group.scalars(select(OtaReview))}
    matched, unmatched = reviews["CT-9001"], reviews["CT-9002"]
    assert matched.key_ref == guest.key_ref and unmatched.key_ref not in (None, guest.key_ref)
    listed = {r.review_id: r.comment for r in feedback.recent_reviews(demo_group, scope=GROUP)}
    assert listed[matched.id] == "花生过敏没人理，请回电13812345678"
    assert listed[unmatched.id] == "前台很好 13912345678"
    assert [r.answered for r in feedback.review_scores(demo_group, scope=GROUP)] == [2]
    exported = privacy.export_guest(
        demo_group, scope=GROUP, public_id=guest.public_id, actor_id=None, now=NOW
    )
    (row,) = exported["tables"]["ota_review"]
    assert row["comment"] == "花生过敏没人理，请回电13812345678" and "comment_enc" not in row
    backup = [  # as a backup holds them
        SimpleNamespace(id=r.id, key_ref=r.key_ref, comment_enc=r.comment_enc) for r in (matched, unmatched)
    ]
    unmatched.stay_id = matched.stay_id  # a review of their stay that matched nobody (its guest was erased)
    demo_group.commit()

    privacy.erase_guest(demo_group, guest_id=guest.id, now=NOW)
    demo_group.commit()
    assert feedback.review_comments(demo_group, backup) == [None, None]
    assert [r.answered for r in feedback.review_scores(demo_group, scope=GROUP)] == [2]  # the scores stay

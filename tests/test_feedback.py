"""Surveys and feedback, in the service layer on both databases: sending after check-out only where
consent allows (mail received by aiosmtpd), one answer per link, expiry, a low score opening a
ticket and the answer on the timeline, scores per hotel in scope, and the classifier (examples,
the labelled set's measured accuracy, steward edits, any text without an exception)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from guestgraph import engage, feedback, privacy, profiles, service
from guestgraph.access import DataScope
from guestgraph.db.models import ConsentDecision, Guest, Interaction, ServiceTicket, Survey
from guestgraph.privacy import Channel, ConsentInput, Purpose
from tests.factories import hotel, make_guest, make_stay
from tests.smtp_peer import Collector, smtp_peer

GROUP = DataScope.group()
LABELLED = Path(__file__).parent / "data" / "feedback_labelled.yaml"
HOURS = "00:00-24:00"
TOKEN = re.compile(r"/s/([A-Za-z0-9_-]+)\?lang=(zh_CN|en)")


def at(day: int, hour: int = 10) -> datetime:
    return datetime(2026, 11, day, hour, tzinfo=UTC)


@pytest.fixture
def peer() -> Iterator[tuple[Collector, int]]:
    with smtp_peer() as p:
        yield p


def policy_for(port: int, *, days: int = 30) -> feedback.SurveyPolicy:
    smtp = engage.SmtpConfig("127.0.0.1", port, None, None, False, "Hotel <care@hotel.example>", 10)
    return feedback.SurveyPolicy(
        engage.EngagePolicy(smtp, 5, timedelta(days=7), "https://gg.example", b"k" * 32), timedelta(days=days)
    )


def consent(session: Session, guest: Guest, decision: ConsentDecision) -> None:
    entry = ConsentInput(Purpose.MARKETING, Channel.EMAIL, decision, "test")
    privacy.record_consent(session, guest_id=guest.id, entry=entry, recorded_by_id=None, now=at(1))


def checked_out(session: Session, code: str, guest: Guest, departure: date = date(2026, 11, 20)) -> None:
    make_stay(session, code, guest, arrival=departure - timedelta(days=2), departure=departure)


def send(session: Session, port: int, *, now: datetime = at(21), scope: DataScope = GROUP, days: int = 30):  # type: ignore[no-untyped-def]
    return feedback.send_surveys(
        session, scope=scope, since=date(2026, 11, 19), policy=policy_for(port, days=days), clock=lambda: now
    )


def link_of(collector: Collector, address: str) -> str:
    [mail] = collector.to(address)
    found = TOKEN.search(mail.text())
    assert found, mail.text()
    return found.group(1)


def test_surveys_go_after_check_out_only_where_consent_allows_and_once(
    demo_group: Session, peer: tuple[Collector, int]
) -> None:
    collector, port = peer
    h = _first_code(demo_group)
    yes = make_guest(demo_group, email="yes@example.com")
    en = make_guest(demo_group, email="en@example.com", full_name="Ann Lee", nationality="GB", language="en")
    withdrawn = make_guest(demo_group, email="no@example.com")
    unknown = make_guest(demo_group, email="unknown@example.com")
    early = make_guest(demo_group, email="early@example.com")
    for g in (yes, en, withdrawn, unknown, early):
        checked_out(demo_group, h, g, date(2026, 11, 1) if g is early else date(2026, 11, 20))
    consent(demo_group, yes, ConsentDecision.GRANTED)
    consent(demo_group, en, ConsentDecision.GRANTED)
    consent(demo_group, early, ConsentDecision.GRANTED)
    consent(demo_group, withdrawn, ConsentDecision.WITHDRAWN)
    demo_group.commit()

    report = send(demo_group, port)
    assert (report.sent, report.skipped, report.failed) == (2, 2, 0)
    assert sorted(collector.recipients()) == ["en@example.com", "yes@example.com"]
    zh = collector.to("yes@example.com")[0]
    assert "入住" in zh.message["Subject"] and "lang=zh_CN" in zh.text()
    assert "How was your stay" in collector.to("en@example.com")[0].message["Subject"]
    reasons = dict(demo_group.execute(select(Survey.guest_id, Survey.skip_reason)).all())
    assert reasons == {
        yes.id: None, en.id: None, withdrawn.id: "consent withdrawn", unknown.id: "no consent recorded"
    }  # fmt: skip
    token = link_of(collector, "yes@example.com")
    stored = demo_group.scalar(select(Survey.token_hash).where(Survey.guest_id == yes.id))
    assert stored and token not in stored and len(stored) == 64  # only the hash is kept
    again = send(demo_group, port)
    assert (again.sent, again.skipped) == (0, 0) and len(collector.received) == 2


def test_the_survey_comment_is_sealed_under_the_guests_key_and_shredded_on_erasure(
    demo_group: Session, peer: tuple[Collector, int]
) -> None:
    """The guest's survey comment may name a phone number or a health complaint: the table holds it
    sealed under the guest's key; the recent answers and the guest's export open it; the scores still
    count; after erasure a backup's copy of the row opens to nothing."""
    from types import SimpleNamespace

    from sqlalchemy import text

    collector, port = peer
    h = hotel(demo_group, _first_code(demo_group))
    guest = make_guest(demo_group, email="nuts@example.com")
    checked_out(demo_group, h.code, guest)
    consent(demo_group, guest, ConsentDecision.GRANTED)
    demo_group.commit()
    send(demo_group, port)
    words = "花生过敏 but the cake had nuts; call 13812345678"
    answer = feedback.Answer(9, 5, words)
    feedback.answer_survey(
        demo_group, link_of(collector, "nuts@example.com"), answer=answer, now=at(22), default_hours=HOURS
    )
    demo_group.commit()
    dumped = repr(demo_group.execute(text("SELECT * FROM survey")).all())
    assert "13812345678" not in dumped and "花生过敏" not in dumped
    survey = demo_group.scalars(select(Survey).where(Survey.guest_id == guest.id)).one()
    assert survey.key_ref == guest.key_ref
    assert [r.comment for r in feedback.recent_feedback(demo_group, scope=GROUP)] == [words]
    scores = feedback.survey_scores(
        demo_group, scope=GROUP, since=date(2026, 11, 1), until=date(2026, 11, 30)
    )
    assert [(r.answered, r.nps, r.csat) for r in scores] == [(1, 100.0, 5.0)]
    exported = privacy.export_guest(
        demo_group, scope=GROUP, public_id=guest.public_id, actor_id=None, now=at(23)
    )
    (row,) = exported["tables"]["survey"]
    assert row["comment"] == words and "comment_enc" not in row and "key_ref" not in row
    backup = SimpleNamespace(id=survey.id, key_ref=survey.key_ref, comment_enc=survey.comment_enc)

    privacy.erase_guest(demo_group, guest_id=guest.id, now=at(23))
    assert feedback.survey_comments(demo_group, [backup]) == [None]


def test_one_answer_per_link_low_score_ticket_and_the_timeline(
    demo_group: Session, peer: tuple[Collector, int]
) -> None:
    collector, port = peer
    h = hotel(demo_group, _first_code(demo_group))
    guest = make_guest(demo_group, email="low@example.com")
    checked_out(demo_group, h.code, guest)
    consent(demo_group, guest, ConsentDecision.GRANTED)
    demo_group.commit()
    send(demo_group, port)
    token = link_of(collector, "low@example.com")

    form = feedback.survey_form(demo_group, token, now=at(22))
    assert (form.state, form.hotel) == ("open", h.name_zh)
    answer = feedback.Answer(3, 2, "The room was dirty and the towels smelly. 房间不干净")
    done = feedback.answer_survey(demo_group, token, answer=answer, now=at(22), default_hours=HOURS)
    demo_group.commit()
    assert done.classification is not None and done.classification.sentiment == "complaint"
    assert "dirty" in done.classification.matched and "不干净" in done.classification.matched
    ticket = demo_group.get_one(ServiceTicket, done.ticket_id)
    assert (ticket.guest_id, ticket.hotel_id, ticket.priority, ticket.category) == (
        guest.id, h.id, "high", "cleaning"
    )  # fmt: skip
    assert ticket.interaction_id == done.interaction_id and "NPS 3/10" in (
        service.ticket_titles(demo_group, [ticket])[0] or ""
    )
    timeline = profiles.list_interactions(demo_group, scope=DataScope.hotels(h.id), guest_id=guest.id)
    assert [(i.kind, i.hotel) for i in timeline] == [("survey", h.code)]
    assert "NPS 3/10, CSAT 2/5" in timeline[0].text and "(complaint, cleaning)" in timeline[0].text

    with pytest.raises(feedback.SurveyAnswered):
        feedback.answer_survey(
            demo_group, token, answer=feedback.Answer(10, 5), now=at(22), default_hours=HOURS
        )
    demo_group.rollback()
    assert feedback.survey_form(demo_group, token, now=at(23)).state == "answered"
    assert demo_group.scalar(select(func.count()).select_from(Interaction)) == 1
    with pytest.raises(feedback.SurveyLinkInvalid):
        feedback.survey_form(demo_group, token[:-1] + ("A" if token[-1] != "A" else "B"), now=at(22))


def test_a_good_score_opens_no_ticket_and_a_late_answer_is_refused(
    demo_group: Session, peer: tuple[Collector, int]
) -> None:
    collector, port = peer
    code = _first_code(demo_group)
    happy, late = (
        make_guest(demo_group, email="happy@example.com"),
        make_guest(demo_group, email="late@example.com"),
    )
    for g in (happy, late):
        checked_out(demo_group, code, g)
        consent(demo_group, g, ConsentDecision.GRANTED)
    demo_group.commit()
    send(demo_group, port, days=3)
    done = feedback.answer_survey(
        demo_group, link_of(collector, "happy@example.com"), answer=feedback.Answer(9, 5, "Great stay, 谢谢"),
        now=at(22), default_hours=HOURS,
    )  # fmt: skip
    assert done.ticket_id is None and done.classification and done.classification.sentiment == "praise"
    token = link_of(collector, "late@example.com")
    assert feedback.survey_form(demo_group, token, now=at(24)).state == "expired"
    with pytest.raises(feedback.SurveyExpired):
        feedback.answer_survey(
            demo_group, token, answer=feedback.Answer(5, 3), now=at(24), default_hours=HOURS
        )
    with pytest.raises(feedback.InvalidFeedbackInput):
        feedback.answer_survey(
            demo_group, token, answer=feedback.Answer(11, 3), now=at(22), default_hours=HOURS
        )


def test_scores_per_hotel_and_month_within_scope(demo_group: Session, peer: tuple[Collector, int]) -> None:
    collector, port = peer
    a, b = _two_codes(demo_group)
    scores = {"p1": (10, 5), "p2": (9, 4), "d1": (3, 2), "n1": None}  # n1 never answers
    guests = {}
    for name in scores:
        g = make_guest(demo_group, email=f"{name}@example.com")
        checked_out(demo_group, a, g)
        consent(demo_group, g, ConsentDecision.GRANTED)
        guests[name] = g
    other = make_guest(demo_group, email="other@example.com")
    checked_out(demo_group, b, other)
    consent(demo_group, other, ConsentDecision.GRANTED)
    demo_group.commit()
    send(demo_group, port)
    for name, pair in scores.items():
        if pair:
            feedback.answer_survey(
                demo_group, link_of(collector, f"{name}@example.com"), answer=feedback.Answer(*pair),
                now=at(22), default_hours=HOURS,
            )  # fmt: skip
    demo_group.commit()
    rows = {r.hotel: r for r in feedback.survey_scores(demo_group, scope=GROUP)}
    ra = rows[a]
    assert (ra.sent, ra.answered, ra.response_rate) == (4, 3, 0.75)
    assert ra.nps == round(100 * (2 - 1) / 3, 1)  # two promoters, one detractor, three rated
    assert ra.csat == round((5 + 4 + 2) / 3, 2)
    assert (rows[b].sent, rows[b].answered, rows[b].nps) == (1, 0, None)
    [month] = feedback.survey_scores(
        demo_group, scope=DataScope.hotels(hotel(demo_group, a).id), by_month=True
    )
    assert (month.hotel, month.period, month.sent) == (a, "2026-11", 4)
    assert feedback.survey_scores(demo_group, scope=GROUP, since=date(2026, 12, 1)) == []
    only_b = feedback.recent_feedback(demo_group, scope=DataScope.hotels(hotel(demo_group, b).id))
    assert only_b == []


def _charge(session: Session, code: str, guest: Guest, *outlets: str) -> None:
    from decimal import Decimal

    from guestgraph.db.models import Charge, Outlet, Stay, StayGuest

    stay_id = session.scalar(select(Stay.id).join(StayGuest).where(StayGuest.guest_id == guest.id))
    for outlet in outlets:
        session.add(
            Charge(
                hotel_id=hotel(session, code).id, stay_id=stay_id, guest_id=guest.id, outlet=Outlet(outlet),
                amount=Decimal("88.00"), currency="CNY",
            )
        )  # fmt: skip
    session.flush()


def test_the_survey_asks_about_the_outlets_the_stay_used_and_scores_them(
    demo_group: Session, peer: tuple[Collector, int]
) -> None:
    from guestgraph.db.models import SurveyOutletScore

    collector, port = peer
    a, b = _two_codes(demo_group)
    spa, plain, other_hotel = (
        make_guest(demo_group, email=f"{n}@example.com") for n in ("spa", "plain", "ob")
    )
    for g, code in ((spa, a), (plain, a), (other_hotel, b)):
        checked_out(demo_group, code, g)
        consent(demo_group, g, ConsentDecision.GRANTED)
    _charge(demo_group, a, spa, "room", "spa", "spa", "fnb", "other")  # "other" is never asked about
    _charge(demo_group, a, plain, "room")
    _charge(demo_group, b, other_hotel, "spa")
    demo_group.commit()
    send(demo_group, port)
    token = link_of(collector, "spa@example.com")
    assert feedback.survey_form(demo_group, token, now=at(22)).outlets == ("room", "fnb", "spa")
    with pytest.raises(feedback.InvalidFeedbackInput, match="minibar"):
        feedback.answer_survey(
            demo_group, token, answer=feedback.Answer(9, 5, outlets={"minibar": 4}), now=at(22),
            default_hours=HOURS,
        )  # fmt: skip
    with pytest.raises(feedback.InvalidFeedbackInput, match="spa rating is 6"):
        feedback.answer_survey(
            demo_group,
            token,
            answer=feedback.Answer(9, 5, outlets={"spa": 6}),
            now=at(22),
            default_hours=HOURS,
        )
    done = feedback.answer_survey(
        demo_group, token, answer=feedback.Answer(9, 5, outlets={"spa": 5, "fnb": 2}), now=at(22),
        default_hours=HOURS,
    )  # fmt: skip
    feedback.answer_survey(
        demo_group, link_of(collector, "plain@example.com"),
        answer=feedback.Answer(8, 4, outlets={"room": 3}), now=at(22), default_hours=HOURS,
    )  # fmt: skip
    feedback.answer_survey(
        demo_group, link_of(collector, "ob@example.com"), answer=feedback.Answer(8, 4, outlets={"spa": 1}),
        now=at(22), default_hours=HOURS,
    )  # fmt: skip
    demo_group.commit()
    assert done.ticket_id is None  # an outlet rating alone opens no ticket; NPS and CSAT decide
    stored = dict(
        demo_group.execute(
            select(SurveyOutletScore.outlet, SurveyOutletScore.score).where(
                SurveyOutletScore.survey_id == done.survey_id
            )
        ).all()
    )
    assert stored == {"spa": 5, "fnb": 2}
    timeline = profiles.list_interactions(demo_group, scope=GROUP, guest_id=spa.id)
    assert "NPS 9/10, CSAT 5/5; fnb 2/5, spa 5/5" in timeline[0].text
    rows = [
        (r.hotel, r.outlet, r.period, r.ratings, r.average)
        for r in feedback.outlet_scores(demo_group, scope=GROUP)
    ]
    assert rows == [
        (a, "fnb", "2026-11", 1, 2.0), (a, "room", "2026-11", 1, 3.0), (a, "spa", "2026-11", 1, 5.0),
        (b, "spa", "2026-11", 1, 1.0),
    ]  # fmt: skip
    only_b = feedback.outlet_scores(demo_group, scope=DataScope.hotels(hotel(demo_group, b).id))
    assert [(r.hotel, r.outlet) for r in only_b] == [(b, "spa")]
    assert feedback.outlet_scores(demo_group, scope=GROUP, since=date(2026, 12, 1)) == []
    # the survey rows and their outlet ratings go with the guest's erasure
    privacy.erase_guest(demo_group, guest_id=spa.id, now=at(23))
    demo_group.commit()
    assert {r.outlet for r in feedback.outlet_scores(demo_group, scope=GROUP) if r.hotel == a} == {"room"}


def _first_code(session: Session) -> str:
    return _two_codes(session)[0]


def _two_codes(session: Session) -> tuple[str, str]:
    from guestgraph.db.models import Hotel

    a, b = list(session.scalars(select(Hotel.code).order_by(Hotel.code)))[:2]
    return a, b


# --- classification -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "sentiment", "topic", "words"),
    [
        ("The breakfast was excellent", "praise", "fnb", {"excellent", "breakfast"}),
        ("Please add a kettle to the room", "suggestion", "room", {"please add", "kettle", "room"}),
        ("隔壁施工，噪音太大", "complaint", "noise", {"噪音", "施工"}),
        ("DIRTY TOWELS", "complaint", "cleaning", {"dirty", "towels"}),  # case ignored
        ("Ｂｒｅａｋｆａｓｔ ＧＲＥＡＴ", "praise", "fnb", {"great", "breakfast"}),  # full-width folded
        ("the barely used bedroom", None, "other", set()),  # whole words only: no bar, bed or room
        ("", None, "other", set()),
    ],
)
def test_classification_examples_show_the_matched_words(
    text: str, sentiment: str | None, topic: str, words: set[str]
) -> None:
    found = feedback.classify(text, feedback.shipped_rules())
    assert (found.sentiment, found.topic) == (sentiment, topic)
    assert words <= set(found.matched)


def test_the_labelled_set_accuracy_as_stated_in_the_docs() -> None:
    """docs/architecture.md states these figures; change both together."""
    rows = yaml.safe_load(LABELLED.read_text(encoding="utf-8"))
    rules = feedback.shipped_rules()
    results = [(feedback.classify(r["text"], rules), r) for r in rows]
    sentiment = sum((c.sentiment or "none") == r["sentiment"] for c, r in results)
    topic = sum(c.topic == r["topic"] for c, r in results)
    both = sum((c.sentiment or "none") == r["sentiment"] and c.topic == r["topic"] for c, r in results)
    assert len(rows) == 40
    assert (sentiment, topic, both) == (36, 36, 32)
    docs = (Path(__file__).parent.parent / "docs" / "architecture.md").read_text(encoding="utf-8")
    assert "36 of 40" in docs and "32 of 40" in docs


def test_a_steward_edits_the_words_and_the_next_classification_uses_them(demo_group: Session) -> None:
    text = "The lift was out of order"
    assert feedback.classify(text, feedback.current_rules(demo_group)).sentiment is None
    saved = feedback.save_rule(
        demo_group, dimension="sentiment", label="complaint", words="out of order\nBroken, 坏了",
        actor_id=None, now=at(1),
    )  # fmt: skip
    assert saved == ("out of order", "broken", "坏了")
    found = feedback.classify(text, feedback.current_rules(demo_group))
    assert (found.sentiment, found.sentiment_words) == ("complaint", ("out of order",))
    assert feedback.current_rules(demo_group).topic == feedback.shipped_rules().topic
    with pytest.raises(feedback.InvalidFeedbackInput):
        feedback.save_rule(
            demo_group, dimension="sentiment", label="anger", words="x", actor_id=None, now=at(1)
        )
    with pytest.raises(feedback.InvalidFeedbackInput):
        feedback.save_rule(
            demo_group, dimension="topic", label="room", words="x" * 41, actor_id=None, now=at(1)
        )


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=3000))
def test_any_text_is_classified_without_an_exception(text: str) -> None:
    found = feedback.classify(text, feedback.shipped_rules())
    assert found.sentiment in (None, "complaint", "suggestion", "praise")
    assert found.topic in (*feedback.shipped_rules().topic, "other")
    assert all(w in _norm(text) for w in found.matched)


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.sampled_from(["dirty", "脏", "great", "建议", "room", " ", "，", "!", "\u0000", "é"]), max_size=40
    )
)
def test_word_soup_is_classified_by_the_words_in_it(parts: list[str]) -> None:
    text = "".join(parts)
    found = feedback.classify(text, feedback.shipped_rules())
    if found.sentiment is not None:
        assert found.sentiment_words and all(w in text.casefold() for w in found.sentiment_words)


def _norm(text: str) -> str:
    import unicodedata

    return unicodedata.normalize("NFKC", text).casefold()

"""Journeys that start from service and feedback, on both databases with aiosmtpd as the mail peer:
a survey answered with a low score (the guest's real answer through the survey link) starts the
call-back template, a closed complaint ticket starts the after-complaint template, and the
update_field step writes guest fields that segment and journey conditions then ask."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from guestgraph import analytics, feedback, journeys, service
from guestgraph.analytics import SegmentDefinition, member_query
from guestgraph.db.models import GuestField, GuestTag, ServiceTicket
from tests.factories import make_guest, timeline_texts
from tests.smtp_peer import Collector
from tests.test_journeys import GROUP, T0, checked_out, consent, peer, policy_for, run, runs, start

__all__ = ["peer"]  # the fixture, used by name
TOKEN = re.compile(r"https://gg\.example/s/([A-Za-z0-9_\-]+)")


def _fields(s: Session, name: str) -> dict[int, str]:
    s.expire_all()
    rows = s.execute(
        select(GuestField.guest_id, GuestField.value).where(
            GuestField.name == name, GuestField.retired_at.is_(None)
        )
    )
    return dict(rows.all())


def _members(s: Session, condition: dict[str, object]) -> set[int]:
    definition = SegmentDefinition.model_validate({"condition": condition})
    return set(s.scalars(member_query(definition, scope=GROUP, today=T0.date())))


def test_a_low_survey_score_starts_the_call_back_and_marks_the_guest(
    demo_group: Session, engine: Engine, peer: tuple[Collector, int]
) -> None:
    s, (collector, port) = demo_group, peer
    unhappy, happy = make_guest(s), make_guest(s)
    for g in (unhappy, happy):
        consent(s, g)
    checked_out(s, unhappy, happy)
    start(s, "post_stay_survey")
    call_back = start(s, "low_score_call_back")
    run(engine, port, T0)
    run(engine, port, T0 + timedelta(days=1, minutes=1))
    tokens = {m.rcpt_tos[0]: TOKEN.search(m.text()).group(1) for m in collector.received}  # type: ignore[union-attr]
    assert set(tokens) == {str(unhappy.email), str(happy.email)}

    answered_at = T0 + timedelta(days=1, hours=1)
    hours = policy_for(port).default_hours
    for guest, answer in ((unhappy, feedback.Answer(nps=3, csat=4)), (happy, feedback.Answer(nps=9, csat=5))):
        feedback.answer_survey(
            s, tokens[str(guest.email)], answer=answer, now=answered_at, default_hours=hours
        )
    s.commit()

    report = run(engine, port, T0 + timedelta(days=1, hours=2))
    assert report.enrolled == 1 and report.outcomes == {"create_task": 1, "update_field": 1}
    (ticket,) = s.scalars(select(ServiceTicket).where(ServiceTicket.team == "duty_manager"))
    assert ticket.guest_id == unhappy.id and ticket.priority == "high"
    assert "call the guest back" in (service.ticket_titles(s, [ticket])[0] or "")
    assert _fields(s, "survey_followup") == {unhappy.id: "call_back"}
    (field,) = s.scalars(select(GuestField).where(GuestField.guest_id == unhappy.id))
    assert field.set_by == f"journey:{call_back.id}"
    notes = timeline_texts(s, unhappy)
    assert any("survey_followup = call_back" in n for n in notes)
    assert runs(s, call_back.id).by_status == {"done": 1}

    # conditions ask the field, as segments and journey branches do
    asked = {"type": "field", "name": "survey_followup", "op": "=", "value": "call_back"}
    assert _members(s, asked) == {unhappy.id}
    assert happy.id in _members(s, {"type": "field", "name": "survey_followup", "op": "absent"})
    assert unhappy.id not in _members(s, {"type": "field", "name": "survey_followup", "op": "absent"})
    # once per survey: a later pass enrols nobody again
    assert run(engine, port, T0 + timedelta(days=1, hours=5)).enrolled == 0


def test_a_closed_complaint_starts_the_after_complaint_journey(
    demo_group: Session, engine: Engine, peer: tuple[Collector, int]
) -> None:
    s, (collector, port) = demo_group, peer
    noisy, billed = make_guest(s), make_guest(s)
    for g in (noisy, billed):
        consent(s, g)
    journey = start(s, "after_complaint")
    hours = policy_for(port).default_hours
    closed_at = T0 + timedelta(hours=1)
    for guest, category in ((noisy, "noise"), (billed, "billing")):
        made = service.create_ticket(
            s,
            scope=GROUP,
            ticket=service.NewTicket(
                "Loud party next door", category, "normal", "SHA01", None, guest.public_id
            ),
            actor_id=None,
            now=T0,
            default_hours=hours,
        )
        service.change_status(s, scope=GROUP, ticket_id=made.id, to="closed", actor_id=None, now=closed_at)
    s.commit()
    open_one = service.create_ticket(
        s,
        scope=GROUP,
        ticket=service.NewTicket("Still noisy", "noise", "normal", "SHA01", None, billed.public_id),
        actor_id=None,
        now=T0,
        default_hours=hours,
    )
    s.commit()
    assert open_one.id

    first = run(engine, port, T0 + timedelta(hours=2))
    assert first.enrolled == 1  # the closed noise ticket; not the billing one, nor the open one
    assert first.outcomes == {"add_tag": 1, "update_field": 1, "wait": 1}
    assert s.scalar(select(GuestTag.guest_id).where(GuestTag.tag == "service_recovered")) == noisy.id
    assert _fields(s, "complaint_status") == {noisy.id: "closed"}
    assert collector.received == []

    run(engine, port, T0 + timedelta(days=3, hours=3))
    (mail,) = collector.received
    assert mail.rcpt_tos == [str(noisy.email)]
    assert "很抱歉您在云栖上海外滩酒店的入住中遇到了问题" in mail.text()  # the ticket's hotel, though no stay
    assert runs(s, journey.id).by_status == {"done": 1}


def test_update_field_keeps_the_history_and_clears(demo_group: Session) -> None:
    s = demo_group
    a, b = make_guest(s), make_guest(s)
    for who in (a, b):
        analytics.set_guest_field(
            s, scope=GROUP, public_id=who.public_id, name="survey_followup", value="call_back", by="t", now=T0
        )
    assert not analytics.set_guest_field(
        s, scope=GROUP, public_id=a.public_id, name="survey_followup", value="call_back", by="t", now=T0
    )  # the same value again changes nothing
    later = T0 + timedelta(hours=1)
    assert analytics.set_guest_field(
        s, scope=GROUP, public_id=a.public_id, name="survey_followup", value="called", by="t2", now=later
    )
    assert analytics.set_guest_field(
        s, scope=GROUP, public_id=b.public_id, name="survey_followup", value=None, by="t2", now=later
    )
    s.commit()
    assert _fields(s, "survey_followup") == {a.id: "called"}
    history = s.execute(
        select(GuestField.value, GuestField.retired_by)
        .where(GuestField.guest_id == a.id)
        .order_by(GuestField.id)
    ).all()
    assert [tuple(r) for r in history] == [("call_back", "t2"), ("called", None)]
    views = analytics.guest_fields(s, scope=GROUP, public_id=a.public_id)
    assert [(v.name, v.value, v.set_by) for v in views] == [("survey_followup", "called", "t2")]


def test_a_definition_with_a_bad_field_or_no_low_score_bound_is_refused(demo_group: Session) -> None:
    bad_field = {
        "trigger": {"type": "ticket_closed"},
        "steps": [{"key": "x", "type": "update_field", "field": "Bad Name", "value": "v"}],
    }
    no_bound = {
        "trigger": {"type": "survey_answered", "max_nps": None, "max_csat": None},
        "steps": [{"key": "x", "type": "add_tag", "tag": "t"}],
    }
    for raw, where in ((bad_field, "steps.0.update_field.field"), (no_bound, "trigger.survey_answered")):
        try:
            journeys.parse_definition(raw)
        except journeys.JourneyInvalid as e:
            assert where in str(e)
        else:  # pragma: no cover - the assertion is the test
            raise AssertionError(f"{raw} was accepted")

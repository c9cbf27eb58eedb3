"""The post-stay journey's survey step: the stay's survey by e-mail through `guestgraph.feedback`
(its consent gate, its link, its one answer), once per stay and guest however often the step runs."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from guestgraph import feedback
from guestgraph.db.models import Journey, Stay
from guestgraph.db.models import JourneyEnrolment as E
from guestgraph.engage import SmtpTransport
from guestgraph.journeys._definition import JourneyDefinition, SendSurvey
from guestgraph.journeys._policy import JourneyPolicy
from guestgraph.journeys._steps import Where, advance, note, record_runs, timeline

OUTCOME = {"sent": "sent", "skipped": "skipped", "failed": "failed", "exists": "skipped"}
WHAT = {
    "sent": "survey sent / 满意度调查已发送",
    "skipped": "survey not sent / 未发送满意度调查",
    "failed": "survey refused by the mail server / 调查邮件被拒收",
    "exists": "survey already sent for this stay / 本次入住已发送过调查",
}


def run_survey(
    session: Session,
    where: Where,
    journey: Journey,
    d: JourneyDefinition,
    step: SendSurvey,
    *,
    smtp: SmtpTransport,
    policy: JourneyPolicy,
    now: datetime,
) -> None:
    """Each enrolled guest's survey for the stay that enrolled them; without a stay, skipped."""
    rows = session.execute(
        select(E.id, E.guest_id, E.stay_id, Stay.hotel_id).outerjoin(Stay, Stay.id == E.stay_id).where(*where)
    ).all()
    survey = feedback.SurveyPolicy(policy.engage, policy.survey_valid_for)
    for enrolment_id, guest_id, stay_id, hotel_id in rows:
        mine = (*where, E.id == enrolment_id)
        if stay_id is None or hotel_id is None:
            record_runs(
                session, mine, step=step.key, kind=step.type, outcome="skipped", now=now, reason="no stay"
            )
            continue
        result = feedback.send_survey(
            session, smtp, stay_id=stay_id, guest_id=guest_id, hotel_id=hotel_id, policy=survey, now=now
        )
        reason = None if result == "sent" else WHAT[result]
        record_runs(
            session, mine, step=step.key, kind=step.type, outcome=OUTCOME[result], now=now, reason=reason
        )
        timeline(session, mine, journey, note(journey, step.key, WHAT[result]), now=now, kind="email")
    advance(session, where, to=d.after(step.key), now=now)

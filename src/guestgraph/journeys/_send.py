"""A journey's message to one guest: the consent gate (unknown is no) for the step's channel, erasure
and suppression, the frequency cap shared with campaigns, then quiet hours (the send waits for their
end), then SMTP (e-mail) or the channel's gateway (SMS, WeChat; none configured: skipped).

Exactly once: the step run row (unique per enrolment and step) is inserted and committed before the
mail leaves, and marked sent right after. A second worker, or this one restarted, finds the row and
moves on; a worker killed between the two leaves it `started`, marked interrupted, never re-sent.
"""

from __future__ import annotations

import smtplib
from datetime import datetime

from sqlalchemy import delete, exists, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from guestgraph import pii
from guestgraph.db.models import (
    EnrolmentStatus,
    Guest,
    GuestTag,
    Hotel,
    Journey,
    JourneyEnrolment,
    JourneyStepRun,
)
from guestgraph.engage import (
    NO_GATEWAY,
    DeliveryError,
    TemplateInvalid,
    TextTooLong,
    hand_over,
    reason_to_skip,
    render_text,
)
from guestgraph.engage._gate import NO_PHONE, REFUSED, TEMPLATE, TOO_LONG
from guestgraph.engage._mail import SmtpTransport, build_mail
from guestgraph.engage._render import guest_fields, language_of, render
from guestgraph.engage._tokens import journey_unsubscribe_url
from guestgraph.journeys._claim import STARTED
from guestgraph.journeys._coupons import with_enrolment_coupon
from guestgraph.journeys._definition import JourneyDefinition, Send, SendEmail, SendText
from guestgraph.journeys._policy import JourneyPolicy
from guestgraph.journeys._steps import advance, note, one, record_runs, timeline
from guestgraph.privacy import Channel, Purpose

E = JourneyEnrolment
SUPPRESS_TAG = "do_not_contact"
SUPPRESSED = "guest suppressed (do_not_contact)"
QUIET = "quiet hours: waiting until they end"
LABEL = {"email": ("e-mail", "邮件"), "sms": ("SMS", "短信"), "wechat": ("WeChat message", "微信消息")}


def _channel(step: Send) -> Channel:
    return Channel(step.channel) if isinstance(step, SendText) else Channel.EMAIL


def _suppressed(session: Session, guest_id: int) -> bool:
    return bool(
        session.scalar(
            select(
                exists().where(
                    GuestTag.guest_id == guest_id, GuestTag.tag == SUPPRESS_TAG, GuestTag.retired_at.is_(None)
                )
            )
        )
    )


def _zone(session: Session, enrolment: JourneyEnrolment, journey: Journey, policy: JourneyPolicy) -> str:
    hotel_id = enrolment.hotel_id or journey.hotel_id
    zone = session.scalar(select(Hotel.timezone).where(Hotel.id == hotel_id)) if hotel_id else None
    return zone or policy.timezone


def _skip(
    session: Session,
    e: JourneyEnrolment,
    journey: Journey,
    d: JourneyDefinition,
    step: Send,
    reason: str,
    *,
    worker: str,
    now: datetime,
) -> str:
    en, zh = LABEL[_channel(step).value]
    record_runs(
        session, one(e.id, worker), step=step.key, kind=step.type, outcome="skipped", reason=reason, now=now
    )
    timeline(
        session,
        one(e.id, worker),
        journey,
        note(journey, step.key, f"{en} not sent / 未发送{zh}: {reason}"),
        now=now,
    )
    advance(session, one(e.id, worker), to=d.after(step.key), now=now)
    session.commit()
    return "skipped"


def _begin(session: Session, e: JourneyEnrolment, step: Send, now: datetime) -> int | None:
    """The step run, committed before the mail leaves; None when another worker already has it."""
    run = JourneyStepRun(
        enrolment_id=e.id,
        journey_id=e.journey_id,
        guest_id=e.guest_id,
        step=step.key,
        kind=step.type,
        outcome=STARTED,
        purpose=step.purpose,
        started_at=now,
    )
    session.add(run)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        return None
    return run.id


def _finish(session: Session, run_id: int, outcome: str, reason: str | None, now: datetime) -> None:
    session.execute(
        update(JourneyStepRun)
        .where(JourneyStepRun.id == run_id, JourneyStepRun.outcome == STARTED)
        .values(outcome=outcome, reason=reason, sent_at=now if outcome == "sent" else None)
    )


def send_step(
    session: Session,
    enrolment_id: int,
    journey: Journey,
    d: JourneyDefinition,
    step: Send,
    *,
    worker: str,
    smtp: SmtpTransport,
    policy: JourneyPolicy,
    now: datetime,
) -> str:
    """Send (or skip, or put off) one guest's message; returns sent, skipped, failed, deferred or lost."""
    found = session.execute(
        select(E, Guest).join(Guest, Guest.id == E.guest_id).where(*one(enrolment_id, worker))
    ).first()
    if found is None:  # erased (or handed back) since the claim: nothing to send
        return "stopped"
    e, guest = found
    purpose, channel = Purpose(step.purpose), _channel(step)
    if channel is not Channel.EMAIL and channel.value not in policy.engage.gateways:
        reason: str | None = NO_GATEWAY  # never sent another way
    elif _suppressed(session, guest.id):
        reason = SUPPRESSED
    else:
        reason = reason_to_skip(
            session, guest, purpose=purpose, channel=channel, now=now, policy=policy.engage
        )
    if reason is not None:
        return _skip(session, e, journey, d, step, reason, worker=worker, now=now)
    resume = policy.quiet_hours.resume_at(now, _zone(session, e, journey, policy))
    if resume is not None:
        session.execute(
            update(E)
            .where(*one(e.id, worker))
            .values(status=EnrolmentStatus.WAITING, next_at=resume, reason=QUIET, claimed_by=None)
        )
        session.commit()
        return "deferred"
    run_id = _begin(session, e, step, now)
    if run_id is None:  # another worker began this step: move on without sending
        advance(session, one(e.id, worker), to=d.after(step.key), now=now)
        session.commit()
        return "lost"
    if isinstance(step, SendText):
        outcome, detail = _deliver_text(session, e, guest, journey, step, run_id, policy=policy)
    else:
        outcome, detail = _deliver(session, e, guest, journey, step, run_id, smtp=smtp, policy=policy)
    _finish(session, run_id, outcome, None if outcome == "sent" else detail, now)
    en, zh = LABEL[channel.value]
    what = f"{en} sent / {zh}已发送: {detail}" if outcome == "sent" else f"{en} failed / 发送失败: {detail}"
    timeline(session, one(e.id, worker), journey, note(journey, step.key, what), now=now, kind=channel.value)
    advance(session, one(e.id, worker), to=d.after(step.key), now=now)
    session.commit()
    return outcome


def _deliver(
    session: Session,
    e: JourneyEnrolment,
    guest: Guest,
    journey: Journey,
    step: SendEmail,
    run_id: int,
    *,
    smtp: SmtpTransport,
    policy: JourneyPolicy,
) -> tuple[str, str]:
    """The outcome, and the reason (failed) or the subject sent."""
    lang = language_of(guest)
    link = journey_unsubscribe_url(policy.engage.public_base_url, policy.engage.signing_key, run_id)
    hotel_id = e.hotel_id or journey.hotel_id
    fields = guest_fields(session, guest, lang=lang, hotel_id=hotel_id, unsubscribe_url=link)
    fields = with_enrolment_coupon(session, e.id, fields)
    subject, body = (step.subject_zh, step.body_zh) if lang == "zh" else (step.subject_en, step.body_en)
    try:
        rendered = render(subject, body, fields, lang)
    except TemplateInvalid:
        return "failed", TEMPLATE
    mail = build_mail(
        rendered,
        sender=policy.engage.smtp.sender,
        to=str(pii.guest_values(pii.vault_of(session), guest)["email"]),
        unsubscribe=link,
        message_id=f"<journey-{journey.id}.run-{run_id}@guestgraph>",
    )
    try:
        smtp.send(mail)
    except (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError, smtplib.SMTPSenderRefused):
        return "failed", REFUSED
    except DeliveryError:
        # the server cannot be reached: this mail did not leave; take the step run back and stop
        _take_back(session, run_id)
        raise
    return "sent", rendered.subject  # the subject as the guest saw it, for their timeline


def _take_back(session: Session, run_id: int) -> None:
    """The message did not leave (the server or gateway cannot be reached): forget the step run."""
    session.rollback()
    session.execute(
        delete(JourneyStepRun).where(JourneyStepRun.id == run_id, JourneyStepRun.outcome == STARTED)
    )
    session.commit()


def _deliver_text(
    session: Session,
    e: JourneyEnrolment,
    guest: Guest,
    journey: Journey,
    step: SendText,
    run_id: int,
    *,
    policy: JourneyPolicy,
) -> tuple[str, str]:
    """The outcome, and the reason (failed) or the text sent, through the channel's gateway."""
    gateway = policy.engage.gateways[step.channel]
    phone = pii.guest_values(pii.vault_of(session), guest)["phone"]
    if not phone:
        return "failed", NO_PHONE
    lang = language_of(guest)
    link = journey_unsubscribe_url(policy.engage.public_base_url, policy.engage.signing_key, run_id)
    fields = guest_fields(
        session, guest, lang=lang, hotel_id=e.hotel_id or journey.hotel_id, unsubscribe_url=link
    )
    fields = with_enrolment_coupon(session, e.id, fields)
    try:
        text = render_text(
            step.body_zh if lang == "zh" else step.body_en, fields, lang, Channel(step.channel)
        )
    except TextTooLong:
        return "failed", TOO_LONG
    except TemplateInvalid:
        return "failed", TEMPLATE
    try:
        refused = hand_over(
            gateway,
            to=str(phone),
            text=text,
            reference=f"journey-{journey.id}.run-{run_id}",
            template=step.template,
        )
    except DeliveryError:
        _take_back(session, run_id)
        raise
    return ("failed", refused) if refused else ("sent", text.split("\n", 1)[0][:120])

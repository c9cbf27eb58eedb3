"""Sending post-stay surveys: one per checked-out stay's primary guest, asked of the consent gate
first, over the engage package's SMTP transport.

Consent: the code's consent ledger has no "service" purpose, and a satisfaction survey is not needed
to perform the stay, so a survey goes only where e-mail marketing consent (marketing x email) is in
force, through the same gate as campaigns (`engage.reason_to_skip`: erased, merged, no consent,
withdrawn, no address, frequency cap). A guest the gate refuses gets a row with the reason and no link.

At most once: the row (with its link's hash) is committed before the mail leaves, and `sent_at` is
set right after; the (stay, guest) pair is unique, so a rerun never mails the same stay twice.
"""

from __future__ import annotations

import smtplib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import and_, delete, exists, select
from sqlalchemy.orm import Session

from guestgraph import audit, engage, pii
from guestgraph.access import DataScope, hotel_visible
from guestgraph.config import Settings
from guestgraph.db.models import Guest, GuestRole, Hotel, Stay, StayGuest, StayStatus, Survey
from guestgraph.feedback._mail import build_survey_mail, survey_mail
from guestgraph.feedback._tokens import new_token
from guestgraph.privacy import Channel, Purpose

Clock = Callable[[], datetime]
PURPOSE, CHANNEL = Purpose.MARKETING, Channel.EMAIL
REFUSED = "refused by the mail server"


@dataclass(frozen=True)
class SurveyPolicy:
    engage: engage.EngagePolicy  # SMTP, frequency cap, public base URL
    valid_for: timedelta

    @property
    def days(self) -> int:
        return self.valid_for.days

    @classmethod
    def from_settings(cls, settings: Settings) -> SurveyPolicy:
        return cls(engage.EngagePolicy.from_settings(settings), timedelta(days=settings.survey_valid_days))


@dataclass
class SurveyReport:
    sent: int = 0
    skipped: int = 0
    failed: int = 0


def due_surveys(session: Session, *, scope: DataScope, since: date) -> list[tuple[int, int, int]]:
    """(stay, guest, hotel) of checked-out stays (the status says they left, whatever the hotel's local
    date) that departed on or after `since`, in scope, whose primary guest has no survey for it yet."""
    already = exists().where(and_(Survey.stay_id == Stay.id, Survey.guest_id == StayGuest.guest_id))
    rows = session.execute(
        select(Stay.id, StayGuest.guest_id, Stay.hotel_id)
        .join(StayGuest, StayGuest.stay_id == Stay.id)
        .join(Hotel, Hotel.id == Stay.hotel_id)
        .where(
            Stay.status == StayStatus.CHECKED_OUT,
            Stay.departure >= since,
            StayGuest.role == GuestRole.PRIMARY,
            hotel_visible(scope),
            ~already,
        )
        .order_by(Stay.departure, Stay.id)
    )
    return [(s, g, h) for s, g, h in rows]


def send_surveys(
    session: Session,
    *,
    scope: DataScope,
    since: date,
    policy: SurveyPolicy,
    clock: Clock,
) -> SurveyReport:
    """Send the due surveys; commits as it goes (before and after each mail)."""
    report = SurveyReport()
    due = due_surveys(session, scope=scope, since=since)
    with engage.SmtpTransport(policy.engage.smtp) as smtp:
        for stay_id, guest_id, hotel_id in due:
            outcome = _one(session, smtp, stay_id, guest_id, hotel_id, policy=policy, now=clock())
            setattr(report, outcome, getattr(report, outcome) + 1)
    details = {"since": since.isoformat(), "sent": report.sent, "skipped": report.skipped}
    audit.log_event(
        session, "survey.send", object_type="survey", details={**details, "failed": report.failed}
    )
    session.commit()
    return report


def send_survey(
    session: Session,
    smtp: engage.SmtpTransport,
    *,
    stay_id: int,
    guest_id: int,
    hotel_id: int,
    policy: SurveyPolicy,
    now: datetime,
) -> str:
    """One stay's survey to its guest (the post-stay journey's step): "sent", "skipped" (the reason is on
    the survey row), "failed", or "exists" when the stay already has the guest's survey (commits)."""
    taken = session.scalar(select(Survey.id).where(Survey.stay_id == stay_id, Survey.guest_id == guest_id))
    if taken is not None:
        return "exists"
    try:
        return _one(session, smtp, stay_id, guest_id, hotel_id, policy=policy, now=now)
    except engage.DeliveryError:  # the server cannot be reached: no mail left; the next run tries again
        session.rollback()
        session.execute(
            delete(Survey).where(
                Survey.stay_id == stay_id,
                Survey.guest_id == guest_id,
                Survey.sent_at.is_(None),
                Survey.skip_reason.is_(None),
            )
        )
        session.commit()
        raise


def _one(
    session: Session,
    smtp: engage.SmtpTransport,
    stay_id: int,
    guest_id: int,
    hotel_id: int,
    *,
    policy: SurveyPolicy,
    now: datetime,
) -> str:
    guest = session.get_one(Guest, guest_id)
    lang = engage.language_of(guest)
    row = Survey(
        guest_id=guest_id, hotel_id=hotel_id, stay_id=stay_id, lang=lang, created_at=now,
        expires_at=now + policy.valid_for,
    )  # fmt: skip
    reason = engage.reason_to_skip(
        session, guest, purpose=PURPOSE, channel=CHANNEL, now=now, policy=policy.engage
    )
    address = pii.guest_values(pii.vault_of(session), guest)["email"] if reason is None else None
    if reason is not None or not address:
        row.skip_reason = reason
        session.add(row)
        session.commit()
        return "skipped"
    token, row.token_hash = new_token()
    session.add(row)
    session.commit()
    fields = engage.guest_fields(session, guest, lang=lang, hotel_id=hotel_id, unsubscribe_url="")
    locale = "zh_CN" if lang == "zh" else "en"
    link = f"{policy.engage.public_base_url}/s/{token}?lang={locale}"
    rendered = survey_mail(lang=lang, name=fields.name, hotel=fields.hotel, link=link, days=policy.days)
    mail = build_survey_mail(
        rendered, sender=policy.engage.smtp.sender, to=address, message_id=f"<survey-{row.id}@guestgraph>"
    )
    try:
        smtp.send(mail)
    except (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError, smtplib.SMTPSenderRefused):
        row.skip_reason, row.token_hash = REFUSED, None
        session.commit()
        return "failed"
    row.sent_at = now
    session.commit()
    return "sent"

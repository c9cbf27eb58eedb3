"""Scheduled report e-mails: a member of staff asks for a report every day, week or month, as Excel or
PDF, for some colleagues (staff accounts with an e-mail address). `send_due` (the CLI's `reports
send-due`, and the worker after each pass) sends what is due over the engage package's SMTP transport,
the file attached.

Each recipient gets the report of the last complete period (yesterday, last week Monday to Sunday,
last month; birthdays: this period's dates) computed in **their own** data scope and checked against
**their own** permissions, so a mail never shows anyone more than their screen would; the watermark
names them. Exactly once per recipient and period: the recipient's `last_period` is claimed by a
guarded UPDATE and committed before the mail leaves; an unreachable server hands the claim back for
the next run, a refused address is not retried in that period."""

from __future__ import annotations

import smtplib
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from email.message import EmailMessage
from email.utils import formatdate
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from guestgraph import audit
from guestgraph.access import Forbidden, Permission, user_scope
from guestgraph.db.models import ReportSchedule, ReportScheduleRecipient, Role, StaffUser
from guestgraph.engage import DeliveryError, SmtpConfig, SmtpTransport
from guestgraph.errors import InvalidInput, NotFound
from guestgraph.frontdesk import DocumentFont
from guestgraph.reports._common import CONSENT_CHANNELS, ReportParams
from guestgraph.reports._export import check_export_allowed, check_format, export_report
from guestgraph.reports._model import KINDS

FREQUENCIES = ("daily", "weekly", "monthly")
R = ReportScheduleRecipient
NO_ADDRESS = "no e-mail address"
DISABLED = "account disabled"
NOT_ALLOWED = "not allowed to read this report"
REFUSED = "refused by the mail server"


@dataclass(frozen=True)
class ScheduleView:
    id: int
    report: str
    frequency: str
    format: str
    consent: str | None
    owner: str | None
    recipients: list[str]  # usernames
    created_at: datetime
    last_period: date | None
    last_sent_at: datetime | None
    last_outcome: str | None


@dataclass(frozen=True)
class Colleague:
    username: str
    display_name: str
    email: str


@dataclass
class SendReport:
    sent: int = 0
    skipped: int = 0  # a recipient who cannot get it (why: on the schedule's last outcome)
    failed: int = 0  # refused by the mail server
    schedules: int = 0  # schedules that had something due
    reasons: dict[str, int] = field(default_factory=dict)


def _role_permissions(session: Session, user: StaffUser) -> frozenset[str]:
    perms = session.scalar(select(Role.permissions).where(Role.id == user.role_id))
    return frozenset(perms or ())


def _may_read(session: Session, user: StaffUser, report: str) -> bool:
    try:
        check_export_allowed(report, _role_permissions(session, user))
    except Forbidden:
        return False
    return True


def colleagues(session: Session, *, report: str | None = None) -> list[Colleague]:
    """Active staff with an e-mail address who may read reports (and export guest lists, for a report
    that lists guests): the recipients a schedule may name."""
    users = session.scalars(
        select(StaffUser)
        .where(StaffUser.is_active, StaffUser.email.is_not(None), StaffUser.email != "")
        .order_by(StaffUser.username)
    )
    perms = {r.id: frozenset(r.permissions or ()) for r in session.scalars(select(Role))}
    out = []
    for u in users:
        needed = {str(Permission.REPORT_READ)}
        if report is not None and KINDS.get(report) is not None and KINDS[report].lists_guests:
            needed.add(str(Permission.GUEST_EXPORT))
        if needed <= perms.get(u.role_id, frozenset()):
            out.append(Colleague(u.username, u.display_name, (u.email or "").strip()))
    return out


def _view(session: Session, s: ReportSchedule) -> ScheduleView:
    names = list(
        session.scalars(
            select(StaffUser.username)
            .join(R, R.user_id == StaffUser.id)
            .where(R.schedule_id == s.id)
            .order_by(StaffUser.username)
        )
    )
    owner = (
        session.scalar(select(StaffUser.username).where(StaffUser.id == s.owner_id)) if s.owner_id else None
    )
    return ScheduleView(
        s.id, s.report, s.frequency, s.format, (s.params or {}).get("consent"), owner, names, s.created_at,
        s.last_period, s.last_sent_at, s.last_outcome,
    )  # fmt: skip


def create_schedule(
    session: Session,
    *,
    report: str,
    frequency: str,
    fmt: str,
    recipients: list[str],
    owner_id: int,
    permissions: frozenset[str],
    consent: str | None = None,
    now: datetime,
) -> ScheduleView:
    """A new schedule owned by the caller, who must be allowed to export the report; every recipient
    (a username or an account's e-mail address) must be one of `colleagues(report=…)`."""
    check_export_allowed(report, permissions)
    check_format(fmt)
    if frequency not in FREQUENCIES:
        raise InvalidInput(
            f"frequency {frequency!r} is not one of {', '.join(FREQUENCIES)}.",
            hint="daily, weekly or monthly",
        )
    if consent and consent not in CONSENT_CHANNELS:
        raise InvalidInput(f"consent {consent!r} is not one of {', '.join(CONSENT_CHANNELS)}.")
    wanted = {r.strip().lower() for r in recipients if r.strip()}
    if not wanted:
        raise InvalidInput("A schedule needs at least one recipient.", hint="Pick colleagues from the list.")
    allowed = colleagues(session, report=report)
    by_key = {c.username.lower(): c for c in allowed} | {c.email.lower(): c for c in allowed}
    unknown = sorted(w for w in wanted if w not in by_key)
    if unknown:
        raise InvalidInput(
            f"Not a colleague who may receive this report: {', '.join(unknown)}.",
            hint="Recipients are active staff accounts with an e-mail address and the permission to read it.",
        )
    chosen = sorted({by_key[w].username for w in wanted})
    ids = list(session.scalars(select(StaffUser.id).where(StaffUser.username.in_(chosen))))
    schedule = ReportSchedule(
        report=report, frequency=frequency, format=fmt, params={"consent": consent} if consent else {},
        owner_id=owner_id, created_at=now, active=True,
    )  # fmt: skip
    session.add(schedule)
    session.flush()
    session.add_all([R(schedule_id=schedule.id, user_id=i) for i in ids])
    session.flush()
    audit.log_event(
        session, "report.schedule_created", object_type="report_schedule", object_id=str(schedule.id),
        details={"report": report, "frequency": frequency, "format": fmt, "recipients": chosen},
    )  # fmt: skip
    return _view(session, schedule)


def list_schedules(session: Session, *, owner_id: int) -> list[ScheduleView]:
    """The caller's schedules, newest first."""
    rows = session.scalars(
        select(ReportSchedule).where(ReportSchedule.owner_id == owner_id).order_by(ReportSchedule.id.desc())
    )
    return [_view(session, s) for s in rows]


def delete_schedule(session: Session, *, schedule_id: int, owner_id: int) -> None:
    """Only its owner deletes a schedule; anyone else's is 'not found'."""
    schedule = session.get(ReportSchedule, schedule_id)
    if schedule is None or schedule.owner_id != owner_id:
        raise NotFound(
            f"No report schedule {schedule_id} of yours.", hint="See the list on the Reports page."
        )
    session.delete(schedule)
    session.flush()
    audit.log_event(
        session, "report.schedule_deleted", object_type="report_schedule", object_id=str(schedule_id),
        details={"report": schedule.report},
    )  # fmt: skip


def period_start(frequency: str, today: date) -> date:
    """The start of the period `today` is in: the day, the week's Monday or the month's first."""
    if frequency == "daily":
        return today
    if frequency == "weekly":
        return today - timedelta(days=today.weekday())
    return today.replace(day=1)


def covered(report: str, frequency: str, start: date) -> tuple[date, date]:
    """The dates a mail sent in the period starting `start` reports on: the previous complete period;
    birthdays look ahead (the period itself)."""
    if report == "birthdays":
        if frequency == "daily":
            return start, start
        if frequency == "weekly":
            return start, start + timedelta(days=6)
        next_month = (start.replace(day=28) + timedelta(days=4)).replace(day=1)
        return start, next_month - timedelta(days=1)
    end = start - timedelta(days=1)
    if frequency == "daily":
        return end, end
    if frequency == "weekly":
        return end - timedelta(days=6), end
    return end.replace(day=1), end


TITLES = {
    "daily": ("日报", "daily"),
    "weekly": ("周报", "weekly"),
    "monthly": ("月报", "monthly"),
}


def report_mail(
    *, schedule: ReportSchedule, user: StaffUser, sender: str, since: date, until: date, filename: str,
    content: bytes, media_type: str, base_url: str,
) -> EmailMessage:  # fmt: skip
    """The mail with the report attached, in the recipient's language (Chinese unless English)."""
    kind = KINDS[schedule.report]
    zh = not (user.locale or "").lower().startswith("en")
    name = kind.title.zh if zh else kind.title.en
    word = TITLES[schedule.frequency][0 if zh else 1]
    link = f"{base_url.rstrip('/')}/reports/{schedule.report}?since={since}&until={until}"
    if zh:
        subject = f"【{word}】{name}：{since} 至 {until}"
        lines = [
            f"{user.display_name}，您好：",
            f"附件是{name}（{since} 至 {until}），按您的数据范围统计，姓名等个人信息已脱敏。请勿转发。",
            f"在线查看：{link}",
            "此邮件按报表订阅自动发送；取消订阅请到“报表”页面删除该订阅。",
        ]
    else:
        subject = f"[{word}] {name}: {since} to {until}"
        lines = [
            f"Hello {user.display_name},",
            f"Attached is the {name} for {since} to {until}, computed in your data scope, personal data "
            "masked. Please do not forward it.",
            f"Online: {link}",
            "Sent by a report schedule; delete the schedule on the Reports page to stop it.",
        ]
    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = sender, (user.email or "").strip(), subject
    mail["Date"] = formatdate(localtime=False)
    mail.set_content("\n\n".join(lines) + "\n")
    maintype, _, subtype = media_type.partition("/")
    mail.add_attachment(content, maintype=maintype, subtype=subtype, filename=filename)
    return mail


def _claim(session: Session, schedule_id: int, user_id: int, start: date) -> bool:
    done = session.execute(
        update(R)
        .where(
            R.schedule_id == schedule_id,
            R.user_id == user_id,
            or_(R.last_period.is_(None), R.last_period != start),
        )
        .values(last_period=start)
    )
    session.commit()
    return bool(done.rowcount)  # type: ignore[attr-defined]


def _hand_back(session: Session, schedule_id: int, user_id: int, previous: date | None) -> None:
    session.execute(
        update(R).where(R.schedule_id == schedule_id, R.user_id == user_id).values(last_period=previous)
    )
    session.commit()


def _skip_reason(session: Session, user: StaffUser, report: str) -> str | None:
    if not user.is_active:
        return DISABLED
    if not (user.email or "").strip():
        return NO_ADDRESS
    return None if _may_read(session, user, report) else NOT_ALLOWED


def _one(
    session: Session, smtp: SmtpTransport, schedule: ReportSchedule, user: StaffUser, start: date, *,
    config: SmtpConfig, font: DocumentFont, now: datetime, base_url: str,
) -> str:  # fmt: skip
    previous = session.scalar(select(R.last_period).where(R.schedule_id == schedule.id, R.user_id == user.id))
    if not _claim(session, schedule.id, user.id, start):
        return "lost"
    reason = _skip_reason(session, user, schedule.report)
    if reason is not None:
        return f"skipped: {reason}"
    since, until = covered(schedule.report, schedule.frequency, start)
    params = ReportParams(since, until, (schedule.params or {}).get("consent"))
    locale = "en" if (user.locale or "").lower().startswith("en") else "zh_CN"
    request_id = f"schedule-{schedule.id}-{start.isoformat()}"
    owner = session.get(StaffUser, schedule.owner_id) if schedule.owner_id else None
    actor = audit.Actor(
        user_id=owner.id if owner else None, username=owner.username if owner else None, request_id=request_id
    )
    with audit.acting_as(actor):
        file = export_report(
            session, schedule.report, scope=user_scope(user), params=params, fmt=schedule.format,
            locale=locale, permissions=_role_permissions(session, user), username=user.username, now=now,
            font=font, request_id=request_id, recipient=user.username,
        )  # fmt: skip
    mail = report_mail(
        schedule=schedule, user=user, sender=config.sender, since=since, until=until, filename=file.filename,
        content=file.content, media_type=file.media_type, base_url=base_url,
    )  # fmt: skip
    mail["Message-ID"] = f"<report-{schedule.id}-{user.id}-{start.isoformat()}@guestgraph>"
    try:
        smtp.send(mail)
    except (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError, smtplib.SMTPSenderRefused):
        session.rollback()  # nothing left: no export to log
        return f"failed: {REFUSED}"
    except DeliveryError:
        session.rollback()
        _hand_back(session, schedule.id, user.id, previous)  # the next run tries again
        raise
    session.commit()
    return "sent"


def send_due(
    session: Session, *, smtp: SmtpConfig, font: DocumentFont, now: datetime, timezone: str, base_url: str
) -> SendReport:
    """Send every active schedule's report to each recipient who has not had this period's yet;
    commits as it goes. Raises DeliveryError (the mail server is unreachable) with what was not sent
    left for the next run."""
    today = now.astimezone(ZoneInfo(timezone)).date()
    report = SendReport()
    due: list[tuple[ReportSchedule, date, list[int]]] = []
    for schedule in session.scalars(
        select(ReportSchedule).where(ReportSchedule.active).order_by(ReportSchedule.id)
    ):
        start = period_start(schedule.frequency, today)
        users = list(
            session.scalars(
                select(R.user_id)
                .where(R.schedule_id == schedule.id, or_(R.last_period.is_(None), R.last_period != start))
                .order_by(R.user_id)
            )
        )
        if users:
            due.append((schedule, start, users))
    try:
        with SmtpTransport(smtp) as transport:
            for schedule, start, users in due:
                outcomes: list[str] = []
                for user_id in users:
                    user = session.get_one(StaffUser, user_id)
                    outcome = _one(
                        session,
                        transport,
                        schedule,
                        user,
                        start,
                        config=smtp,
                        font=font,
                        now=now,
                        base_url=base_url,
                    )
                    if outcome != "lost":
                        outcomes.append(outcome)
                if outcomes:
                    report.schedules += 1
                    _record(session, schedule.id, start, outcomes, now, report)
    finally:
        if report.sent or report.skipped or report.failed:
            audit.log_event(
                session, "report.schedule_mail", object_type="report_schedule",
                details={"sent": report.sent, "skipped": report.skipped, "failed": report.failed},
            )  # fmt: skip
            session.commit()
    return report


def _record(
    session: Session, schedule_id: int, start: date, outcomes: list[str], now: datetime, report: SendReport
) -> None:
    sent = outcomes.count("sent")
    report.sent += sent
    others = [o for o in outcomes if o != "sent"]
    for o in others:
        kind, _, reason = o.partition(": ")
        if kind == "skipped":
            report.skipped += 1
        else:
            report.failed += 1
        report.reasons[reason] = report.reasons.get(reason, 0) + 1
    summary = f"{sent} sent" + "".join(f"; {o}" for o in sorted(set(others)))
    values: dict[str, Any] = {"last_period": start, "last_outcome": summary[:200]}
    if sent:
        values["last_sent_at"] = now
    session.execute(update(ReportSchedule).where(ReportSchedule.id == schedule_id).values(**values))
    session.commit()

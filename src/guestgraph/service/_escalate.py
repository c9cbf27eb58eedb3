"""Escalation e-mail: each escalation `check_breaches` records goes to the hotel manager it names, once,
over the engage package's SMTP transport: the ticket's number and title, the hotel, which deadline
passed and when, and a link to the ticket page. Nothing of the guest but what the title says.

At most once, and never twice: an escalation is claimed (its `sent_at` set by a guarded UPDATE and
committed) before its mail leaves, so a second run, or a second process, skips it. A refused message
records why (`skip_reason`); a server that cannot be reached hands the claim back for the next run.
An escalation to nobody (no manager at the hotel, a disabled account, no address) records why too."""

from __future__ import annotations

import smtplib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import formatdate
from html import escape
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from guestgraph import audit
from guestgraph.db.models import Hotel, ServiceTicket, StaffUser, TicketEscalation
from guestgraph.engage import DeliveryError, SmtpConfig, SmtpTransport
from guestgraph.service._sealed import ticket_titles

Clock = Callable[[], datetime]
NO_MANAGER = "no manager at the hotel"
DISABLED = "manager account disabled"
NO_ADDRESS = "manager has no e-mail address"
REFUSED = "refused by the mail server"
E = TicketEscalation


@dataclass
class EscalationMailReport:
    sent: int = 0
    skipped: int = 0  # nobody to send to (the reason is on the escalation)
    failed: int = 0  # refused by the mail server


def _pending(session: Session) -> list[int]:
    return list(
        session.scalars(select(E.id).where(E.sent_at.is_(None), E.skip_reason.is_(None)).order_by(E.id))
    )


def _claim(session: Session, escalation_id: int, **values: Any) -> bool:
    """Set `values` on an escalation nobody has handled yet; committed; False when someone had."""
    done = session.execute(
        update(E).where(E.id == escalation_id, E.sent_at.is_(None), E.skip_reason.is_(None)).values(**values)
    )
    session.commit()
    return bool(done.rowcount)  # type: ignore[attr-defined]


def _reason(manager: StaffUser | None) -> str | None:
    if manager is None:
        return NO_MANAGER
    if not manager.is_active:
        return DISABLED
    return None if (manager.email or "").strip() else NO_ADDRESS


def escalation_mail(
    *,
    lang: str,
    ticket: ServiceTicket,
    title: str,
    hotel: Hotel,
    deadline: str,
    link: str,
    sender: str,
    to: str,
) -> EmailMessage:
    """The manager's mail in their language (Chinese unless their account says English); `title` is the
    ticket's, opened by `ticket_titles`."""
    due = ticket.respond_due_at if deadline == "respond" else ticket.resolve_due_at
    local = due.astimezone(ZoneInfo(hotel.timezone or "Asia/Shanghai")).strftime("%Y-%m-%d %H:%M")
    utc = due.strftime("%Y-%m-%d %H:%M")
    if lang == "zh":
        what = "响应" if deadline == "respond" else "解决"
        subject = f"【工单超时】{hotel.name_zh} #{ticket.id}：{what}时限已过"
        lines = [
            f"工单 #{ticket.id}「{title}」已超过{what}时限，已升级给您处理。",
            f"酒店：{hotel.name_zh}（{hotel.code}）",
            f"类别：{ticket.category}；优先级：{ticket.priority}",
            f"{what}时限：{local}（酒店当地时间，{hotel.timezone}；UTC {utc}）",
            link,
        ]
    else:
        subject = f"[SLA breach] {hotel.name_en} #{ticket.id}: {deadline} deadline passed"
        lines = [
            f'Ticket #{ticket.id} "{title}" passed its {deadline} deadline and is escalated to you.',
            f"Hotel: {hotel.name_en} ({hotel.code})",
            f"Category: {ticket.category}; priority: {ticket.priority}",
            f"{deadline.capitalize()} by: {local} (hotel time, {hotel.timezone}; UTC {utc})",
            link,
        ]
    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = sender, to, subject
    mail["Date"] = formatdate(localtime=False)
    mail.set_content("\n\n".join(lines) + "\n")
    html = [escape(x) for x in lines[:-1]] + [f'<a href="{escape(link)}">{escape(link)}</a>']
    mail.add_alternative(
        "<!doctype html>\n<html><body>\n" + "".join(f"<p>{x}</p>\n" for x in html) + "</body></html>\n",
        subtype="html",
    )
    return mail


def _one(
    session: Session,
    smtp: SmtpTransport,
    escalation_id: int,
    *,
    config: SmtpConfig,
    base_url: str,
    now: datetime,
) -> str:
    escalation = session.get_one(E, escalation_id)
    ticket = session.get_one(ServiceTicket, escalation.ticket_id)
    hotel = session.get_one(Hotel, ticket.hotel_id)
    manager = session.get(StaffUser, escalation.escalated_to_id) if escalation.escalated_to_id else None
    reason = _reason(manager)
    if reason is not None or manager is None or manager.email is None:
        return "skipped" if _claim(session, escalation_id, skip_reason=reason or NO_MANAGER) else "lost"
    lang = "en" if (manager.locale or "").lower().startswith("en") else "zh"
    link = f"{base_url}/service/tickets/{ticket.id}"
    (title,) = ticket_titles(session, [ticket])
    mail = escalation_mail(
        lang=lang, ticket=ticket, title=title or "", hotel=hotel, deadline=escalation.deadline, link=link,
        sender=config.sender, to=manager.email.strip(),
    )  # fmt: skip
    mail["Message-ID"] = f"<escalation-{escalation_id}@guestgraph>"
    if not _claim(session, escalation_id, sent_at=now):
        return "lost"  # another run took it
    try:
        smtp.send(mail)
    except (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError, smtplib.SMTPSenderRefused):
        session.execute(update(E).where(E.id == escalation_id).values(sent_at=None, skip_reason=REFUSED))
        session.commit()
        return "failed"
    except DeliveryError:
        session.execute(update(E).where(E.id == escalation_id).values(sent_at=None))  # the next run retries
        session.commit()
        raise
    return "sent"


def send_escalations(
    session: Session, *, smtp: SmtpConfig, base_url: str, clock: Clock
) -> EscalationMailReport:
    """E-mail every escalation not handled yet to its manager; commits as it goes. Run it right after
    `check_breaches` (the CLI's `service check-breaches` does). Raises DeliveryError (the mail
    server is unreachable) with the escalations not yet sent left for the next run."""
    report = EscalationMailReport()
    try:
        with SmtpTransport(smtp) as transport:
            for escalation_id in _pending(session):
                outcome = _one(
                    session, transport, escalation_id, config=smtp, base_url=base_url.rstrip("/"), now=clock()
                )
                if outcome != "lost":
                    setattr(report, outcome, getattr(report, outcome) + 1)
    finally:
        if report.sent or report.skipped or report.failed:
            audit.log_event(
                session, "ticket.escalation_mail", object_type="ticket_escalation",
                details={"sent": report.sent, "skipped": report.skipped, "failed": report.failed},
            )  # fmt: skip
            session.commit()
    return report

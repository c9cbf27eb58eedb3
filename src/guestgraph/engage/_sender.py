"""The sender: claims queued messages with a guarded UPDATE (SKIP LOCKED on PostgreSQL), asks the
gate again, renders and sends each one over SMTP (e-mail) or the channel's gateway (SMS, WeChat),
and records the outcome.

Each message is sent at most once: a row is claimed (status `sending`, committed) before its mail
goes out and marked `sent` right after, both guarded by the claim. A sender killed between the two
leaves the row `sending`; the next run marks it failed ("interrupted") instead of sending it again.
"""

from __future__ import annotations

import os
import secrets
import smtplib
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select, text, update
from sqlalchemy.orm import Session, sessionmaker

from guestgraph import pii
from guestgraph.db.models import Campaign, CampaignMessage, Guest, MessageStatus
from guestgraph.engage._coupons import issue_for_message, void_unsent, with_coupon
from guestgraph.engage._errors import DeliveryError, TemplateInvalid, TextTooLong
from guestgraph.engage._gate import (
    GATEWAY_REFUSED,
    INTERRUPTED,
    NO_GATEWAY,
    NO_PHONE,
    REFUSED,
    TEMPLATE,
    TOO_LONG,
    reason_to_skip,
)
from guestgraph.engage._mail import SmtpTransport, build_mail
from guestgraph.engage._policy import EngagePolicy
from guestgraph.engage._render import guest_fields, language_of, render
from guestgraph.engage._text import TEXT_CHANNELS, hand_over, render_text
from guestgraph.engage._tokens import click_url, open_url, unsubscribe_url
from guestgraph.privacy import Channel, Purpose

Clock = Callable[[], datetime]


@dataclass
class SendReport:
    sent: int = 0
    skipped: int = 0
    failed: int = 0
    interrupted: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def count(self, status: MessageStatus) -> None:
        with self._lock:
            self.sent += status is MessageStatus.SENT
            self.skipped += status is MessageStatus.SKIPPED
            self.failed += status is MessageStatus.FAILED


def _worker_id() -> str:
    return f"{socket.gethostname()[:20]}:{os.getpid()}:{secrets.token_hex(4)}"


def recover_interrupted(session: Session, *, now: datetime, lease: timedelta) -> int:
    """Rows left `sending` by a sender that died: failed, never re-sent (the mail may have left)."""
    result = session.execute(
        update(CampaignMessage)
        .where(CampaignMessage.status == MessageStatus.SENDING, CampaignMessage.claimed_at < now - lease)
        .values(status=MessageStatus.FAILED, reason=INTERRUPTED)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def claim(
    session: Session, *, worker: str, batch: int, now: datetime, campaign_id: int | None = None
) -> list[int]:
    """Claim up to `batch` queued messages for `worker`; two senders never claim the same row."""
    pick = select(CampaignMessage.id).where(CampaignMessage.status == MessageStatus.QUEUED)
    if campaign_id is not None:
        pick = pick.where(CampaignMessage.campaign_id == campaign_id)
    pick = pick.order_by(CampaignMessage.id).limit(batch)
    if session.get_bind().dialect.name == "postgresql":
        pick = pick.with_for_update(skip_locked=True)
    session.execute(
        update(CampaignMessage)
        .where(CampaignMessage.id.in_(pick), CampaignMessage.status == MessageStatus.QUEUED)
        .values(status=MessageStatus.SENDING, claimed_by=worker, claimed_at=now)
    )
    session.commit()
    return list(
        session.scalars(
            select(CampaignMessage.id)
            .where(CampaignMessage.claimed_by == worker, CampaignMessage.status == MessageStatus.SENDING)
            .order_by(CampaignMessage.id)
        )
    )


def _finish(
    session: Session, message_id: int, worker: str, status: MessageStatus, reason: str | None, now: datetime
) -> None:
    if session.get_bind().dialect.name == "postgresql":
        # Losing this commit in a crash leaves the row `sending`, which is marked failed, never re-sent;
        # so it need not wait for the disk. The claim before the send is always a durable commit.
        session.execute(text("SET LOCAL synchronous_commit = off"))
    session.execute(
        update(CampaignMessage)
        .where(
            CampaignMessage.id == message_id,
            CampaignMessage.claimed_by == worker,
            CampaignMessage.status == MessageStatus.SENDING,
        )
        .values(status=status, reason=reason, sent_at=now if status is MessageStatus.SENT else None)
    )
    session.commit()


def _deliver(
    session: Session,
    message_id: int,
    *,
    worker: str,
    smtp: SmtpTransport,
    policy: EngagePolicy,
    now: datetime,
) -> MessageStatus:
    message, campaign, guest = session.execute(
        select(CampaignMessage, Campaign, Guest)
        .join(Campaign, Campaign.id == CampaignMessage.campaign_id)
        .join(Guest, Guest.id == CampaignMessage.guest_id)
        .where(CampaignMessage.id == message_id)
    ).one()
    purpose, channel = Purpose(campaign.purpose), Channel(campaign.channel)
    if channel in TEXT_CHANNELS:
        status, reason = _deliver_text(session, message, campaign, guest, policy=policy, now=now)
        _finish(session, message_id, worker, status, reason, now)
        return status
    reason = reason_to_skip(session, guest, purpose=purpose, channel=channel, now=now, policy=policy)
    address = pii.guest_values(pii.vault_of(session), guest)["email"] if reason is None else None
    if reason is not None or address is None:
        _finish(session, message_id, worker, MessageStatus.SKIPPED, reason, now)
        return MessageStatus.SKIPPED
    lang = language_of(guest)
    link = unsubscribe_url(policy.public_base_url, policy.signing_key, message.id)
    fields = guest_fields(session, guest, lang=lang, hotel_id=campaign.hotel_id, unsubscribe_url=link)
    coupon = issue_for_message(session, message, now=now)
    if coupon is not None and coupon.code is None:  # the guest is at the offer's limit (or it ended)
        _finish(session, message_id, worker, MessageStatus.SKIPPED, coupon.reason, now)
        return MessageStatus.SKIPPED
    fields = with_coupon(fields, coupon)
    subject, body = (
        (campaign.subject_zh, campaign.body_zh) if lang == "zh" else (campaign.subject_en, campaign.body_en)
    )
    base, key, tracking = policy.public_base_url, policy.signing_key, policy.tracking

    def tracked(url: str) -> str:
        return click_url(base, key, message.id, url)

    try:
        rendered = render(
            subject, body, fields, lang,
            link=tracked if tracking else None, pixel=open_url(base, key, message.id) if tracking else None,
        )  # fmt: skip
    except TemplateInvalid:
        void_unsent(session, coupon, TEMPLATE, now)
        _finish(session, message_id, worker, MessageStatus.FAILED, TEMPLATE, now)
        return MessageStatus.FAILED
    mail = build_mail(
        rendered,
        sender=policy.smtp.sender,
        to=address,
        unsubscribe=link,
        message_id=f"<campaign-{campaign.id}.message-{message.id}@guestgraph>",
    )
    try:
        smtp.send(mail)
    except (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError, smtplib.SMTPSenderRefused):
        void_unsent(session, coupon, REFUSED, now)
        _finish(session, message_id, worker, MessageStatus.FAILED, REFUSED, now)
        return MessageStatus.FAILED
    _finish(session, message_id, worker, MessageStatus.SENT, None, now)
    return MessageStatus.SENT


def _deliver_text(
    session: Session,
    message: CampaignMessage,
    campaign: Campaign,
    guest: Guest,
    *,
    policy: EngagePolicy,
    now: datetime,
) -> tuple[MessageStatus, str | None]:
    """An SMS or WeChat message through the channel's gateway (none configured: skipped, never sent
    another way). Raises DeliveryError when the gateway cannot be reached (the message did not leave)."""
    channel = Channel(campaign.channel)
    gateway = policy.gateways.get(channel.value)
    reason = (
        NO_GATEWAY
        if gateway is None
        else reason_to_skip(
            session, guest, purpose=Purpose(campaign.purpose), channel=channel, now=now, policy=policy
        )
    )
    phone = pii.guest_values(pii.vault_of(session), guest)["phone"] if reason is None else None
    if gateway is None or reason is not None or not phone:
        return MessageStatus.SKIPPED, reason or NO_PHONE
    lang = language_of(guest)
    link = unsubscribe_url(policy.public_base_url, policy.signing_key, message.id)
    fields = guest_fields(session, guest, lang=lang, hotel_id=campaign.hotel_id, unsubscribe_url=link)
    coupon = issue_for_message(session, message, now=now)  # as for e-mail: committed before it leaves
    if coupon is not None and coupon.code is None:
        return MessageStatus.SKIPPED, coupon.reason
    try:
        text = render_text(
            campaign.body_zh if lang == "zh" else campaign.body_en, with_coupon(fields, coupon), lang, channel
        )
    except (TextTooLong, TemplateInvalid) as e:
        reason = TOO_LONG if isinstance(e, TextTooLong) else TEMPLATE
        void_unsent(session, coupon, reason, now)
        return MessageStatus.FAILED, reason
    refused = hand_over(
        gateway, to=str(phone), text=text, reference=f"campaign-{campaign.id}.message-{message.id}"
    )
    if refused == GATEWAY_REFUSED:  # not taken: its coupon is withdrawn (no answer: it may have left)
        void_unsent(session, coupon, refused, now)
    return (MessageStatus.FAILED, refused) if refused else (MessageStatus.SENT, None)


def send_queued(
    factory: sessionmaker[Session],
    *,
    policy: EngagePolicy,
    clock: Clock,
    batch: int = 100,
    campaign_id: int | None = None,
    lease: timedelta = timedelta(minutes=15),
    connections: int = 1,
) -> SendReport:
    """Send every queued message (of one campaign, or all), until none is left to claim, over
    `connections` SMTP connections at once (each a thread with its own claims and session)."""
    report = SendReport()
    with factory() as session:
        report.interrupted = recover_interrupted(session, now=clock(), lease=lease)
        session.commit()
    errors: list[BaseException] = []

    def run() -> None:
        try:
            _send_loop(factory, report, policy=policy, clock=clock, batch=batch, campaign_id=campaign_id)
        except BaseException as e:  # re-raised in the caller's thread below
            errors.append(e)

    threads = [threading.Thread(target=run, name=f"engage-sender-{n}") for n in range(max(connections, 1))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    return report


def _send_loop(
    factory: sessionmaker[Session],
    report: SendReport,
    *,
    policy: EngagePolicy,
    clock: Clock,
    batch: int,
    campaign_id: int | None,
) -> None:
    worker = _worker_id()
    with SmtpTransport(policy.smtp) as smtp, factory() as session:
        while ids := claim(session, worker=worker, batch=batch, now=clock(), campaign_id=campaign_id):
            for position, message_id in enumerate(ids):
                try:
                    status = _deliver(
                        session, message_id, worker=worker, smtp=smtp, policy=policy, now=clock()
                    )
                except DeliveryError:
                    session.rollback()
                    _release(session, ids[position:], worker)
                    raise
                report.count(status)


def _release(session: Session, ids: list[int], worker: str) -> None:
    """The server could not be reached: these were not sent; queue them again for the next run."""
    session.execute(
        update(CampaignMessage)
        .where(CampaignMessage.id.in_(ids), CampaignMessage.claimed_by == worker)
        .where(CampaignMessage.status == MessageStatus.SENDING)
        .values(status=MessageStatus.QUEUED, claimed_by=None, claimed_at=None)
    )
    session.commit()

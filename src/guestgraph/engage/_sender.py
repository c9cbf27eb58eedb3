"""The sender: claims queued messages with one guarded UPDATE (SKIP LOCKED on PostgreSQL) and works
through them a chunk (CHUNK messages) at a time. For each chunk, immediately before its messages go
out, the gate is asked for all its guests in a few set-based queries (consent in force, erasure, an
address, a hard bounce, the frequency cap); then each message is rendered (compiled templates are
cached) and sent over the one SMTP connection the sender keeps open (e-mail, with a VERP envelope
sender when a bounce address is configured) or through the channel's gateway (SMS, WeChat); then the
chunk's outcomes are written in one transaction.

Each message is sent at most once: a row is claimed (status `sending`, a durable commit) before its
mail goes out and marked sent/skipped/failed afterwards, guarded by the claim. A sender killed in
between leaves the row `sending`; the next run marks it failed ("interrupted") instead of sending it
again. Because outcomes are written per chunk, a sender killed mid-chunk leaves up to CHUNK rows
`sending` whose mail may have left: they are all reported interrupted, none is sent twice.
"""

from __future__ import annotations

import os
import secrets
import smtplib
import socket
import threading
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.utils import parseaddr

from sqlalchemy import select, text, update
from sqlalchemy.orm import Session, sessionmaker

from guestgraph import offers, pii
from guestgraph.db.models import Campaign, CampaignMessage, Delivery, Guest, MessageStatus
from guestgraph.engage._coupons import issue_for_message, void_unsent, with_coupon
from guestgraph.engage._errors import DeliveryError, TemplateInvalid, TextTooLong
from guestgraph.engage._gate import (
    GATEWAY_REFUSED,
    INTERRUPTED,
    NO_ADDRESS,
    NO_GATEWAY,
    NO_PHONE,
    REFUSED,
    TEMPLATE,
    TOO_LONG,
    Gate,
    gate,
)
from guestgraph.engage._mail import SmtpTransport, mail_bytes
from guestgraph.engage._policy import EngagePolicy
from guestgraph.engage._render import (
    GuestFields,
    Lang,
    StayLine,
    fields_of,
    language_of,
    latest_stays,
    mentions_recommendation,
    recommendation_for,
    render,
)
from guestgraph.engage._schedule import release_due
from guestgraph.engage._text import TEXT_CHANNELS, hand_over, render_text
from guestgraph.engage._tokens import click_url, open_url, unsubscribe_url, verp_address
from guestgraph.privacy import Channel, Purpose

Clock = Callable[[], datetime]
CHUNK = 50  # messages gated together and recorded in one transaction
_REFUSALS = (
    smtplib.SMTPRecipientsRefused,
    smtplib.SMTPDataError,
    smtplib.SMTPSenderRefused,
    smtplib.SMTPNotSupportedError,
)


@dataclass
class SendReport:
    sent: int = 0
    skipped: int = 0
    failed: int = 0
    interrupted: int = 0
    released: dict[int, int] = field(default_factory=dict)  # scheduled campaigns now due: messages queued
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def count(self, status: MessageStatus) -> None:
        with self._lock:
            self.sent += status is MessageStatus.SENT
            self.skipped += status is MessageStatus.SKIPPED
            self.failed += status is MessageStatus.FAILED


@dataclass(frozen=True)
class _Outcome:
    message_id: int
    status: MessageStatus
    reason: str | None = None
    accepted: bool = False  # e-mail taken by the SMTP server: `delivered` until a bounce says otherwise


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
    """Claim up to `batch` queued messages for `worker` in one statement (committed before anything
    is sent); two senders never claim the same row."""
    pick = select(CampaignMessage.id).where(CampaignMessage.status == MessageStatus.QUEUED)
    if campaign_id is not None:
        pick = pick.where(CampaignMessage.campaign_id == campaign_id)
    pick = pick.order_by(CampaignMessage.id).limit(batch)
    if session.get_bind().dialect.name == "postgresql":
        # Picked once, in a materialised CTE: as an IN (subquery) the planner may re-run the
        # LIMIT … FOR UPDATE SKIP LOCKED scan for each row (a nested loop on a fresh table), each
        # run skipping the rows the statement has just updated: the claim then took every queued row.
        picked = pick.with_for_update(skip_locked=True).cte("picked").prefix_with("MATERIALIZED")
        chosen = select(picked.c.id)
    else:
        chosen = pick
    claimed = session.scalars(
        update(CampaignMessage)
        .where(CampaignMessage.id.in_(chosen), CampaignMessage.status == MessageStatus.QUEUED)
        .values(status=MessageStatus.SENDING, claimed_by=worker, claimed_at=now)
        .returning(CampaignMessage.id)
        .execution_options(synchronize_session=False)
    ).all()
    session.commit()
    return sorted(claimed)


def _record(session: Session, outcomes: Sequence[_Outcome], worker: str, now: datetime) -> None:
    """Write a chunk's outcomes (one UPDATE per kind of outcome), each guarded by the claim."""
    if session.get_bind().dialect.name == "postgresql":
        # Losing this commit in a crash leaves the rows `sending`, which are marked failed, never
        # re-sent; so it need not wait for the disk. The claim before the send is a durable commit.
        session.execute(text("SET LOCAL synchronous_commit = off"))
    groups: defaultdict[tuple[MessageStatus, str | None], list[int]] = defaultdict(list)
    for o in outcomes:
        groups[(o.status, o.reason)].append(o.message_id)
    mine = (CampaignMessage.claimed_by == worker, CampaignMessage.status == MessageStatus.SENDING)
    for (status, reason), ids in groups.items():
        session.execute(
            update(CampaignMessage)
            .where(CampaignMessage.id.in_(ids), *mine)
            .values(status=status, reason=reason, sent_at=now if status is MessageStatus.SENT else None)
            .execution_options(synchronize_session=False)
        )
    accepted = [o.message_id for o in outcomes if o.accepted]
    if accepted:  # a bounce that came back before this commit is kept
        session.execute(
            update(CampaignMessage)
            .where(CampaignMessage.id.in_(accepted), CampaignMessage.delivery.is_(None))
            .values(delivery=Delivery.DELIVERED, delivery_at=now)
            .execution_options(synchronize_session=False)
        )


def _release(session: Session, ids: Sequence[int], worker: str) -> None:
    """The server could not be reached: these were not sent; queue them again for the next run."""
    session.execute(
        update(CampaignMessage)
        .where(CampaignMessage.id.in_(ids), CampaignMessage.claimed_by == worker)
        .where(CampaignMessage.status == MessageStatus.SENDING)
        .values(status=MessageStatus.QUEUED, claimed_by=None, claimed_at=None)
        .execution_options(synchronize_session=False)
    )


@dataclass
class _Chunk:
    """What the messages of one chunk share, read in a few queries before any of them is sent."""

    gates: dict[int, Gate | None]  # by campaign; None: no gateway for its channel
    contacts: dict[int, pii.Sensitive]  # opened for the guests who may be sent something
    stays: dict[int | None, dict[int, StayLine]]  # by campaign hotel, then guest
    with_offer: set[int]  # campaigns whose messages carry a coupon
    sent_here: Counter[tuple[int, str]] = field(default_factory=Counter)  # (guest, purpose): cap


def _prepare(
    session: Session,
    rows: Sequence[tuple[CampaignMessage, Campaign, Guest]],
    policy: EngagePolicy,
    now: datetime,
) -> _Chunk:
    by_campaign: dict[int, tuple[Campaign, list[Guest]]] = {}
    for _, campaign, guest in rows:
        by_campaign.setdefault(campaign.id, (campaign, []))[1].append(guest)
    gates: dict[int, Gate | None] = {}
    allowed: dict[int, Guest] = {}
    hotels: defaultdict[int | None, set[int]] = defaultdict(set)
    for campaign_id, (campaign, guests) in by_campaign.items():
        channel = Channel(campaign.channel)
        if channel in TEXT_CHANNELS and channel.value not in policy.gateways:
            gates[campaign_id] = None
            continue
        answer = gate(
            session, guests, purpose=Purpose(campaign.purpose), channel=channel, now=now, policy=policy
        )
        gates[campaign_id] = answer
        for g in guests:
            if g.id not in answer.reasons:
                allowed[g.id] = g
                hotels[campaign.hotel_id].add(g.id)
    contacts = pii.open_guests(pii.vault_of(session), allowed.values()) if allowed else {}
    stays = {hotel: latest_stays(session, sorted(ids), hotel_id=hotel) for hotel, ids in hotels.items()}
    with_offer = {c for c in by_campaign if offers.campaign_offer(session, c) is not None}
    return _Chunk(gates, contacts, stays, with_offer)


def _send_chunk(
    session: Session,
    rest: list[int],
    *,
    worker: str,
    smtp: SmtpTransport,
    policy: EngagePolicy,
    clock: Clock,
    report: SendReport,
) -> None:
    """Send the first CHUNK of `rest` (claimed ids) and record their outcomes. The SMTP server or a
    gateway cannot be reached: what was sent is recorded, the rest of `rest` queued again, and
    DeliveryError raised."""
    now = clock()
    rows = session.execute(
        select(CampaignMessage, Campaign, Guest)
        .join(Campaign, Campaign.id == CampaignMessage.campaign_id)
        .join(Guest, Guest.id == CampaignMessage.guest_id)
        .where(CampaignMessage.id.in_(rest[:CHUNK]))
        .order_by(CampaignMessage.id)
    ).all()
    chunk = _prepare(session, rows, policy, now)
    outcomes: list[_Outcome] = []
    try:
        for message, campaign, guest in rows:
            outcomes.append(
                _deliver(session, message, campaign, guest, chunk, smtp=smtp, policy=policy, now=now)
            )
    except DeliveryError:
        done = {o.message_id for o in outcomes}
        _record(session, outcomes, worker, now)
        _release(session, [i for i in rest if i not in done], worker)
        session.commit()
        raise
    _record(session, outcomes, worker, now)
    session.commit()
    session.expunge_all()  # a long run does not keep every guest it has sent to
    for o in outcomes:
        report.count(o.status)


def _deliver(
    session: Session,
    message: CampaignMessage,
    campaign: Campaign,
    guest: Guest,
    chunk: _Chunk,
    *,
    smtp: SmtpTransport,
    policy: EngagePolicy,
    now: datetime,
) -> _Outcome:
    """One message: skipped with the gate's reason, or rendered and sent (or failed)."""
    skip = MessageStatus.SKIPPED
    answer = chunk.gates[campaign.id]
    if answer is None:
        return _Outcome(message.id, skip, NO_GATEWAY)  # never sent another way
    reason = answer.reason(guest.id, sent_since=chunk.sent_here[(guest.id, campaign.purpose)])
    if reason is not None:
        return _Outcome(message.id, skip, reason)
    channel = Channel(campaign.channel)
    contact = chunk.contacts.get(guest.id)
    to = (contact.email if channel is Channel.EMAIL else contact.phone) if contact else None
    if not to:  # its key was shredded since the gate asked
        return _Outcome(message.id, skip, NO_ADDRESS if channel is Channel.EMAIL else NO_PHONE)
    lang = language_of(guest)
    base, key = policy.public_base_url, policy.signing_key
    link = unsubscribe_url(base, key, message.id)
    stay = chunk.stays[campaign.hotel_id].get(guest.id)
    recommendation = ""
    if mentions_recommendation(campaign.subject_zh, campaign.body_zh, campaign.subject_en, campaign.body_en):
        recommendation = recommendation_for(
            session, guest.id, lang=lang, hotel_id=campaign.hotel_id, today=None
        )
    fields = fields_of(guest, stay, lang=lang, unsubscribe_url=link, recommendation=recommendation)
    if channel in TEXT_CHANNELS:
        outcome = _deliver_text(session, message, campaign, fields, lang, to, chunk, policy=policy, now=now)
    else:
        outcome = _deliver_mail(
            session, message, campaign, fields, lang, to, chunk, smtp=smtp, policy=policy, now=now
        )
    if outcome.status is MessageStatus.SENT:
        chunk.sent_here[(guest.id, campaign.purpose)] += 1
    return outcome


def _deliver_mail(
    session: Session,
    message: CampaignMessage,
    campaign: Campaign,
    fields: GuestFields,
    lang: Lang,
    address: str,
    chunk: _Chunk,
    *,
    smtp: SmtpTransport,
    policy: EngagePolicy,
    now: datetime,
) -> _Outcome:
    coupon = issue_for_message(session, message, now=now) if campaign.id in chunk.with_offer else None
    if coupon is not None and coupon.code is None:  # the guest is at the offer's limit (or it ended)
        return _Outcome(message.id, MessageStatus.SKIPPED, coupon.reason)
    fields = with_coupon(fields, coupon)
    subject, body = (
        (campaign.subject_zh, campaign.body_zh) if lang == "zh" else (campaign.subject_en, campaign.body_en)
    )
    base, key = policy.public_base_url, policy.signing_key

    def tracked(url: str) -> str:
        return click_url(base, key, message.id, url)

    try:
        rendered = render(
            subject, body, fields, lang,
            link=tracked if policy.tracking else None,
            pixel=open_url(base, key, message.id) if policy.tracking else None,
        )  # fmt: skip
    except TemplateInvalid:
        void_unsent(session, coupon, TEMPLATE, now)
        return _Outcome(message.id, MessageStatus.FAILED, TEMPLATE)
    envelope = (
        verp_address(policy.bounce_address, key, message.id)
        if policy.bounce_address
        else parseaddr(policy.smtp.sender)[1]
    )
    try:
        raw = mail_bytes(
            rendered,
            sender=policy.smtp.sender,
            to=address,
            unsubscribe=fields.unsubscribe_url,
            message_id=f"<campaign-{campaign.id}.message-{message.id}@guestgraph>",
        )
        smtp.send_raw(envelope, address, raw)
    except (*_REFUSALS, ValueError):
        void_unsent(session, coupon, REFUSED, now)
        return _Outcome(message.id, MessageStatus.FAILED, REFUSED)
    return _Outcome(message.id, MessageStatus.SENT, accepted=True)


def _deliver_text(
    session: Session,
    message: CampaignMessage,
    campaign: Campaign,
    fields: GuestFields,
    lang: Lang,
    phone: str,
    chunk: _Chunk,
    *,
    policy: EngagePolicy,
    now: datetime,
) -> _Outcome:
    """An SMS or WeChat message through the channel's gateway, carrying its coupon as e-mail does.
    Raises DeliveryError when the gateway cannot be reached (the message did not leave)."""
    channel = Channel(campaign.channel)
    gateway = policy.gateways[channel.value]
    coupon = issue_for_message(session, message, now=now) if campaign.id in chunk.with_offer else None
    if coupon is not None and coupon.code is None:  # the guest is at the offer's limit: no SMS
        return _Outcome(message.id, MessageStatus.SKIPPED, coupon.reason)
    try:
        body = render_text(
            campaign.body_zh if lang == "zh" else campaign.body_en, with_coupon(fields, coupon), lang, channel
        )
    except (TextTooLong, TemplateInvalid) as e:
        reason = TOO_LONG if isinstance(e, TextTooLong) else TEMPLATE
        void_unsent(session, coupon, reason, now)
        return _Outcome(message.id, MessageStatus.FAILED, reason)
    refused = hand_over(
        gateway, to=phone, text=body, reference=f"campaign-{campaign.id}.message-{message.id}"
    )
    if refused == GATEWAY_REFUSED:  # not taken: its coupon is withdrawn (no answer: it may have left)
        void_unsent(session, coupon, refused, now)
    return (
        _Outcome(message.id, MessageStatus.FAILED, refused)
        if refused
        else _Outcome(message.id, MessageStatus.SENT)
    )


def send_queued(
    factory: sessionmaker[Session],
    *,
    policy: EngagePolicy,
    clock: Clock,
    batch: int = 200,
    campaign_id: int | None = None,
    lease: timedelta = timedelta(minutes=15),
    connections: int = 1,
) -> SendReport:
    """Queue the scheduled campaigns that are due, then send every queued message (of one campaign,
    or all) until none is left to claim, over `connections` SMTP connections at once (each a thread
    with its own claims and session)."""
    report = SendReport()
    with factory() as session:
        report.released = release_due(session, now=clock(), campaign_id=campaign_id)
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
            for start in range(0, len(ids), CHUNK):
                _send_chunk(
                    session, ids[start:], worker=worker, smtp=smtp, policy=policy, clock=clock, report=report
                )

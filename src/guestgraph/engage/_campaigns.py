"""Campaigns: create, read and list them in the staff member's scope, and count their outcomes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import ColumnElement, and_, case, func, or_, select
from sqlalchemy.orm import Session

from guestgraph.access import DataScope, hotel_id_visible, hotel_in_scope
from guestgraph.db.models import Campaign, CampaignMessage, CampaignStatus, Delivery, Hotel
from guestgraph.engage._attribution import attributed_bookings
from guestgraph.engage._errors import CampaignNotFound
from guestgraph.engage._render import check_template
from guestgraph.engage._text import TEXT_CHANNELS, check_text
from guestgraph.errors import InvalidInput
from guestgraph.privacy import Channel, Purpose


@dataclass(frozen=True)
class CampaignInput:
    """A campaign as staff write it; the audience is a hotel and/or a window of the last stay.
    Over sms or wechat the bodies are the text (the subjects are not used)."""

    name: str
    subject_zh: str
    subject_en: str
    body_zh: str
    body_en: str
    hotel_code: str | None = None
    last_stay_from: date | None = None
    last_stay_to: date | None = None
    purpose: Purpose = Purpose.MARKETING
    channel: Channel = Channel.EMAIL
    attribution_days: int = 14  # bookings within this many days after a message count for it


ATTRIBUTION_DAYS = (1, 90)  # the shortest and longest attribution window


@dataclass(frozen=True)
class CampaignRow:
    id: int
    name: str
    purpose: str
    channel: str
    status: str
    hotel_code: str | None
    last_stay_from: date | None
    last_stay_to: date | None
    subject_zh: str
    subject_en: str
    body_zh: str
    body_en: str
    created_at: datetime
    queued_at: datetime | None
    scheduled_at: datetime | None = None  # a draft with a time is scheduled: it goes out then
    attribution_days: int = 14

    @property
    def scheduled(self) -> bool:
        return self.status == "draft" and self.scheduled_at is not None


@dataclass(frozen=True)
class CampaignResults:
    """How many messages are in each status, and why guests were skipped or failed; what became of
    the sent ones (receipts), how guests responded, and the bookings attributed to the campaign."""

    counts: dict[str, int] = field(default_factory=dict)
    reasons: dict[str, int] = field(default_factory=dict)
    opened: int = 0  # sent e-mails whose open pixel was fetched or a link followed
    clicked: int = 0  # sent e-mails with at least one tracked link followed
    delivered: int = 0  # e-mail: accepted by our SMTP server (no bounce since); text: gateway receipt
    bounced: int = 0  # e-mail: a DSN came back (`hard_bounced` of them permanent, 5.x.x)
    hard_bounced: int = 0
    undelivered: int = 0  # SMS / WeChat: the gateway's receipt says failed
    unsubscribed: int = 0  # withdrew consent by this campaign's unsubscribe link
    bookings: int = 0  # attributed bookings (engage/_attribution.py)
    revenue: dict[str, Decimal] = field(default_factory=dict)  # of those bookings, per currency

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def _rate(self, n: int) -> float | None:
        sent = self.counts.get("sent", 0)
        return round(n / sent, 4) if sent else None

    @property
    def open_rate(self) -> float | None:
        """Opened per sent message (None before anything is sent)."""
        return self._rate(self.opened)

    @property
    def click_rate(self) -> float | None:
        return self._rate(self.clicked)


def _check(spec: CampaignInput) -> None:
    if not spec.name.strip():
        raise InvalidInput(
            "The campaign needs a name.", hint="Name it after its offer, e.g. 'Spring win-back'."
        )
    if spec.channel not in (Channel.EMAIL, *TEXT_CHANNELS):
        raise InvalidInput(
            f"Campaigns cannot send over {spec.channel.value}.", hint="Use channel email, sms or wechat."
        )
    low, high = ATTRIBUTION_DAYS
    if not low <= spec.attribution_days <= high:
        raise InvalidInput(
            f"The attribution window is {spec.attribution_days} days; it must be {low} to {high}.",
            hint="14 days is usual: bookings within two weeks of the message count for the campaign.",
        )
    if spec.last_stay_from and spec.last_stay_to and spec.last_stay_from > spec.last_stay_to:
        raise InvalidInput("The last-stay window ends before it starts.", hint="Swap the two dates.")
    if spec.channel in TEXT_CHANNELS:  # text only: no subject
        check_text(spec.body_zh, f"Chinese {spec.channel.value} text", spec.channel)
        check_text(spec.body_en, f"English {spec.channel.value} text", spec.channel)
        return
    for where, source in (
        ("Chinese subject", spec.subject_zh),
        ("English subject", spec.subject_en),
        ("Chinese body", spec.body_zh),
        ("English body", spec.body_en),
    ):
        check_template(source, where)


def _hotel_id(session: Session, scope: DataScope, code: str | None) -> int | None:
    if not code:
        if not scope.is_group:
            raise InvalidInput(
                "Your data scope covers some hotels only: choose one of them.",
                hint="Pick the hotel whose guests the campaign is for.",
            )
        return None
    return hotel_in_scope(session, scope, code).id


def create_campaign(
    session: Session, *, scope: DataScope, spec: CampaignInput, created_by_id: int | None, now: datetime
) -> CampaignRow:
    _check(spec)
    campaign = Campaign(
        name=spec.name.strip()[:120],
        purpose=spec.purpose.value,
        channel=spec.channel.value,
        subject_zh="" if spec.channel in TEXT_CHANNELS else spec.subject_zh,
        subject_en="" if spec.channel in TEXT_CHANNELS else spec.subject_en,
        body_zh=spec.body_zh,
        body_en=spec.body_en,
        hotel_id=_hotel_id(session, scope, spec.hotel_code),
        last_stay_from=spec.last_stay_from,
        last_stay_to=spec.last_stay_to,
        attribution_days=spec.attribution_days,
        status=CampaignStatus.DRAFT,
        created_by_id=created_by_id,
        created_at=now,
        updated_at=now,
    )
    session.add(campaign)
    session.flush()
    return get_campaign(session, campaign.id, scope=scope)


def load_campaign(session: Session, campaign_id: int, *, scope: DataScope) -> Campaign:
    campaign = session.scalar(
        select(Campaign).where(Campaign.id == campaign_id, hotel_id_visible(Campaign.hotel_id, scope))
    )
    if campaign is None:
        raise CampaignNotFound(
            f"No campaign {campaign_id} in your scope.", hint="Open it from the Campaigns page."
        )
    return campaign


def _row(c: Campaign, hotel_code: str | None) -> CampaignRow:
    return CampaignRow(
        c.id, c.name, c.purpose, c.channel, c.status.value, hotel_code, c.last_stay_from, c.last_stay_to,
        c.subject_zh, c.subject_en, c.body_zh, c.body_en, c.created_at, c.queued_at, c.scheduled_at,
        c.attribution_days,
    )  # fmt: skip


def get_campaign(session: Session, campaign_id: int, *, scope: DataScope) -> CampaignRow:
    c = load_campaign(session, campaign_id, scope=scope)
    code = session.scalar(select(Hotel.code).where(Hotel.id == c.hotel_id)) if c.hotel_id else None
    return _row(c, code)


def list_campaigns(session: Session, *, scope: DataScope) -> list[CampaignRow]:
    rows = session.execute(
        select(Campaign, Hotel.code)
        .outerjoin(Hotel, Hotel.id == Campaign.hotel_id)
        .where(hotel_id_visible(Campaign.hotel_id, scope))
        .order_by(Campaign.created_at.desc(), Campaign.id.desc())
    )
    return [_row(c, code) for c, code in rows]


def campaign_results(session: Session, campaign_id: int, *, scope: DataScope) -> CampaignResults:
    campaign = load_campaign(session, campaign_id, scope=scope)
    counts: dict[str, int] = {}
    reasons: dict[str, int] = {}
    for status, reason, n in session.execute(
        select(CampaignMessage.status, CampaignMessage.reason, func.count())
        .where(CampaignMessage.campaign_id == campaign_id)
        .group_by(CampaignMessage.status, CampaignMessage.reason)
    ):
        counts[status.value] = counts.get(status.value, 0) + n
        if reason:
            reasons[reason] = reasons.get(reason, 0) + n
    m = CampaignMessage

    def tally(condition: ColumnElement[bool]) -> ColumnElement[int]:
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    hard = and_(
        m.delivery == Delivery.BOUNCED, or_(m.delivery_detail.is_(None), m.delivery_detail.like("5%"))
    )
    row = session.execute(
        select(
            func.count(m.opened_at),
            func.count(m.clicked_at),
            func.count(m.unsubscribed_at),
            tally(m.delivery == Delivery.DELIVERED),
            tally(m.delivery == Delivery.BOUNCED),
            tally(hard),
            tally(m.delivery == Delivery.FAILED),
        ).where(m.campaign_id == campaign_id)
    ).one()
    opened, clicked, unsubscribed, delivered, bounced, hard_bounced, undelivered = (int(v) for v in row)
    booked = attributed_bookings(session, campaign, scope=scope)
    return CampaignResults(
        counts, reasons, opened, clicked, delivered, bounced, hard_bounced, undelivered, unsubscribed,
        booked.bookings, booked.revenue,
    )  # fmt: skip

"""Scheduled campaigns: a draft given a time goes out at that time, not before.

The time is typed as a local date and time in the campaign hotel's time zone (`Hotel.timezone`), or
the group's (EngagePolicy.timezone) for a campaign to all hotels, and stored in UTC.

The audience is taken when the campaign is due, not when it is scheduled: whoever qualifies then (a
stay recorded in between counts, a guest erased in between is not queued), and, as for every
campaign, consent is asked again just before each message. Any sender run (`guestgraph campaigns
send`, the page's send, `guestgraph campaigns worker`) first releases the campaigns that are due: one
guarded UPDATE per campaign (draft → queued) so two senders never queue it twice, then the audience
is queued in the same transaction, as the hotel (or the group) the campaign is for."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from guestgraph import audit
from guestgraph.access import DataScope
from guestgraph.db.models import Campaign, CampaignStatus, Hotel
from guestgraph.engage._audience import queue_audience
from guestgraph.engage._campaigns import CampaignRow, get_campaign, load_campaign
from guestgraph.errors import Conflict, InvalidInput

LONGEST = timedelta(days=366)


def campaign_zone(session: Session, hotel_code: str | None, default: str) -> str:
    """The time zone a campaign's schedule is typed and shown in: its hotel's, else `default`."""
    if hotel_code is None:
        return default
    return session.scalar(select(Hotel.timezone).where(Hotel.code == hotel_code)) or default


def local_time(value: str, zone: str) -> datetime:
    """A local date and time as typed (2026-12-01T09:30) in `zone`, as an aware UTC time."""
    try:
        naive = datetime.fromisoformat(value.strip())
        tz = ZoneInfo(zone)
    except (ValueError, ZoneInfoNotFoundError) as e:
        raise InvalidInput(
            f"{value!r} is not a date and time.", hint="Pick a day and a time, e.g. 2026-12-01 09:30."
        ) from e
    aware = naive if naive.tzinfo is not None else naive.replace(tzinfo=tz)
    return aware.astimezone(ZoneInfo("UTC"))


def schedule_campaign(
    session: Session, campaign_id: int, *, scope: DataScope, at: datetime, now: datetime
) -> CampaignRow:
    """Schedule a draft for `at` (aware), or move its time; audited."""
    campaign = load_campaign(session, campaign_id, scope=scope)
    if campaign.status is not CampaignStatus.DRAFT:
        raise Conflict("The campaign has been sent already.", hint="Create a new campaign to send again.")
    if at.tzinfo is None:
        raise InvalidInput("A schedule needs a time zone.", hint="Pass an aware datetime (UTC).")
    if at <= now:
        raise InvalidInput(
            f"{at:%Y-%m-%d %H:%M} UTC has passed.", hint="Pick a later time, or send the campaign now."
        )
    if at > now + LONGEST:
        raise InvalidInput("A campaign is scheduled at most a year ahead.", hint="Pick an earlier day.")
    campaign.scheduled_at, campaign.updated_at = at, now
    session.flush()
    audit.log_event(
        session, "campaign.schedule", object_type="campaign", object_id=str(campaign_id),
        details={"at": at.isoformat()},
    )  # fmt: skip
    return get_campaign(session, campaign_id, scope=scope)


def unschedule_campaign(
    session: Session, campaign_id: int, *, scope: DataScope, now: datetime
) -> CampaignRow:
    """Take a scheduled campaign back to a plain draft (nothing is sent); audited."""
    campaign = load_campaign(session, campaign_id, scope=scope)
    if campaign.status is not CampaignStatus.DRAFT:
        raise Conflict("The campaign has been sent already.", hint="Nothing to unschedule.")
    campaign.scheduled_at, campaign.updated_at = None, now
    session.flush()
    audit.log_event(session, "campaign.unschedule", object_type="campaign", object_id=str(campaign_id))
    return get_campaign(session, campaign_id, scope=scope)


def release_due(session: Session, *, now: datetime, campaign_id: int | None = None) -> dict[int, int]:
    """Queue the audience of every scheduled campaign that is due (of one campaign when given), each
    in its own committed transaction; returns how many messages each one queued."""
    due = select(Campaign.id, Campaign.hotel_id).where(
        Campaign.status == CampaignStatus.DRAFT, Campaign.scheduled_at <= now
    )
    if campaign_id is not None:
        due = due.where(Campaign.id == campaign_id)
    released: dict[int, int] = {}
    for cid, hotel_id in session.execute(due.order_by(Campaign.scheduled_at, Campaign.id)).all():
        won = session.execute(
            update(Campaign)
            .where(Campaign.id == cid, Campaign.status == CampaignStatus.DRAFT, Campaign.scheduled_at <= now)
            .values(status=CampaignStatus.QUEUED, queued_at=now, updated_at=now)
            .execution_options(synchronize_session=False)
        )
        if not won.rowcount:  # type: ignore[attr-defined]  # another sender released it
            session.rollback()
            continue
        scope = DataScope.hotels(hotel_id) if hotel_id is not None else DataScope.group()
        campaign = session.get_one(Campaign, cid)
        released[cid] = queue_audience(session, campaign, scope=scope, now=now)
        session.commit()
    return released

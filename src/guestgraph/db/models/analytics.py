"""What we know about guests as customers: RFM and lifecycle per guest, their stage history, tags,
and saved segments with their membership over time (written by `guestgraph.analytics`)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Float, ForeignKey, Index, SmallInteger, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from guestgraph.db.models._base import Base, BigId, IdMixin, JsonDoc, utcnow
from guestgraph.db.models.stays import Money


class GuestMetrics(Base):
    """One row per active golden guest, rebuilt by each full refresh (`guestgraph analytics refresh`).

    Counted stays are checked-out or in-house stays the guest was on (not as booker only). Monetary is
    room revenue of the stays they were the primary guest of plus the folio lines charged to them,
    leaving out cancelled and no-show stays.
    """

    __tablename__ = "guest_metrics"
    __table_args__ = (
        Index("ix_guest_metrics_stage", "stage"),
        Index("ix_guest_metrics_rfm", "rfm_group"),
        # the score columns over the scored guests: a quintile threshold is a walk of the index (0057)
        *(
            Index(
                f"ix_guest_metrics_{c}", c, sqlite_where=text("stays > 0"), postgresql_where=text("stays > 0")
            )
            for c in ("last_departure", "stays", "monetary")
        ),
    )

    guest_id: Mapped[int] = mapped_column(BigId, ForeignKey("guest.id", ondelete="CASCADE"), primary_key=True)
    home_hotel_id: Mapped[int | None] = mapped_column(ForeignKey("hotel.id", ondelete="SET NULL"))
    bookings: Mapped[int] = mapped_column(default=0)
    stays: Mapped[int] = mapped_column(default=0)
    nights: Mapped[int] = mapped_column(default=0)
    first_arrival: Mapped[date | None]
    last_arrival: Mapped[date | None]
    previous_arrival: Mapped[date | None]
    last_departure: Mapped[date | None]
    days_since: Mapped[int | None]
    usual_interval_days: Mapped[int | None]
    longest_stay: Mapped[int] = mapped_column(default=0)
    weekday_share: Mapped[float | None] = mapped_column(Float)
    child_stays: Mapped[int] = mapped_column(default=0)
    corporate_stays: Mapped[int] = mapped_column(default=0)
    ota_stays: Mapped[int] = mapped_column(default=0)
    direct_stays: Mapped[int] = mapped_column(default=0)
    complaints: Mapped[int] = mapped_column(default=0)
    room_revenue: Mapped[Decimal] = mapped_column(Money, default=0)
    fnb_spend: Mapped[Decimal] = mapped_column(Money, default=0)
    spa_spend: Mapped[Decimal] = mapped_column(Money, default=0)
    other_spend: Mapped[Decimal] = mapped_column(Money, default=0)
    monetary: Mapped[Decimal] = mapped_column(Money, default=0)
    r_score: Mapped[int | None] = mapped_column(SmallInteger)
    f_score: Mapped[int | None] = mapped_column(SmallInteger)
    m_score: Mapped[int | None] = mapped_column(SmallInteger)
    rfm_group: Mapped[str | None] = mapped_column(String(20))
    stage: Mapped[str] = mapped_column(String(12))
    churn_warning: Mapped[bool] = mapped_column(default=False)
    computed_on: Mapped[date]


class GuestStageHistory(IdMixin, Base):
    """A guest's time in one lifecycle stage; `left_on` is empty while they are still in it."""

    __tablename__ = "guest_stage_history"
    __table_args__ = (
        Index("ix_guest_stage_history_guest", "guest_id", "left_on"),
        Index("ix_guest_stage_history_stage", "stage", "entered_on"),
    )

    guest_id: Mapped[int] = mapped_column(ForeignKey("guest.id", ondelete="CASCADE"))
    stage: Mapped[str] = mapped_column(String(12))
    previous_stage: Mapped[str | None] = mapped_column(String(12))
    entered_on: Mapped[date]
    left_on: Mapped[date | None]


class GuestTag(IdMixin, Base):
    """A tag on a guest: a rule tag (`kind` rule, `tag` is the rule's code) or one staff added (manual).

    A tag is never deleted: when it stops applying (rule) or is removed (manual), `retired_at` is set.
    A staff tag's note is free text (it may give a phone number or a health remark), sealed under the
    guest's data key.
    """

    __tablename__ = "guest_tag"
    __table_args__ = (
        Index("ix_guest_tag_guest", "guest_id", "retired_at"),
        Index("ix_guest_tag_tag", "tag", "retired_at"),
    )

    guest_id: Mapped[int] = mapped_column(ForeignKey("guest.id", ondelete="CASCADE"))
    tag: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(6))
    key_ref: Mapped[str | None] = mapped_column(String(32))  # the guest's key the note is sealed under
    note_enc: Mapped[str | None] = mapped_column(Text)  # what staff wrote when adding a manual tag
    added_by: Mapped[str | None] = mapped_column(String(100))
    since: Mapped[datetime] = mapped_column(default=utcnow)
    retired_at: Mapped[datetime | None]
    retired_by: Mapped[str | None] = mapped_column(String(100))


class GuestField(IdMixin, Base):
    """A named value of the guest's own that journeys and staff keep (`survey_followup` = `called`),
    asked by segment and journey conditions. Never updated in place: a new value retires the one in
    force (`retired_at`), so the history of a field is its rows."""

    __tablename__ = "guest_field"
    __table_args__ = (Index("ix_guest_field_guest", "guest_id", "name", "retired_at"),)

    guest_id: Mapped[int] = mapped_column(ForeignKey("guest.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(30))
    value: Mapped[str] = mapped_column(String(200))
    set_by: Mapped[str] = mapped_column(String(100))  # journey:<id> or staff:<id>
    set_at: Mapped[datetime] = mapped_column(default=utcnow)
    retired_at: Mapped[datetime | None]
    retired_by: Mapped[str | None] = mapped_column(String(100))


class Segment(IdMixin, Base):
    """A saved audience: a condition tree (JSON), re-evaluated (dynamic) or frozen with its members."""

    __tablename__ = "segment"

    name: Mapped[str] = mapped_column(String(100))
    definition: Mapped[dict[str, Any]] = mapped_column(JsonDoc)
    kind: Mapped[str] = mapped_column(String(7), default="dynamic")
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    frozen_at: Mapped[datetime | None]
    members: Mapped[int] = mapped_column(default=0)


class SegmentMember(IdMixin, Base):
    """A guest's time in a segment; `left_at` is empty while they are in it (a snapshot never changes)."""

    __tablename__ = "segment_member"
    __table_args__ = (Index("ix_segment_member_segment", "segment_id", "left_at", "guest_id"),)

    segment_id: Mapped[int] = mapped_column(ForeignKey("segment.id", ondelete="CASCADE"))
    guest_id: Mapped[int] = mapped_column(ForeignKey("guest.id", ondelete="CASCADE"))
    entered_at: Mapped[datetime] = mapped_column(default=utcnow)
    left_at: Mapped[datetime | None]


class AnalyticsRun(IdMixin, Base):
    """One refresh: full (every guest from the stays and folio lines) or incremental (only the guests
    changed since the last run, then scores, stages, tags and segments over the stored facts).

    `marks` holds what the next incremental run needs to find the changes since this one: the highest
    row ids of the append-only tables and the time from which imported records were not yet linked to
    a guest (they change guests' facts when a later resolve pass links them)."""

    __tablename__ = "analytics_run"

    kind: Mapped[str] = mapped_column(String(12))  # full | incremental
    as_of: Mapped[date]
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    guests: Mapped[int] = mapped_column(default=0)
    touched: Mapped[int | None]  # guests recomputed from their stays (incremental runs)
    marks: Mapped[dict[str, Any]] = mapped_column(JsonDoc, default=dict)


class DashboardDay(IdMixin, Base):
    """The management dashboard's daily roll-up of counted stays (checked out or in house): per hotel,
    arrival day and channel, how many stays, their nights and their room amount. Rebuilt by each full
    analytics refresh; an incremental refresh rebuilds the arrival days its changes touched (0052).
    Aggregate counts, no personal data."""

    __tablename__ = "dashboard_day"
    __table_args__ = (Index("ix_dashboard_day_day", "day", "hotel_id"),)

    hotel_id: Mapped[int] = mapped_column(ForeignKey("hotel.id", ondelete="CASCADE"))
    day: Mapped[date]  # the stays' arrival day
    channel: Mapped[str | None] = mapped_column(String(40))
    stays: Mapped[int]
    nights: Mapped[int]
    room_amount: Mapped[Decimal] = mapped_column(Money)  # the stays' own amounts (not their folio lines)


class DashboardOutletDay(IdMixin, Base):
    """The folio lines posted to the counted stays of `dashboard_day`, by outlet: line count and amount,
    kept beside it by the same refresh steps (0052)."""

    __tablename__ = "dashboard_outlet_day"
    __table_args__ = (Index("ix_dashboard_outlet_day_day", "day", "hotel_id"),)

    hotel_id: Mapped[int] = mapped_column(ForeignKey("hotel.id", ondelete="CASCADE"))
    day: Mapped[date]  # the arrival day of the stays the lines were posted to
    channel: Mapped[str | None] = mapped_column(String(40))
    outlet: Mapped[str] = mapped_column(String(10))
    lines: Mapped[int]
    amount: Mapped[Decimal] = mapped_column(Money)


class DashboardDistribution(IdMixin, Base):
    """Active guests by lifecycle stage, RFM group and churn warning as of the last analytics refresh,
    counted once per unit: the group (`unit_id` 0), each region and each hotel (a guest seen at a hotel
    by a stay or a source record, as `access.guest_visible`). Written in the refresh's transaction (0052)."""

    __tablename__ = "dashboard_distribution"
    __table_args__ = (Index("ix_dashboard_distribution_unit", "level", "unit_id"),)

    level: Mapped[str] = mapped_column(String(6))  # group | region | hotel
    unit_id: Mapped[int]
    stage: Mapped[str] = mapped_column(String(12))
    rfm_group: Mapped[str | None] = mapped_column(String(20))
    churn_warning: Mapped[bool]
    guests: Mapped[int]

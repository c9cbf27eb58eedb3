"""The hotel group's structure: regions and hotels."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String
from sqlalchemy import false as sa_false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from guestgraph.db.models._base import Base, IdMixin, TimestampMixin


class Region(IdMixin, TimestampMixin, Base):
    """A management region of the group (华东区 / East China); regional managers see its hotels."""

    __tablename__ = "region"

    code: Mapped[str] = mapped_column(String(20), unique=True)
    name_zh: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100))

    hotels: Mapped[list[Hotel]] = relationship(back_populates="region", order_by="Hotel.code")


class Hotel(IdMixin, TimestampMixin, Base):
    """One property. Its code is what PMS exports and channel messages call it (HotelCode)."""

    __tablename__ = "hotel"

    code: Mapped[str] = mapped_column(String(20), unique=True)
    name_zh: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id", ondelete="RESTRICT"), index=True)
    city_zh: Mapped[str | None] = mapped_column(String(100))
    city_en: Mapped[str | None] = mapped_column(String(100))
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Shanghai")
    currency: Mapped[str] = mapped_column(String(3), default="CNY")
    rooms: Mapped[int | None]
    quality_threshold: Mapped[float] = mapped_column(default=0.8)  # completeness below this raises an alert
    # Stays come from a PMS feed: the PMS is the record of check-ins and charges, so the front desk
    # does not operate stays here (an admin turns this off for a hotel without a PMS, or in an outage).
    pms_feed: Mapped[bool] = mapped_column(default=False, server_default=sa_false())

    region: Mapped[Region] = relationship(back_populates="hotels")

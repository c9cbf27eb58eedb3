"""Alerts: a hotel whose completeness over the last 30 days falls below its threshold gets one open
alert (raised once, resolved when the figure recovers)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from guestgraph.access import DataScope, hotel_in_scope, hotel_visible
from guestgraph.db.models import Hotel, QualityAlert, QualityStat
from guestgraph.errors import InvalidInput

WINDOW_DAYS = 30
METRIC = "completeness"


@dataclass(frozen=True)
class AlertRow:
    id: int
    hotel: str
    hotel_name_zh: str
    hotel_name_en: str
    metric: str
    value: float
    threshold: float
    raised_at: datetime
    resolved_at: datetime | None


def evaluate_alerts(
    session: Session, *, hotel_ids: Iterable[int], today: date, batch_id: int | None = None
) -> int:
    """Raise or resolve completeness alerts for these hotels; returns how many were raised."""
    raised = 0
    since = today - timedelta(days=WINDOW_DAYS)
    for hotel in session.scalars(select(Hotel).where(Hotel.id.in_(list(hotel_ids)))):
        persons, complete = session.execute(
            select(
                func.coalesce(func.sum(QualityStat.persons), 0),
                func.coalesce(func.sum(QualityStat.complete), 0),
            ).where(QualityStat.hotel_id == hotel.id, QualityStat.day >= since)
        ).one()
        if not persons:
            continue
        value = complete / persons
        open_alert = session.scalar(
            select(QualityAlert).where(
                QualityAlert.hotel_id == hotel.id,
                QualityAlert.metric == METRIC,
                QualityAlert.resolved_at.is_(None),
            )
        )
        if value < hotel.quality_threshold and open_alert is None:
            session.add(
                QualityAlert(
                    hotel_id=hotel.id,
                    metric=METRIC,
                    value=value,
                    threshold=hotel.quality_threshold,
                    batch_id=batch_id,
                )
            )
            raised += 1
        elif value >= hotel.quality_threshold and open_alert is not None:
            open_alert.resolved_at = datetime.now(UTC)
        elif open_alert is not None:
            open_alert.value = value
    return raised


def list_alerts(session: Session, *, scope: DataScope, include_resolved: bool = False) -> list[AlertRow]:
    query = (
        select(QualityAlert, Hotel)
        .join(Hotel, Hotel.id == QualityAlert.hotel_id)
        .where(hotel_visible(scope))
        .order_by(QualityAlert.raised_at.desc(), QualityAlert.id.desc())
    )
    if not include_resolved:
        query = query.where(QualityAlert.resolved_at.is_(None))
    return [
        AlertRow(
            a.id, h.code, h.name_zh, h.name_en, a.metric, a.value, a.threshold, a.raised_at, a.resolved_at
        )
        for a, h in session.execute(query)
    ]


def set_threshold(
    session: Session, *, scope: DataScope, hotel_code: str, threshold: float, today: date
) -> None:
    """Change a hotel's completeness threshold (0–1) and re-evaluate its alert at once."""
    if not 0.0 <= threshold <= 1.0:
        raise InvalidInput(f"Threshold {threshold} is outside 0–1.", hint="Write 0.8 for 80 %.")
    hotel = hotel_in_scope(session, scope, hotel_code)
    hotel.quality_threshold = threshold
    session.flush()
    evaluate_alerts(session, hotel_ids=[hotel.id], today=today)

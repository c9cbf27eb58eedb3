"""The data-quality dashboard: completeness, validity, quarantine backlog and non-identifying contacts
per hotel and source, over time. Summed from `quality_stat` in SQL, never row by row."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from guestgraph.access import DataScope, hotel_visible
from guestgraph.db.models import Hotel, QualityAlert, QualityStat, RecordStatus, SourceRecord, SourceSystem

FIELDS = ("with_name", "with_phone", "with_email", "with_document", "with_birth_date")


@dataclass(frozen=True)
class QualityFigures:
    key: str  # hotel code, source code or ISO day
    label_zh: str
    label_en: str
    records: int
    valid: int
    quarantined_total: int
    persons: int
    complete: int
    fields: dict[str, int]
    non_identifying: int
    backlog: int = 0
    threshold: float | None = None

    def share(self, part: int, whole: int) -> float | None:
        return part / whole if whole else None

    @property
    def completeness(self) -> float | None:
        return self.share(self.complete, self.persons)

    @property
    def validity(self) -> float | None:
        return self.share(self.valid, self.records)

    @property
    def non_identifying_share(self) -> float | None:
        return self.share(self.non_identifying, self.persons)

    def field_share(self, name: str) -> float | None:
        return self.share(self.fields.get(name, 0), self.persons)

    @property
    def below_threshold(self) -> bool:
        c = self.completeness
        return self.threshold is not None and c is not None and c < self.threshold


@dataclass(frozen=True)
class Dashboard:
    since: date
    hotels: list[QualityFigures]
    sources: list[QualityFigures]
    days: list[QualityFigures]
    open_alerts: int


COUNTS = ("records", "valid", "quarantined", "persons", "complete", *FIELDS, "non_identifying_contact")


def _sums() -> list[ColumnElement[int]]:
    return [func.coalesce(func.sum(getattr(QualityStat, c)), 0).label(c) for c in COUNTS]


def _figures(
    key: str, zh: str, en: str, counts: dict[str, int], *, backlog: int = 0, threshold: float | None = None
) -> QualityFigures:
    return QualityFigures(
        key,
        zh,
        en,
        counts["records"],
        counts["valid"],
        counts["quarantined"],
        counts["persons"],
        counts["complete"],
        {f: counts[f] for f in FIELDS},
        counts["non_identifying_contact"],
        backlog,
        threshold,
    )


def _counts(row: object) -> dict[str, int]:
    mapping = row._mapping  # type: ignore[attr-defined]
    return {c: int(mapping[c] or 0) for c in COUNTS}


def dashboard(session: Session, *, scope: DataScope, today: date, days: int = 90) -> Dashboard:
    """Figures for the hotels in scope over the last `days` days."""
    since = today - timedelta(days=days)
    in_scope = select(Hotel.id).where(hotel_visible(scope))
    base = [QualityStat.day >= since, QualityStat.hotel_id.in_(in_scope)]
    backlog = dict(
        session.execute(
            select(SourceRecord.hotel_id, func.count())
            .where(SourceRecord.status == RecordStatus.QUARANTINED, SourceRecord.hotel_id.in_(in_scope))
            .group_by(SourceRecord.hotel_id)
        ).all()
    )
    by_hotel = {
        row.hotel_id: _counts(row)
        for row in session.execute(
            select(QualityStat.hotel_id, *_sums()).where(*base).group_by(QualityStat.hotel_id)
        )
    }
    empty = dict.fromkeys(COUNTS, 0)
    hotels = [
        _figures(
            h.code,
            h.name_zh,
            h.name_en,
            by_hotel.get(h.id, empty),
            backlog=backlog.get(h.id, 0),
            threshold=h.quality_threshold,
        )
        for h in session.scalars(select(Hotel).where(hotel_visible(scope)).order_by(Hotel.code))
    ]
    sources = [
        _figures(row.code, row.name_zh, row.name_en, _counts(row))
        for row in session.execute(
            select(SourceSystem.code, SourceSystem.name_zh, SourceSystem.name_en, *_sums())
            .join(QualityStat, QualityStat.source_system_id == SourceSystem.id)
            .where(*base)
            .group_by(SourceSystem.code, SourceSystem.name_zh, SourceSystem.name_en)
            .order_by(SourceSystem.code)
        )
    ]
    per_day = [
        _figures(row.day.isoformat(), row.day.isoformat(), row.day.isoformat(), _counts(row))
        for row in session.execute(
            select(QualityStat.day, *_sums()).where(*base).group_by(QualityStat.day).order_by(QualityStat.day)
        )
    ]
    alerts = (
        session.scalar(
            select(func.count())
            .select_from(QualityAlert)
            .where(QualityAlert.resolved_at.is_(None), QualityAlert.hotel_id.in_(in_scope))
        )
        or 0
    )
    return Dashboard(since, hotels, sources, per_day, alerts)


def period_figures(session: Session, *, scope: DataScope, since: date, until: date) -> QualityFigures:
    """The hotels in scope together, over the days `since`..`until` (the management dashboard's
    completeness and validity)."""
    in_scope = select(Hotel.id).where(hotel_visible(scope))
    row = session.execute(
        select(*_sums()).where(
            QualityStat.day >= since, QualityStat.day <= until, QualityStat.hotel_id.in_(in_scope)
        )
    ).one()
    return _figures("all", "全部", "All", _counts(row))

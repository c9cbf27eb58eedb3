"""Stage 2 of a refresh: RFM scores by quintile, the RFM group, the lifecycle stage and the churn
warning, as UPDATEs over guest_metrics (the same arithmetic on SQLite and PostgreSQL).

A score is 1 + ⌊5 · (guests ranked strictly below) / (guests scored)⌋ within the partition (the group,
or the guest's home hotel): equal values always share a score, the lowest value scores 1, and the top
fifth scores 5. Recency ranks the last check-out date (later is better).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, and_, case, func, literal, select, update

from guestgraph.analytics._names import HIGH_SCORE, RFM_GROUPS
from guestgraph.analytics._settings import AnalyticsSettings
from guestgraph.analytics._sqlfuncs import days_between
from guestgraph.db.models import GuestMetrics as M


def _score(order_by: Any, partition: Any) -> Any:
    rank = func.rank().over(partition_by=partition, order_by=order_by)
    n = func.count().over(partition_by=partition)
    return 1 + (5 * (rank - 1)) // n


def score_rfm(conn: Connection, settings: AnalyticsSettings) -> None:
    partition = M.home_hotel_id if settings.score_within == "hotel" else None
    frequency = M.nights if settings.frequency == "nights" else M.stays
    scores = (
        select(
            M.guest_id,
            _score(M.last_departure, partition).label("r"),
            _score(frequency, partition).label("f"),
            _score(M.monetary, partition).label("m"),
        )
        .where(M.stays > 0)
        .subquery()
    )
    conn.execute(
        update(M)
        .where(M.guest_id == scores.c.guest_id)
        .values(r_score=scores.c.r, f_score=scores.c.f, m_score=scores.c.m)
    )


def _group() -> Any:
    cols = (M.r_score, M.f_score, M.m_score)
    whens = [
        (
            and_(*(c >= HIGH_SCORE if high else c < HIGH_SCORE for c, high in zip(cols, key, strict=True))),
            g.code,
        )
        for key, g in RFM_GROUPS.items()
    ]
    return case((M.r_score.is_(None), None), *whens, else_=None)


def _stage(s: AnalyticsSettings) -> Any:
    usual = case(
        (M.stays >= 2, func.coalesce(M.usual_interval_days, 0) * s.at_risk_factor), else_=s.at_risk_days
    )
    threshold = case((usual < s.at_risk_min_days, s.at_risk_min_days), else_=usual)
    returned = days_between(M.previous_arrival, M.last_arrival) > s.dormant_days
    since_return = days_between(M.last_arrival, M.computed_on)
    return case(
        (M.stays == 0, "prospect"),
        (M.days_since > s.churned_days, "churned"),
        (M.days_since > s.dormant_days, "dormant"),
        (M.days_since > threshold, "at_risk"),
        (and_(M.previous_arrival.is_not(None), returned, since_return <= s.won_back_days), "won_back"),
        (M.stays == 1, "new"),
        else_="active",
    )


def classify(conn: Connection, settings: AnalyticsSettings) -> None:
    stage = _stage(settings)
    churn = case(
        (and_(stage == "at_risk", M.m_score >= settings.churn_min_m_score), literal(True)),
        else_=literal(False),
    )
    conn.execute(update(M).values(rfm_group=_group(), stage=stage, churn_warning=churn))

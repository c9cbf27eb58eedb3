"""Stage 1 of a refresh, second half: RFM scores by quintile, the RFM group, the lifecycle stage and the
churn warning over the guests' facts, written with the facts in one INSERT … SELECT into guest_metrics
(window functions, no UPDATEs; the same arithmetic on SQLite and PostgreSQL).

A score is 1 + ⌊5 · (guests ranked strictly below) / (guests scored)⌋ within the partition (the group,
or the guest's home hotel): equal values always share a score, the lowest value scores 1, and the top
fifth scores 5. Recency ranks the last check-out date (later is better).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import CTE, Connection, Subquery, and_, case, delete, func, insert, select, text

from guestgraph.analytics._names import HIGH_SCORE, RFM_GROUPS
from guestgraph.analytics._settings import AnalyticsSettings
from guestgraph.analytics._sqlfuncs import days_between
from guestgraph.db.models import GuestMetrics as M


def scored(facts: CTE, settings: AnalyticsSettings) -> Subquery:
    """The facts with R, F and M scores (guests with a counted stay only)."""
    c = facts.c
    has_stay = c.stays > 0
    partition = [has_stay, c.home_hotel_id] if settings.score_within == "hotel" else [has_stay]

    def score(order_by: Any) -> Any:
        rank = func.rank().over(partition_by=partition, order_by=order_by)
        n = func.count().over(partition_by=partition)
        return case((has_stay, 1 + (5 * (rank - 1)) // n), else_=None)

    frequency = c.nights if settings.frequency == "nights" else c.stays
    return select(
        *c,
        score(c.last_departure).label("r_score"),
        score(frequency).label("f_score"),
        score(c.monetary).label("m_score"),
    ).subquery("scored")


def insert_metrics(conn: Connection, *, facts: CTE, settings: AnalyticsSettings) -> int:
    """Replace guest_metrics with one row per active guest, scored, grouped and staged, in one INSERT."""
    s = scored(facts, settings).c
    stage = _stage(settings, s)
    churn = case((and_(stage == "at_risk", s.m_score >= settings.churn_min_m_score), True), else_=False)
    final = select(*s, _group(s).label("rfm_group"), stage.label("stage"), churn.label("churn_warning"))
    conn.execute(delete(M))
    conn.execute(insert(M).from_select([col.name for col in final.selected_columns], final))
    conn.execute(text("ANALYZE guest_metrics"))
    return conn.scalar(select(func.count()).select_from(M)) or 0


def _group(c: Any) -> Any:
    cols = (c.r_score, c.f_score, c.m_score)
    whens = [
        (
            and_(*(c >= HIGH_SCORE if high else c < HIGH_SCORE for c, high in zip(cols, key, strict=True))),
            g.code,
        )
        for key, g in RFM_GROUPS.items()
    ]
    return case((c.r_score.is_(None), None), *whens, else_=None)


def _stage(s: AnalyticsSettings, M: Any) -> Any:  # noqa: N803 - the guest_metrics columns
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

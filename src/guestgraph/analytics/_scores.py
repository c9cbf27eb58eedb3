"""Stage 1 of a refresh, second half: RFM scores by quintile, the RFM group, the lifecycle stage and the
churn warning over the guests' facts, written with the facts in one INSERT … SELECT into guest_metrics
(window functions, no UPDATEs; the same arithmetic on SQLite and PostgreSQL).

A score is 1 + ⌊5 · (guests ranked strictly below) / (guests scored)⌋ within the partition (the group,
or the guest's home hotel): equal values always share a score, the lowest value scores 1, and the top
fifth scores 5. Recency ranks the last check-out date (later is better).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    CTE,
    Connection,
    Subquery,
    and_,
    case,
    delete,
    func,
    insert,
    literal,
    literal_column,
    or_,
    select,
    text,
    update,
)

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


# --- incremental: facts of the changed guests, then scores in place ---------------------------------

SCORE_COLUMNS = {"r_score": "last_departure", "f_score": None, "m_score": "monetary"}


def insert_changed(conn: Connection, *, facts: CTE, settings: AnalyticsSettings) -> int:
    """The changed guests' rows with fresh facts and stage; their scores come from `rescore_in_place`."""
    c = facts.c
    stage = _stage(settings, c)
    final = select(*c, stage.label("stage"), literal(False).label("churn_warning"))
    conn.execute(insert(M).from_select([col.name for col in final.selected_columns], final))
    return conn.scalar(select(func.count()).select_from(M)) or 0


def _metric(settings: AnalyticsSettings, score: str) -> Any:
    name = SCORE_COLUMNS[score] or ("nights" if settings.frequency == "nights" else "stays")
    return M.__table__.c[name]


def _thresholds(conn: Connection, settings: AnalyticsSettings) -> dict[int, dict[str, list[Any]]]:
    """Per partition (0 for the group, else the home hotel) and score, the four values a guest must
    exceed to score 2, 3, 4 and 5. A score is 1 + ⌊5 · below / n⌋ (`scored`: `below` guests have a
    strictly smaller value), so it is at least k + 1 exactly when below ≥ c_k = ⌈k · n / 5⌉, that is
    when the value exceeds the c_k-th smallest value of the partition."""
    if settings.score_within == "group" and all(
        _metric(settings, score).name in INDEXED for score in SCORE_COLUMNS
    ):
        return _group_thresholds(conn, settings)
    return _window_thresholds(conn, settings)


# The score columns with an index over the scored guests (0057): a threshold is one walk of it.
INDEXED = ("last_departure", "stays", "monetary")
SCORED = M.stays > literal_column("0")  # as written in the partial indexes, so SQLite can use them


def _group_thresholds(conn: Connection, settings: AnalyticsSettings) -> dict[int, dict[str, list[Any]]]:
    """`_thresholds` over the whole group, each value read from the column's index at its rank (from
    the nearer end) instead of ranking every scored guest by a window: a sort of all guests per score
    (0.1-0.2 s CPU each at 200,000 guests on SQLite) becomes a walk along an index."""
    n = int(conn.scalar(select(func.count()).select_from(M).where(SCORED)) or 0)
    if n == 0:
        return {}
    out: dict[str, list[Any]] = {}
    for score in SCORE_COLUMNS:
        column = _metric(settings, score)
        values = []
        for k in range(1, 5):
            rank = (k * n + 4) // 5  # the rank-th smallest = the (n - rank + 1)-th largest
            order, offset = (column, rank - 1) if rank - 1 <= n - rank else (column.desc(), n - rank)
            values.append(
                select(column).where(SCORED).order_by(order).limit(1).offset(offset).scalar_subquery()
            )
        out[score] = list(conn.execute(select(*values)).one())
    return {0: out}


def _window_thresholds(conn: Connection, settings: AnalyticsSettings) -> dict[int, dict[str, list[Any]]]:
    """`_thresholds` by ranking every scored guest of each partition (per hotel, or a column without
    an index)."""
    by_hotel = settings.score_within == "hotel"
    part = M.home_hotel_id if by_hotel else literal(0)
    out: dict[int, dict[str, list[Any]]] = {}
    for score in SCORE_COLUMNS:
        column = _metric(settings, score)
        within: Any = M.home_hotel_id if by_hotel else None
        ranked = select(
            part.label("part"),
            column.label("v"),
            func.row_number().over(partition_by=within, order_by=column).label("rn"),
            func.count().over(partition_by=within).label("n"),
        ).where(M.stays > 0)
        r = ranked.subquery()
        wanted = or_(*(r.c.rn == (k * r.c.n + 4) // 5 for k in range(1, 5)))
        values: dict[int, dict[int, Any]] = {}
        counts: dict[int, int] = {}
        for p, v, rn, n in conn.execute(select(r.c.part, r.c.v, r.c.rn, r.c.n).where(wanted)):
            values.setdefault(int(p or 0), {})[int(rn)] = v
            counts[int(p or 0)] = int(n)
        for p, n in counts.items():
            out.setdefault(p, {})[score] = [values[p][(k * n + 4) // 5] for k in range(1, 5)]
    return out


def rescore_in_place(conn: Connection, settings: AnalyticsSettings) -> set[int]:
    """Bring every guest's R, F and M scores, RFM group and churn flag up to date with the stored
    facts, writing only the rows that change; the ids of the guests whose values changed. The same
    result as the window functions of a full refresh, from a few thresholds instead of a rewrite."""
    thresholds = _thresholds(conn, settings)
    changed: set[int] = set()
    part_col = M.home_hotel_id if settings.score_within == "hotel" else literal(0)
    for part, limits in thresholds.items():
        if len(limits) < len(SCORE_COLUMNS):
            continue
        values: dict[str, Any] = {}
        for score, bounds in limits.items():
            column = _metric(settings, score)
            values[score] = 1 + sum((case((column > b, 1), else_=0) for b in bounds), literal(0))
        differs = or_(*(M.__table__.c[s].is_distinct_from(v) for s, v in values.items()))
        statement = (
            update(M).where(M.stays > 0, part_col == part, differs).values(**values).returning(M.guest_id)
        )
        changed.update(conn.scalars(statement))
    prospects = (
        update(M).where(M.stays == 0, M.r_score.is_not(None)).values(r_score=None, f_score=None, m_score=None)
    )
    changed.update(conn.scalars(prospects.returning(M.guest_id)))
    group = _group(M)
    churn = case((and_(M.stage == "at_risk", M.m_score >= settings.churn_min_m_score), True), else_=False)
    relabel = (
        update(M)
        .where(or_(M.rfm_group.is_distinct_from(group), M.churn_warning.is_distinct_from(churn)))
        .values(rfm_group=group, churn_warning=churn)
        .returning(M.guest_id)
    )
    changed.update(conn.scalars(relabel))
    return changed

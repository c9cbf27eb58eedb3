"""Repeat guests: new and returning guests, the repeat rate, stays to date and return intervals."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, case, distinct, func, literal, select
from sqlalchemy.orm import Session

from guestgraph import analytics
from guestgraph.access import DataScope, stay_visible
from guestgraph.db.models import GuestRole, Stay, StayGuest
from guestgraph.reports._common import COUNTED, ReportParams, ratio
from guestgraph.reports._model import KINDS, Column, Figure, Report, Section, Value
from guestgraph.reports._model import Label as L

STAY_BUCKETS = ((1, 1, "1"), (2, 2, "2"), (3, 3, "3"), (4, 5, "4–5"), (6, None, "6+"))
GAP_BUCKETS = (
    (None, 30, L("30 天以内", "Up to 30 days")),
    (31, 90, L("31–90 天", "31–90 days")),
    (91, 180, L("91–180 天", "91–180 days")),
    (181, 365, L("181–365 天", "181–365 days")),
    (366, None, L("一年以上", "More than a year")),
)


def _bucket(column: ColumnElement[int], buckets: Sequence[tuple[int | None, int | None, Any]]) -> Any:
    whens = []
    for i, (low, high, _name) in enumerate(buckets):
        test = and_(
            column >= low if low is not None else literal(True),
            column <= high if high is not None else literal(True),
        )
        whens.append((test, i))
    return case(*whens, else_=len(buckets) - 1)


def repeat_report(
    session: Session, *, scope: DataScope, params: ReportParams, locale: str, now: datetime
) -> Report:
    """New = the guest's first counted stay in scope arrived in the period; returning = an earlier one.
    A return interval is the days from a guest's previous check-out (in scope) to an arrival in the
    period; stays counted to date are the guest's counted stays in scope up to the period's end."""
    since, until = params.since, params.until
    base = [StayGuest.role != GuestRole.BOOKER, Stay.status.in_(COUNTED), stay_visible(scope)]
    joined = select().select_from(StayGuest).join(Stay, Stay.id == StayGuest.stay_id)
    history = (
        joined.add_columns(
            StayGuest.guest_id.label("guest_id"),
            func.min(Stay.arrival).label("first"),
            func.count(distinct(Stay.id)).label("to_date"),
        )
        .where(*base, Stay.arrival <= until)
        .group_by(StayGuest.guest_id)
        .subquery()
    )
    period = (
        joined.add_columns(StayGuest.guest_id.label("guest_id"), func.count(distinct(Stay.id)).label("stays"))
        .where(*base, Stay.arrival >= since, Stay.arrival <= until)
        .group_by(StayGuest.guest_id)
        .subquery()
    )
    is_new = case((history.c.first >= since, 1), else_=0)
    guests, new, multi = session.execute(
        select(
            func.count(),
            func.coalesce(func.sum(is_new), 0),
            func.coalesce(func.sum(case((period.c.stays >= 2, 1), else_=0)), 0),
        ).select_from(period.join(history, history.c.guest_id == period.c.guest_id))
    ).one()
    bucket = _bucket(history.c.to_date, STAY_BUCKETS)
    by_stays: dict[int, int] = dict(
        session.execute(
            select(bucket, func.count())
            .select_from(period.join(history, history.c.guest_id == period.c.guest_id))
            .group_by(bucket)
        ).all()
    )
    ordered = (
        joined.add_columns(
            Stay.arrival.label("arrival"),
            func.lag(Stay.departure)
            .over(partition_by=StayGuest.guest_id, order_by=(Stay.arrival, Stay.id))
            .label("previous"),
        )
        .where(*base, Stay.arrival <= until)
        .subquery()
    )
    gap = analytics.days_between(ordered.c.previous, ordered.c.arrival)
    gap_bucket = _bucket(gap, GAP_BUCKETS)
    returns = session.execute(
        select(gap_bucket, func.count(), func.sum(gap))
        .where(ordered.c.previous.is_not(None), ordered.c.arrival >= since, ordered.c.arrival <= until)
        .group_by(gap_bucket)
    ).all()
    gaps = {int(b): (int(n), int(total or 0)) for b, n, total in returns}
    returns_n = sum(n for n, _ in gaps.values())
    gap_days = sum(t for _, t in gaps.values())
    guests, new = int(guests), int(new)
    figures = [
        Figure("guests", L("入住客人", "Guests who stayed"), guests),
        Figure("new", L("新客", "New guests"), new),
        Figure("returning", L("回头客", "Returning guests"), guests - new),
        Figure("repeat_rate", L("回头率", "Repeat rate"), ratio(guests - new, guests), "pct"),
        Figure("multi", L("本期入住两次及以上", "Guests with 2+ stays in the period"), int(multi)),
        Figure("returns", L("回访入住次数", "Return stays"), returns_n),
        Figure(
            "mean_interval",
            L("平均回访间隔（天）", "Mean return interval (days)"),
            round(gap_days / returns_n, 1) if returns_n else None,
            "num",
        ),
    ]
    stay_rows: list[tuple[Value, ...]] = [
        (name, int(by_stays.get(i, 0)), ratio(by_stays.get(i, 0), guests))
        for i, (_lo, _hi, name) in enumerate(STAY_BUCKETS)
    ]
    gap_rows: list[tuple[Value, ...]] = [
        (name.text(locale), gaps.get(i, (0, 0))[0], ratio(gaps.get(i, (0, 0))[0], returns_n))
        for i, (_lo, _hi, name) in enumerate(GAP_BUCKETS)
    ]
    share = Column("share", L("占比", "Share"), "pct")
    return Report(
        KINDS["repeat"],
        since,
        until,
        figures,
        [
            Section(
                "stays_to_date",
                L("累计入住次数", "Stays to date"),
                (
                    Column("stays", L("累计入住次数", "Stays to date"), "text"),
                    Column("guests", L("客人数", "Guests")),
                    share,
                ),
                stay_rows,
                chart="guests",
            ),
            Section(
                "intervals",
                L("回访间隔", "Return intervals"),
                (
                    Column("interval", L("间隔", "Interval"), "text"),
                    Column("returns", L("回访次数", "Returns")),
                    share,
                ),
                gap_rows,
                chart="returns",
            ),
        ],
    )

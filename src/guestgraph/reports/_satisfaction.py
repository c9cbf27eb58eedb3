"""Satisfaction per hotel: post-stay surveys (response rate, NPS, CSAT), ratings of service tickets and
OTA review scores."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from guestgraph.access import DataScope, hotel_visible
from guestgraph.db.models import Hotel, OtaReview, Survey, TicketRating
from guestgraph.reports._common import ReportParams, mean, ratio
from guestgraph.reports._model import KINDS, Column, Figure, Report, Section, Value
from guestgraph.reports._model import Label as L


def _instants(since: date, until: date) -> tuple[datetime, datetime]:
    return datetime.combine(since, time.min, UTC), datetime.combine(until + timedelta(days=1), time.min, UTC)


def satisfaction_report(
    session: Session, *, scope: DataScope, params: ReportParams, locale: str, now: datetime
) -> Report:
    """Per hotel in scope: surveys sent in the period (answers, response rate, NPS = promoters 9–10
    minus detractors 0–6 in points, mean CSAT 1–5), ticket ratings given in it (mean 1–5), and OTA
    reviews written in it per channel (mean on the survey's 1–5 scale)."""
    begin, end = _instants(params.since, params.until)
    hotel_name = Hotel.name_zh if locale == "zh_CN" else Hotel.name_en
    promoters = func.sum(case((Survey.nps >= 9, 1), else_=0))
    detractors = func.sum(case((Survey.nps <= 6, 1), else_=0))
    surveys = session.execute(
        select(
            Hotel.code,
            hotel_name,
            func.count(Survey.id),
            func.count(Survey.answered_at),
            promoters,
            detractors,
            func.count(Survey.nps),
            func.avg(Survey.csat),
        )
        .join(Hotel, Hotel.id == Survey.hotel_id)
        .where(hotel_visible(scope), Survey.sent_at >= begin, Survey.sent_at < end)
        .group_by(Hotel.code, hotel_name)
        .order_by(Hotel.code)
    ).all()

    def nps(pro: Any, det: Any, rated: Any) -> float | None:
        return round(100 * (int(pro or 0) - int(det or 0)) / int(rated), 1) if rated else None

    survey_rows: list[tuple[Value, ...]] = [
        (
            f"{code} {name}",
            int(sent),
            int(answered),
            ratio(answered, sent),
            nps(pro, det, rated),
            mean(csat),
        )
        for code, name, sent, answered, pro, det, rated, csat in surveys
    ]
    ratings = session.execute(
        select(Hotel.code, hotel_name, func.count(TicketRating.score), func.avg(TicketRating.score))
        .join(Hotel, Hotel.id == TicketRating.hotel_id)
        .where(
            hotel_visible(scope),
            TicketRating.rated_at >= begin,
            TicketRating.rated_at < end,
            TicketRating.score.is_not(None),
        )
        .group_by(Hotel.code, hotel_name)
        .order_by(Hotel.code)
    ).all()
    reviews = session.execute(
        select(Hotel.code, hotel_name, OtaReview.channel, func.count(OtaReview.id), func.avg(OtaReview.csat))
        .join(Hotel, Hotel.id == OtaReview.hotel_id)
        .where(hotel_visible(scope), OtaReview.reviewed_on.between(params.since, params.until))
        .group_by(Hotel.code, hotel_name, OtaReview.channel)
        .order_by(Hotel.code, OtaReview.channel)
    ).all()
    totals = session.execute(
        select(
            promoters,
            detractors,
            func.count(Survey.nps),
            func.avg(Survey.csat),
            func.count(Survey.answered_at),
        )
        .join(Hotel, Hotel.id == Survey.hotel_id)
        .where(hotel_visible(scope), Survey.sent_at >= begin, Survey.sent_at < end)
    ).one()
    rating_total = session.execute(
        select(func.count(TicketRating.score), func.avg(TicketRating.score))
        .join(Hotel, Hotel.id == TicketRating.hotel_id)
        .where(
            hotel_visible(scope),
            TicketRating.rated_at >= begin,
            TicketRating.rated_at < end,
            TicketRating.score.is_not(None),
        )
    ).one()
    review_total = session.execute(
        select(func.count(OtaReview.id), func.avg(OtaReview.csat))
        .join(Hotel, Hotel.id == OtaReview.hotel_id)
        .where(hotel_visible(scope), OtaReview.reviewed_on.between(params.since, params.until))
    ).one()
    figures = [
        Figure("answers", L("问卷回复", "Survey answers"), int(totals[4] or 0)),
        Figure("nps", L("NPS（净推荐值）", "NPS"), nps(totals[0], totals[1], totals[2]), "num"),
        Figure("csat", L("平均满意度（1–5）", "Mean CSAT (1–5)"), mean(totals[3]), "num"),
        Figure(
            "ticket_rating",
            L("工单处理平均评分（1–5）", "Mean ticket rating (1–5)"),
            mean(rating_total[1]),
            "num",
        ),
        Figure("reviews", L("OTA 点评数", "OTA reviews"), int(review_total[0] or 0)),
        Figure(
            "review_csat",
            L("OTA 点评平均分（1–5）", "Mean OTA review score (1–5)"),
            mean(review_total[1]),
            "num",
        ),
    ]
    hotel_col = Column("hotel", L("酒店", "Hotel"), "text")
    return Report(
        KINDS["satisfaction"],
        params.since,
        params.until,
        figures,
        [
            Section(
                "surveys",
                L("住后问卷", "Post-stay surveys"),
                (
                    hotel_col,
                    Column("sent", L("发出", "Sent")),
                    Column("answered", L("回复", "Answered")),
                    Column("response_rate", L("回复率", "Response rate"), "pct"),
                    Column("nps", L("NPS", "NPS"), "num"),
                    Column("csat", L("平均满意度", "Mean CSAT"), "num"),
                ),
                survey_rows,
                chart="csat",
            ),
            Section(
                "ticket_ratings",
                L("服务工单评分", "Ticket ratings"),
                (
                    hotel_col,
                    Column("ratings", L("评分数", "Ratings")),
                    Column("mean", L("平均分", "Mean score"), "num"),
                ),
                [(f"{c} {n}", int(k), mean(a)) for c, n, k, a in ratings],
                chart="mean",
            ),
            Section(
                "reviews",
                L("OTA 点评", "OTA reviews"),
                (
                    hotel_col,
                    Column("channel", L("渠道", "Channel"), "text"),
                    Column("reviews", L("点评数", "Reviews")),
                    Column("mean", L("平均分（1–5）", "Mean score (1–5)"), "num"),
                ),
                [(f"{c} {n}", ch, int(k), mean(a)) for c, n, ch, k, a in reviews],
            ),
        ],
    )

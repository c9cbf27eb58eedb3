"""Lifecycle movement: guests per lifecycle stage at the start and end of the period, who entered and
who left, and the moves between stages."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, case, func, literal, or_, select
from sqlalchemy.orm import Session

from guestgraph import analytics
from guestgraph.access import DataScope, guest_visible
from guestgraph.db.models import Guest, GuestStageHistory, GuestStatus
from guestgraph.reports._common import ReportParams
from guestgraph.reports._model import KINDS, Column, Figure, Report, Section, Value
from guestgraph.reports._model import Label as L


def lifecycle_report(
    session: Session, *, scope: DataScope, params: ReportParams, locale: str, now: datetime
) -> Report:
    """From the stage history of active guests in scope: per stage, guests in it at the start of the
    period, who entered and who left during it, and guests in it at the end; and the moves."""
    since, until = params.since, params.until
    H = GuestStageHistory
    one = literal(1)
    start = case((and_(H.entered_on < since, or_(H.left_on.is_(None), H.left_on >= since)), one), else_=0)
    entered = case((H.entered_on.between(since, until), one), else_=0)
    left = case((H.left_on.between(since, until), one), else_=0)
    end = case((and_(H.entered_on <= until, or_(H.left_on.is_(None), H.left_on > until)), one), else_=0)
    visible = [Guest.status == GuestStatus.ACTIVE, guest_visible(scope)]
    figures_by_stage = {
        stage: (int(a), int(b), int(c), int(d))
        for stage, a, b, c, d in session.execute(
            select(H.stage, func.sum(start), func.sum(entered), func.sum(left), func.sum(end))
            .join(Guest, Guest.id == H.guest_id)
            .where(*visible, H.entered_on <= until)
            .group_by(H.stage)
        ).all()
    }
    moves = session.execute(
        select(H.previous_stage, H.stage, func.count())
        .join(Guest, Guest.id == H.guest_id)
        .where(*visible, H.entered_on.between(since, until))
        .group_by(H.previous_stage, H.stage)
        .order_by(func.count().desc(), H.previous_stage, H.stage)
    ).all()

    def stage_name(code: str | None) -> str:
        if code is None:
            return L("（首次）", "(first)").text(locale)
        named = analytics.STAGES.get(code)
        return named.name(locale) if named else code

    order = list(analytics.STAGES) + sorted(set(figures_by_stage) - set(analytics.STAGES))
    rows: list[tuple[Value, ...]] = [
        (stage_name(s), *figures_by_stage[s], figures_by_stage[s][3] - figures_by_stage[s][0])
        for s in order
        if s in figures_by_stage
    ]
    entries = sum(r[2] for r in figures_by_stage.values())
    figures = [
        Figure("entries", L("阶段进入次数", "Stage entries"), entries),
        Figure(
            "at_risk_entries",
            L("进入流失风险", "Became at risk"),
            figures_by_stage.get("at_risk", (0, 0, 0, 0))[1],
        ),
        Figure(
            "churned_entries", L("进入已流失", "Churned"), figures_by_stage.get("churned", (0, 0, 0, 0))[1]
        ),
        Figure(
            "won_back_entries", L("被赢回", "Won back"), figures_by_stage.get("won_back", (0, 0, 0, 0))[1]
        ),
    ]
    return Report(
        KINDS["lifecycle"],
        since,
        until,
        figures,
        [
            Section(
                "stages",
                L("各阶段变动", "Movement per stage"),
                (
                    Column("stage", L("阶段", "Stage"), "text"),
                    Column("at_start", L("期初", "At start")),
                    Column("entered", L("进入", "Entered")),
                    Column("left", L("离开", "Left")),
                    Column("at_end", L("期末", "At end")),
                    Column("net", L("净变化", "Net change")),
                ),
                rows,
                chart="at_end",
            ),
            Section(
                "moves",
                L("阶段转换", "Moves between stages"),
                (
                    Column("from", L("原阶段", "From"), "text"),
                    Column("to", L("新阶段", "To"), "text"),
                    Column("guests", L("客人数", "Guests")),
                ),
                [(stage_name(a), stage_name(b), int(n)) for a, b, n in moves],
            ),
        ],
    )

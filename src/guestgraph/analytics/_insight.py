"""What the guest page shows from analytics: RFM, stage, churn warning and tags with their reasons."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from guestgraph.access import DataScope
from guestgraph.analytics._fields import FieldView, guest_fields
from guestgraph.analytics._names import RFM_GROUP_BY_CODE, STAGES
from guestgraph.analytics._rules import RuleSet
from guestgraph.analytics._tags import TagView, guest_tags
from guestgraph.db.models import Guest, GuestMetrics


@dataclass(frozen=True)
class GuestInsight:
    stage: str | None = None
    stage_name: str | None = None
    rfm: str | None = None
    rfm_group: str | None = None
    rfm_group_name: str | None = None
    monetary: Decimal | None = None
    days_since: int | None = None
    usual_interval_days: int | None = None
    churn_warning: bool = False
    tags: list[TagView] = field(default_factory=list)
    fields: list[FieldView] = field(default_factory=list)  # the guest's journey fields in force


def guest_insight(
    session: Session, *, scope: DataScope, public_id: str, rules: RuleSet, locale: str
) -> GuestInsight:
    """The guest's analytics (empty before the first refresh); raises GuestNotFound outside the scope."""
    tags = guest_tags(session, scope=scope, public_id=public_id, rules=rules, locale=locale)
    fields = guest_fields(session, scope=scope, public_id=public_id)
    m = session.scalar(
        select(GuestMetrics)
        .join(Guest, Guest.id == GuestMetrics.guest_id)
        .where(Guest.public_id == public_id)
    )
    if m is None:
        return GuestInsight(tags=tags, fields=fields)
    group = RFM_GROUP_BY_CODE.get(m.rfm_group or "")
    return GuestInsight(
        stage=m.stage,
        stage_name=STAGES[m.stage].name(locale) if m.stage in STAGES else m.stage,
        rfm=f"{m.r_score}-{m.f_score}-{m.m_score}" if m.r_score else None,
        rfm_group=m.rfm_group,
        rfm_group_name=group.name(locale) if group else None,
        monetary=m.monetary,
        days_since=m.days_since,
        usual_interval_days=m.usual_interval_days,
        churn_warning=m.churn_warning,
        tags=tags,
        fields=fields,
    )

"""JSON API for segments, reports, churn warnings and guest tags (thin adapters over `analytics`)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from guestgraph import analytics
from guestgraph.access import Permission
from guestgraph.web._answers import out_model
from guestgraph.web._auth import CurrentPrincipal, ScopeDep, allow, now_utc
from guestgraph.web._deps import LocaleDep, PagingDep, SessionDep, SettingsDep

router = APIRouter(prefix="/api/v1", tags=["analytics"])
SEGMENTS = [allow(Permission.SEGMENT_MANAGE)]
REPORTS = [allow(Permission.REPORT_READ)]


class SegmentIn(BaseModel):
    model_config = {"extra": "forbid"}
    name: str = Field(min_length=1, max_length=100)
    kind: str = Field("dynamic", pattern="^(dynamic|frozen)$")
    definition: analytics.SegmentDefinition


class SegmentPatch(BaseModel):
    model_config = {"extra": "forbid"}
    name: str | None = Field(None, min_length=1, max_length=100)
    definition: analytics.SegmentDefinition | None = None


class TagIn(BaseModel):
    model_config = {"extra": "forbid"}
    tag: str = Field(min_length=1, max_length=40)
    note: str | None = Field(None, max_length=200)


# --- what the API answers (AC-04: only these keys leave; guests are masked by `analytics`) ---------


class SegmentGuestOut(BaseModel):
    public_id: str
    name: str | None = Field(description="Masked.")
    phone: str | None = Field(description="Masked.")
    email: str | None = Field(description="Masked.")
    loyalty_tier: str | None
    stage: str | None = Field(description="Lifecycle stage.")
    rfm_group: str | None
    monetary: Decimal | None = Field(description="Spend in the scoring window.")


class PreviewOut(BaseModel):
    count: int
    guests: list[SegmentGuestOut] = Field(description="The first guests, highest spend first.")


class SegmentOut(BaseModel):
    id: int
    name: str
    kind: str = Field(description="dynamic or frozen.")
    definition: dict[str, Any] = Field(description="The definition as saved: its condition tree.")
    created_by: str
    created_at: datetime
    frozen_at: datetime | None
    members: int = Field(description="Guests of a frozen snapshot.")


class SegmentPreviewOut(SegmentOut):
    preview: PreviewOut


# The dashboard's answers are its dataclasses, field for field (`out_model`), with their descriptions.
PeriodOut = out_model(
    "PeriodOut",
    analytics.PeriodFigures,
    module=__name__,
    describe={"adr": "Average daily rate: room revenue per room night."},
)
DataQualityOut = out_model(
    "DataQualityOut",
    analytics.DataQuality,
    module=__name__,
    describe={
        "records": "Source records imported in the period for the hotels in scope.",
        "complete": "Persons with a name and an identifying phone or e-mail.",
    },
)
DashboardOut = out_model(
    "DashboardOut",
    analytics.Dashboard,
    module=__name__,
    base=PeriodOut,
    nested={analytics.PeriodFigures: PeriodOut, analytics.DataQuality: DataQualityOut},
    describe={
        "hotel": "The hotel the figures are narrowed to, if any.",
        "revenue_by_outlet": "By outlet code.",
        "channels": "Stays by booking channel.",
        "channel_groups": "Stays by direct, ota, corporate and other.",
        "stages": "Guests by lifecycle stage.",
        "rfm_groups": "Guests by RFM group.",
        "markets": 'Guests who stayed by nationality (ISO 3166-1; "" unknown, "*" the rest).',
        "previous": "The same figures for the period of the same length just before.",
        "refreshed_at": "When the last analytics refresh finished (null: never). The distribution, and with "
        "from_rollups also stays, nights, revenue and channels, are as of then.",
        "from_rollups": "Stays, nights, revenue and channels come from the refresh's roll-ups.",
    },
)


class ChurnWarningOut(BaseModel):
    public_id: str
    name: str | None = Field(description="Masked.")
    stage: str
    rfm_group: str | None
    monetary: Decimal
    stays: int
    days_since: int = Field(description="Days since the last check-out.")
    usual_interval_days: int | None
    threshold_days: int


class ChurnOut(BaseModel):
    items: list[ChurnWarningOut]
    total: int
    page: int
    size: int


class TagOut(BaseModel):
    id: int
    code: str
    name: str
    kind: str = Field(description="rule or manual.")
    since: datetime
    added_by: str | None
    note: str | None
    facts: dict[str, Any] = Field(description="Why a rule tag applies: the figures it rests on.")


class TagAddedOut(BaseModel):
    id: int


class FieldOut(BaseModel):
    id: int
    name: str
    value: str
    set_by: str
    set_at: datetime


class FieldChangedOut(BaseModel):
    changed: bool


def _preview(p: analytics.Preview) -> dict[str, Any]:
    return {"count": p.count, "guests": [asdict(g) for g in p.guests]}


@router.post(
    "/segments/preview",
    response_model=PreviewOut,
    summary="Count and first page of a segment (masked)",
    dependencies=SEGMENTS,
)
def api_preview(
    definition: analytics.SegmentDefinition,
    session: SessionDep,
    scope: ScopeDep,
    size: Annotated[int, Query(ge=1, le=100)] = 20,
) -> dict[str, Any]:
    preview = analytics.preview_segment(
        session, scope=scope, definition=definition, today=now_utc().date(), size=size
    )
    return _preview(preview)


@router.get("/segments", response_model=list[SegmentOut], summary="Saved segments", dependencies=SEGMENTS)
def api_segments(session: SessionDep) -> list[dict[str, Any]]:
    return [asdict(s) for s in analytics.list_segments(session)]


@router.post(
    "/segments",
    status_code=201,
    response_model=SegmentOut,
    summary="Save a segment (dynamic, or a frozen snapshot)",
    dependencies=SEGMENTS,
)
def api_create_segment(
    body: SegmentIn, session: SessionDep, scope: ScopeDep, principal: CurrentPrincipal
) -> dict[str, Any]:
    now = now_utc()
    info = analytics.create_segment(
        session,
        scope=scope,
        name=body.name,
        definition=body.definition,
        kind=body.kind,
        by=principal.username,
        today=now.date(),
        now=now,
    )
    return asdict(info)


@router.get(
    "/segments/{segment_id}",
    response_model=SegmentPreviewOut,
    summary="A saved segment with its count and preview",
    dependencies=SEGMENTS,
)
def api_segment(segment_id: int, session: SessionDep, scope: ScopeDep) -> dict[str, Any]:
    info = analytics.get_segment(session, segment_id)
    preview = analytics.segment_preview(session, scope=scope, segment_id=segment_id, today=now_utc().date())
    return asdict(info) | {"preview": _preview(preview)}


@router.patch(
    "/segments/{segment_id}",
    response_model=SegmentOut,
    summary="Rename or change a dynamic segment",
    dependencies=SEGMENTS,
)
def api_update_segment(segment_id: int, body: SegmentPatch, session: SessionDep) -> dict[str, Any]:
    info = analytics.update_segment(
        session, segment_id=segment_id, name=body.name, definition=body.definition, now=now_utc()
    )
    return asdict(info)


@router.delete("/segments/{segment_id}", status_code=204, summary="Delete a segment", dependencies=SEGMENTS)
def api_delete_segment(segment_id: int, session: SessionDep) -> None:
    analytics.delete_segment(session, segment_id=segment_id)


@router.get(
    "/reports/dashboard",
    response_model=DashboardOut,
    summary="Management dashboard figures (scoped)",
    dependencies=REPORTS,
)
def api_dashboard(
    session: SessionDep,
    scope: ScopeDep,
    since: Annotated[date | None, Query(description="First arrival day; default: 30 days to until.")] = None,
    until: Annotated[date | None, Query(description="Last arrival day; default today.")] = None,
    hotel: Annotated[
        str | None, Query(max_length=20, description="Narrow to one hotel in your scope (its code).")
    ] = None,
) -> dict[str, Any]:
    until = until or now_utc().date()
    board = analytics.dashboard(session, scope=scope, since=since, until=until, hotel=hotel or None)
    return asdict(board)


@router.get(
    "/reports/churn",
    response_model=ChurnOut,
    summary="Churn warnings: valuable guests past their usual interval",
    dependencies=REPORTS,
)
def api_churn(
    session: SessionDep, scope: ScopeDep, paging: PagingDep, settings: SettingsDep
) -> dict[str, Any]:
    page = analytics.churn_warnings(
        session, scope=scope, paging=paging, settings=settings.analytics_settings()
    )
    return {
        "items": [asdict(i) for i in page.items],
        "total": page.total,
        "page": page.page,
        "size": page.size,
    }


@router.get(
    "/guests/{public_id}/tags",
    response_model=list[TagOut],
    summary="A guest's tags, with why and since when",
    dependencies=[allow(Permission.GUEST_READ)],
)
def api_guest_tags(
    public_id: str, session: SessionDep, scope: ScopeDep, locale: LocaleDep
) -> list[dict[str, Any]]:
    tags = analytics.guest_tags(
        session, scope=scope, public_id=public_id, rules=analytics.load_rules(), locale=locale
    )
    return [asdict(t) for t in tags]


@router.post(
    "/guests/{public_id}/tags",
    status_code=201,
    response_model=TagAddedOut,
    summary="Add a staff tag",
    dependencies=SEGMENTS,
)
def api_add_tag(
    public_id: str, body: TagIn, session: SessionDep, scope: ScopeDep, principal: CurrentPrincipal
) -> dict[str, int]:
    tag_id = analytics.add_manual_tag(
        session,
        scope=scope,
        public_id=public_id,
        tag=body.tag,
        note=body.note,
        by=principal.username,
        now=now_utc(),
    )
    return {"id": tag_id}


@router.delete(
    "/guests/{public_id}/tags/{tag_id}", status_code=204, summary="Retire a staff tag", dependencies=SEGMENTS
)
def api_retire_tag(
    public_id: str, tag_id: int, session: SessionDep, scope: ScopeDep, principal: CurrentPrincipal
) -> None:
    analytics.retire_manual_tag(
        session, scope=scope, public_id=public_id, tag_id=tag_id, by=principal.username, now=now_utc()
    )


class FieldIn(BaseModel):
    model_config = {"extra": "forbid"}
    value: str | None = Field(None, max_length=200, description="The new value; null clears the field.")


@router.get(
    "/guests/{public_id}/fields",
    response_model=list[FieldOut],
    summary="A guest's journey fields in force, with who set them and when",
    dependencies=[allow(Permission.GUEST_READ)],
)
def api_guest_fields(public_id: str, session: SessionDep, scope: ScopeDep) -> list[dict[str, Any]]:
    return [asdict(f) for f in analytics.guest_fields(session, scope=scope, public_id=public_id)]


@router.put(
    "/guests/{public_id}/fields/{name}",
    response_model=FieldChangedOut,
    summary="Set or clear one of a guest's journey fields",
    dependencies=SEGMENTS,
)
def api_set_field(
    public_id: str,
    name: str,
    body: FieldIn,
    session: SessionDep,
    scope: ScopeDep,
    principal: CurrentPrincipal,
) -> dict[str, bool]:
    changed = analytics.set_guest_field(
        session,
        scope=scope,
        public_id=public_id,
        name=name,
        value=body.value,
        by=principal.username,
        now=now_utc(),
    )
    return {"changed": changed}

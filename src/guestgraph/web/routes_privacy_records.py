"""JSON API of the privacy package, what is corrected and what leaves: rectification and the guest
change feed, guest-list export, and the record of processing activities (thin adapters). Consents and
data-subject requests are in `routes_privacy_api`."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import Response
from pydantic import BaseModel, Field

from guestgraph import changes, privacy
from guestgraph.access import Permission
from guestgraph.web._answers import out_model
from guestgraph.web._auth import CurrentPrincipal, ScopeDep, allow, now_utc
from guestgraph.web._deps import FactoryDep, SessionDep, SettingsDep
from guestgraph.web.routes_privacy_api import MANAGE, READ

api = APIRouter(prefix="/api/v1", tags=["privacy"])


# The record of processing's answers are its dataclasses, field for field (`out_model`).
ActivityOut = out_model("ActivityOut", privacy.Activity, module=__name__)
RetentionOut = out_model("RetentionOut", privacy.ScheduleLine, module=__name__)
RecipientOut = out_model("RecipientOut", privacy.RecipientRow, module=__name__)
RopaOut = out_model(
    "RopaOut",
    privacy.RopaReport,
    module=__name__,
    nested={
        privacy.Activity: ActivityOut,
        privacy.ScheduleLine: RetentionOut,
        privacy.RecipientRow: RecipientOut,
    },
    added={"cross_border": (list[str], Field(description="The codes of recipients abroad."))},
)


class CorrectionIn(BaseModel):
    """The corrected values (only the fields to correct) and why."""

    model_config = {"extra": "forbid"}
    full_name: str | None = Field(None, max_length=200)
    gender: str | None = Field(None, max_length=20, description="male, female, 男, 女, M, F")
    birth_date: str | None = Field(None, max_length=20, description="YYYY-MM-DD")
    nationality: str | None = Field(None, max_length=60)
    phone: str | None = Field(None, max_length=40)
    email: str | None = Field(None, max_length=200)
    id_type: str | None = Field(
        None, max_length=40, description="cn_resident_id, passport, ... (with id_number)"
    )
    id_number: str | None = Field(None, max_length=40)
    reason: str = Field(max_length=500, description="What the guest asked for (kept, never in the feed).")
    request_id: int | None = Field(None, description="The rectification request this carries out, if any.")


class RectificationOut(BaseModel):
    guest_public_id: str
    fields: list[str] = Field(description="The golden attributes corrected.")
    source_record_id: int = Field(description="The rectification record (lineage).")
    change_id: int = Field(description="Its entry on the change feed.")


class ChangeOut(BaseModel):
    id: int
    guest_id: str = Field(description="The guest's public ID.")
    kind: str = Field(description="rectified, merged, unmerged or erased")
    fields: list[str]
    other_guest_id: str | None = Field(description="The surviving guest of a merge or unmerge.")
    changed_at: datetime


class ChangesOut(BaseModel):
    items: list[ChangeOut]
    next_after: int = Field(description="Pass as `after` to read on.")
    more: bool


@api.post(
    "/privacy/guests/{public_id}/rectify",
    summary="Correct a guest's details (rectification): the golden record, search and the change feed follow",
    dependencies=MANAGE,
)
def api_rectify(
    public_id: str, body: CorrectionIn, factory: FactoryDep, scope: ScopeDep, principal: CurrentPrincipal
) -> RectificationOut:
    values = body.model_dump(exclude={"reason", "request_id"}, exclude_none=True)
    done = privacy.rectify_guest(
        factory,
        scope=scope,
        public_id=public_id,
        values=values,
        reason=body.reason,
        actor_id=principal.user_id,
        actor_name=principal.username,
        request_id=body.request_id,
    )
    return RectificationOut(**asdict(done))


@api.get(
    "/changes", summary="The guest change feed: corrections, merges, unmerges, erasures", dependencies=READ
)
def api_changes(
    session: SessionDep,
    scope: ScopeDep,
    after: Annotated[int, Query(ge=0, description="The last entry id you processed")] = 0,
    limit: Annotated[int, Query(ge=1, le=changes.MAX_PAGE)] = 100,
) -> ChangesOut:
    page = changes.list_changes(session, scope=scope, after=after, limit=limit)
    items = [ChangeOut(**asdict(i)) for i in page.items]
    return ChangesOut(items=items, next_after=page.next_after, more=page.more)


class GuestListIn(BaseModel):
    model_config = {"extra": "forbid"}
    purpose: privacy.ExportPurpose = Field(description="Why the list leaves the system (required).")
    hotel: str | None = Field(None, max_length=20, description="Only guests seen at this hotel code.")
    recipient: str | None = Field(
        None,
        max_length=40,
        description="The configured recipient the list goes to; its cross-border and third-party gates "
        "apply (guests without a needed separate consent are left out and counted).",
    )


@api.post(
    "/guests/export",
    summary="Export a guest list as CSV: stated purpose, masked, consent-filtered for marketing, logged",
    dependencies=[allow(Permission.GUEST_EXPORT)],
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}, "description": "The list as CSV (UTF-8)."}},
)
def api_export_guest_list(
    body: GuestListIn, session: SessionDep, scope: ScopeDep, principal: CurrentPrincipal
) -> Response:
    result = privacy.export_guest_list(
        session,
        scope=scope,
        purpose=body.purpose,
        hotel_code=body.hotel,
        recipient=body.recipient,
        username=principal.username,
        actor_id=principal.user_id,
        now=now_utc(),
    )
    headers = {
        "Content-Disposition": f'attachment; filename="guests-{result.export_id}.csv"',
        "X-Export-Id": result.export_id,
        "X-Export-Rows": str(result.rows),
        "X-Export-Excluded-No-Consent": str(result.excluded_no_consent),
    }
    return Response(result.csv_text, media_type="text/csv; charset=utf-8", headers=headers)


@api.get(
    "/privacy/ropa",
    response_model=RopaOut,
    summary="The record of processing activities, generated from the inventory, schedule and recipients",
    dependencies=MANAGE,
)
def api_ropa(session: SessionDep, settings: SettingsDep) -> dict[str, Any]:
    report = privacy.ropa_report(session, settings=settings, controller=settings.tenant, now=now_utc())
    return asdict(report) | {"cross_border": [r.code for r in report.cross_border]}

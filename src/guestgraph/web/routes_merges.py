"""Merge and unmerge guests (data stewards), as HTML forms on the profile and as JSON. Thin: the rules
live in `identity` (merge_guests, unmerge_guest, guest_merges)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from guestgraph import identity
from guestgraph.access import Permission
from guestgraph.web._auth import CurrentPrincipal, ScopeDep, allow
from guestgraph.web._deps import FactoryDep, SessionDep, SettingsDep

router = APIRouter()
api = "/api/v1/guests"
STEWARD = [allow(Permission.IDENTITY_REVIEW)]


class MergeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    other_guest_id: str = Field(max_length=20, description="The guest ID to merge with this one.")
    reason: str = Field(min_length=1, max_length=500, description="Why they are one person.")


class UnmergeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=1, max_length=500, description="Why the merge was wrong.")


# --- what the API answers (AC-04: only these keys leave) ------------------------------------------


class MergeLineOut(BaseModel):
    id: int
    survivor_public_id: str
    merged_public_id: str
    rule: str | None = Field(description="The rule or model that joined them in a pass, or steward.")
    merged_at: datetime
    decided_by: str | None
    reason: str | None
    records: int = Field(description="The records the merged guest held.")
    undone_at: datetime | None
    undone_by: str | None
    undo_reason: str | None


class ResolveOut(BaseModel):
    """The resolve pass run after the change."""

    mentions: int
    guests: int
    created: int
    merged: int
    seconds: float
    probabilistic_links: int = Field(description="Links the model made beyond the exact rules.")
    review_pairs: int = Field(description="Pairs now pending in the review queue.")
    model_version: int | None


class MergeOut(BaseModel):
    merge: MergeLineOut
    resolve: ResolveOut


def _out(outcome: identity.MergeOutcome) -> dict[str, Any]:
    return {"merge": asdict(outcome.merge), "resolve": asdict(outcome.resolve)}


@router.get(
    f"{api}/{{public_id}}/merges",
    response_model=list[MergeLineOut],
    tags=["identity"],
    dependencies=[allow(Permission.GUEST_READ)],
)
def api_merges(public_id: str, session: SessionDep, scope: ScopeDep) -> list[dict[str, Any]]:
    """The guest's merge history: guests merged into it (by a pass or a steward) and any undone."""
    return [asdict(m) for m in identity.guest_merges(session, scope=scope, public_id=public_id)]


@router.post(f"{api}/{{public_id}}/merge", response_model=MergeOut, tags=["identity"], dependencies=STEWARD)
async def api_merge(
    public_id: str,
    body: MergeIn,
    factory: FactoryDep,
    scope: ScopeDep,
    principal: CurrentPrincipal,
    settings: SettingsDep,
) -> dict[str, Any]:
    """Merge two guests a steward knows are one person (the older ID survives); runs a resolve pass."""
    outcome = await run_in_threadpool(
        identity.merge_guests,
        factory,
        scope=scope,
        guest_public_id=public_id,
        other_public_id=body.other_guest_id,
        decided_by=principal.username,
        reason=body.reason,
        matching=settings.match_settings(),
    )
    return _out(outcome)


@router.post(f"{api}/{{public_id}}/unmerge", response_model=MergeOut, tags=["identity"], dependencies=STEWARD)
async def api_unmerge(
    public_id: str,
    body: UnmergeIn,
    factory: FactoryDep,
    scope: ScopeDep,
    principal: CurrentPrincipal,
    settings: SettingsDep,
) -> dict[str, Any]:
    """Undo the merge of this (merged) guest ID: its records come back to it; runs a resolve pass."""
    outcome = await run_in_threadpool(
        identity.unmerge_guest,
        factory,
        scope=scope,
        merged_public_id=public_id,
        decided_by=principal.username,
        reason=body.reason,
        matching=settings.match_settings(),
    )
    return _out(outcome)


@router.post("/guests/{public_id}/merge", include_in_schema=False, dependencies=STEWARD)
async def merge_form(
    public_id: str,
    factory: FactoryDep,
    scope: ScopeDep,
    principal: CurrentPrincipal,
    settings: SettingsDep,
    other_guest_id: Annotated[str, Form(max_length=20)],
    reason: Annotated[str, Form(max_length=500)],
) -> Response:
    body = MergeIn(other_guest_id=other_guest_id.strip(), reason=reason)
    outcome = await api_merge(public_id, body, factory, scope, principal, settings)
    return RedirectResponse(f"/guests/{outcome['merge']['survivor_public_id']}#merges", status_code=303)


@router.post("/guests/{public_id}/unmerge", include_in_schema=False, dependencies=STEWARD)
async def unmerge_form(
    public_id: str,
    factory: FactoryDep,
    scope: ScopeDep,
    principal: CurrentPrincipal,
    settings: SettingsDep,
    reason: Annotated[str, Form(max_length=500)],
) -> Response:
    await api_unmerge(public_id, UnmergeIn(reason=reason), factory, scope, principal, settings)
    return RedirectResponse(f"/guests/{public_id}#merges", status_code=303)


class SplitIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    records: list[str] = Field(
        min_length=1,
        max_length=500,
        description="The record_key of each identity that belongs to another person.",
    )
    reason: str = Field(min_length=1, max_length=500, description="Why they are a different person.")


class SplitOut(BaseModel):
    guest_id: str = Field(description="Keeps its ID and the records left.")
    new_guest_id: str = Field(description="The new guest holding the records split off.")
    records: int


@router.post(f"{api}/{{public_id}}/split", tags=["identity"], dependencies=STEWARD)
async def api_split(
    public_id: str,
    body: SplitIn,
    factory: FactoryDep,
    scope: ScopeDep,
    principal: CurrentPrincipal,
    settings: SettingsDep,
) -> SplitOut:
    """Split records off a guest into a new guest (another person), for good; runs a resolve pass."""
    outcome = await run_in_threadpool(
        identity.split_guest,
        factory,
        scope=scope,
        public_id=public_id,
        record_keys=body.records,
        decided_by=principal.username,
        reason=body.reason,
        matching=settings.match_settings(),
    )
    return SplitOut(
        guest_id=outcome.guest_public_id, new_guest_id=outcome.new_public_id, records=outcome.records
    )


@router.post("/guests/{public_id}/split", include_in_schema=False, dependencies=STEWARD)
async def split_form(
    public_id: str,
    factory: FactoryDep,
    scope: ScopeDep,
    principal: CurrentPrincipal,
    settings: SettingsDep,
    reason: Annotated[str, Form(max_length=500)],
    records: Annotated[list[str], Form()],
) -> Response:
    done = await api_split(
        public_id, SplitIn(records=records, reason=reason), factory, scope, principal, settings
    )
    return RedirectResponse(f"/guests/{done.new_guest_id}#identities", status_code=303)

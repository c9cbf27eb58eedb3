"""The identity review queue: data stewards decide the pairs the model was unsure about."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Literal

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from guestgraph import audit, identity
from guestgraph.access import Permission
from guestgraph.identity import ReviewNotFound
from guestgraph.paging import Page
from guestgraph.web._answers import PageOut, page_out
from guestgraph.web._auth import CurrentPrincipal, ScopeDep, allow
from guestgraph.web._deps import FactoryDep, PagingDep, RowId, SessionDep, SettingsDep
from guestgraph.web._render import render

router = APIRouter(include_in_schema=False, dependencies=[allow(Permission.IDENTITY_REVIEW)])
api = APIRouter(prefix="/api/v1/reviews", tags=["identity"], dependencies=[allow(Permission.IDENTITY_REVIEW)])
Decision = Literal["accepted", "rejected"]
Status = Literal["pending", "accepted", "rejected"]


def _decide(
    session: SessionDep,
    scope: ScopeDep,
    principal: CurrentPrincipal,
    review_id: RowId,
    decision: Decision,
    reason: str,
) -> identity.ReviewPair:
    if not identity.review_in_scope(session, review_id, scope=scope):
        raise ReviewNotFound(f"No review pair {review_id}.", hint="List the queue for current pairs.")
    pair = identity.decide_review(
        session, review_id, decision=decision, decided_by=principal.username, reason=reason.strip() or None
    )
    audit.log_event(
        session,
        "identity.review",
        object_type="match_review",
        object_id=str(review_id),
        details={"decision": decision},
    )
    return pair


@router.get("/review")
def review_page(
    request: Request, session: SessionDep, scope: ScopeDep, paging: PagingDep, status: Status = "pending"
) -> Response:
    page = identity.review_cards(session, scope=scope, paging=paging, status=status)
    context = {
        "page": page,
        "status": status,
        "active": "review",
        "base_url": "/review",
        "applied": request.query_params.get("applied"),
    }
    return render(request, "review.html", context)


@router.post("/review/{review_id:int}")
def review_decide(
    request: Request,
    review_id: RowId,
    session: SessionDep,
    scope: ScopeDep,
    principal: CurrentPrincipal,
    decision: Annotated[Decision, Form()],
    reason: Annotated[str, Form(max_length=300)] = "",
) -> Response:
    pair = _decide(session, scope, principal, review_id, decision, reason)
    if request.headers.get("HX-Request"):
        return render(request, "_review_decided.html", {"pair": pair})
    return RedirectResponse("/review", status_code=303)


@router.post("/review/bulk/decide")
def review_bulk(
    session: SessionDep,
    scope: ScopeDep,
    principal: CurrentPrincipal,
    decision: Annotated[Decision, Form()],
    ids: Annotated[list[int], Form()],
    reason: Annotated[str, Form(max_length=300)] = "",
) -> Response:
    for review_id in ids[:500]:
        _decide(session, scope, principal, review_id, decision, reason)
    return RedirectResponse("/review", status_code=303)


@router.post("/review/apply")
def review_apply(factory: FactoryDep, settings: SettingsDep) -> Response:
    """Run a resolve pass now, so accepted pairs become one guest and rejected ones stay apart."""
    summary = identity.resolve_all(factory, matching=settings.match_settings())
    return RedirectResponse(f"/review?applied={summary.guests}", status_code=303)


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    decision: Decision
    reason: str | None = Field(None, max_length=300)


# --- what the API answers (AC-04: only these keys leave; the data layer masks the records) ---------


class RecordSideOut(BaseModel):
    """One side of a pair: the record the model compared, masked."""

    guest_public_id: str | None
    source: str
    hotel: str | None
    name: str | None = Field(description="Masked.")
    phone: str | None = Field(description="Masked.")
    email: str | None = Field(description="Masked.")
    document: str | None = Field(description="Masked.")
    birth_year: int | None
    loyalty: str | None


class EvidenceOut(BaseModel):
    field: str
    level: str = Field(description="How the values compare, e.g. same reading.")
    weight: float = Field(description="Log2 Bayes factor: above 0 for, below 0 against.")


class ReviewCardOut(BaseModel):
    id: int
    probability: float
    weight: float
    status: str
    left: RecordSideOut | None
    right: RecordSideOut | None
    evidence: list[EvidenceOut]
    decided_by: str | None
    reason: str | None


class ContributionOut(BaseModel):
    level: str
    weight: float


class ReviewPairOut(BaseModel):
    id: int
    left_key: str = Field(description="The left record: source system id, person index, external id.")
    right_key: str
    left_guest_id: int | None
    right_guest_id: int | None
    match_weight: float
    match_probability: float
    contributions: dict[str, ContributionOut] = Field(description="The evidence, by field.")
    status: str
    decided_by: str | None
    reason: str | None


@api.get(
    "",
    response_model=PageOut[ReviewCardOut],
    summary="Pairs waiting for a steward's decision, most likely matches first (in your scope)",
)
def api_reviews(
    session: SessionDep, scope: ScopeDep, paging: PagingDep, status: Status = "pending"
) -> dict[str, object]:
    page = identity.review_cards(session, scope=scope, paging=paging, status=status)
    return page_out(Page([asdict(c) for c in page.items], page.total, page.page, page.size))


@api.post(
    "/{review_id}",
    response_model=ReviewPairOut,
    summary="Accept (same person) or reject (different people) a pair; honoured by every later pass",
)
def api_decide(
    review_id: RowId, body: DecisionIn, session: SessionDep, scope: ScopeDep, principal: CurrentPrincipal
) -> dict[str, object]:
    return asdict(_decide(session, scope, principal, review_id, body.decision, body.reason or ""))

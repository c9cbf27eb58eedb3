"""Loyalty pages and API: the schemes with their tiers and earn rates, member lookup by number
(loyalty.view), and on the guest's profile the loyalty panel: memberships with each tier, the pooled
balance, recent entries and tier changes, and the staff forms to enrol, redeem and adjust points
(loyalty.manage)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field, field_validator
from sqlalchemy.orm import Session

from guestgraph import loyalty
from guestgraph.access import DataScope, Permission
from guestgraph.errors import GuestgraphError, InvalidInput
from guestgraph.web._auth import CurrentPrincipal, ScopeDep, allow, now_utc
from guestgraph.web._deps import SessionDep
from guestgraph.web._render import render

router = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api/v1", tags=["loyalty"])
VIEW = [allow(Permission.LOYALTY_VIEW)]
MANAGE = [allow(Permission.LOYALTY_MANAGE)]
GuestId = Annotated[str, Path(max_length=20, description="The guest's public ID.")]
Number = Annotated[str, Path(max_length=60, description="A member number (spaces and dashes ignored).")]


class RedeemIn(BaseModel):
    model_config = {"extra": "forbid"}
    points: int = Field(ge=1, le=loyalty.MAX_REDEEM)
    reason: str = Field(min_length=1, max_length=200, description="What the points pay for.")
    scheme: str | None = Field(None, max_length=20, description="The scheme's code; default: the oldest.")


class AdjustIn(BaseModel):
    model_config = {"extra": "forbid"}
    points: int = Field(
        ge=-loyalty.MAX_ADJUST, le=loyalty.MAX_ADJUST, description="Points to add (+) or take off (-), not 0."
    )
    reason: str = Field(min_length=1, max_length=200, description="Why the balance is corrected.")
    scheme: str | None = Field(None, max_length=20, description="The scheme's code; default: the oldest.")

    @field_validator("points")
    @classmethod
    def _not_zero(cls, value: int) -> int:
        if value == 0:
            raise ValueError("an adjustment of 0 points changes nothing")
        return value


class EnrolIn(BaseModel):
    model_config = {"extra": "forbid"}
    scheme: str = Field(max_length=20)
    member_number: str | None = Field(None, max_length=60, description="Empty: a new number.")


# --- what the API answers (AC-04: only these keys leave) ------------------------------------------


class TierOut(BaseModel):
    id: int
    code: str
    name_zh: str
    name_en: str
    rank: int
    min_nights: int
    min_spend: Decimal
    members: int


class SchemeOut(BaseModel):
    id: int
    code: str
    name_zh: str
    name_en: str
    currency: str
    expiry_months: int
    golden_number: bool = Field(
        description="Members come from the guests' loyalty numbers in the golden record."
    )
    hotel_codes: list[str]
    earn: dict[str, Decimal] = Field(description="Points per unit of the scheme's currency, by outlet.")
    tiers: list[TierOut]
    members: int


class MemberHitOut(BaseModel):
    scheme: str
    member_number: str
    tier_zh: str | None
    tier_en: str | None
    guest_public_id: str


class MembershipOut(BaseModel):
    scheme: str
    scheme_zh: str
    scheme_en: str
    member_number: str
    tier: str | None
    tier_zh: str | None
    tier_en: str | None
    tier_since: datetime | None
    enrolled_at: datetime
    via: str | None


class EntryOut(BaseModel):
    occurred_at: datetime
    kind: str
    points: int
    scheme: str
    outlet: str | None
    hotel: str | None
    amount: Decimal | None
    currency: str | None
    reason: str | None


class TierChangeOut(BaseModel):
    changed_at: datetime
    scheme: str
    member_number: str
    direction: str
    from_zh: str | None
    from_en: str | None
    to_zh: str
    to_en: str
    nights: int | None
    spend: Decimal | None
    reason: str


class GuestLoyaltyOut(BaseModel):
    public_id: str
    memberships: list[MembershipOut]
    balance: int = Field(description="The pooled points balance.")
    entries: list[EntryOut] = Field(description="The latest ledger entries.")
    changes: list[TierChangeOut]


class PointsOut(BaseModel):
    """A redemption or an adjustment: the points moved and the balance after."""

    guest_public_id: str
    scheme: str
    member_number: str
    points: int
    balance: int


class EnrolledOut(BaseModel):
    scheme: str
    member_number: str
    guest_public_id: str


def _panel(request: Request, session: Session, scope: DataScope, public_id: str, **extra: Any) -> Response:
    context = {
        "loyalty": loyalty.guest_loyalty(session, scope=scope, public_id=public_id),
        "schemes": loyalty.list_schemes(session, scope=scope),
        **extra,
    }
    error = extra.get("error")
    # HTMX swaps only 2xx answers: the panel itself shows the error to the browser.
    status = error.status if error and not request.headers.get("HX-Request") else 200
    return render(request, "_guest_loyalty.html", context, status_code=status)


def _answer(
    request: Request,
    session: Session,
    scope: DataScope,
    public_id: str,
    shown: str | None,
    change: Callable[[], object],
) -> Response:
    """A panel form's answer: the change committed and the panel shown with what it did (as `shown`),
    or the change refused, rolled back and the panel shown with the reason."""
    try:
        done = change()
    except GuestgraphError as e:
        session.rollback()
        return _panel(request, session, scope, public_id, error=e)
    session.commit()
    return _panel(request, session, scope, public_id, **({shown: done} if shown else {}))


@router.get("/loyalty", dependencies=VIEW)
def loyalty_page(
    request: Request,
    session: SessionDep,
    scope: ScopeDep,
    number: Annotated[str, Query(max_length=60)] = "",
) -> Response:
    context: dict[str, Any] = {
        "schemes": loyalty.list_schemes(session, scope=scope),
        "number": number,
        "hits": None,
        "active": "loyalty",
    }
    if number.strip():
        try:
            context["hits"] = loyalty.find_members(session, scope=scope, number=number)
        except GuestgraphError as e:
            context["error"] = e
    return render(request, "loyalty.html", context)


@router.get("/guests/{public_id}/loyalty", dependencies=VIEW)
def loyalty_fragment(request: Request, public_id: GuestId, session: SessionDep, scope: ScopeDep) -> Response:
    return _panel(request, session, scope, public_id)


@router.post("/guests/{public_id}/loyalty/redeem", dependencies=MANAGE)
def redeem_form(
    request: Request,
    public_id: GuestId,
    session: SessionDep,
    scope: ScopeDep,
    principal: CurrentPrincipal,
    points: Annotated[str, Form(max_length=12)],
    reason: Annotated[str, Form(max_length=200)],
    scheme: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    return _answer(request, session, scope, public_id, "redeemed", lambda: loyalty.redeem(
        session, scope=scope, public_id=public_id, points=_whole_points(points), reason=reason,
        scheme_code=scheme or None, staff_id=principal.user_id, now=now_utc(),
    ))  # fmt: skip


def _whole_points(text: str) -> int:
    """A whole number of points to redeem from the form."""
    if not text.strip().isdigit():
        raise InvalidInput("Points to redeem must be a whole number.", hint="Type e.g. 500.")
    return int(text)


def _signed_points(text: str) -> int:
    """A whole number with an optional sign (a typographic minus too) from the form."""
    value = text.strip().replace("\N{MINUS SIGN}", "-")
    digits = value[1:] if value[:1] in ("+", "-") else value
    if not (digits.isascii() and digits.isdigit()):
        raise InvalidInput(
            "Points to adjust must be a whole number, with - to take off.", hint="Type e.g. -500."
        )
    return int(value)


@router.post("/guests/{public_id}/loyalty/adjust", dependencies=MANAGE)
def adjust_form(
    request: Request,
    public_id: GuestId,
    session: SessionDep,
    scope: ScopeDep,
    principal: CurrentPrincipal,
    points: Annotated[str, Form(max_length=12)],
    reason: Annotated[str, Form(max_length=200)],
    scheme: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    return _answer(request, session, scope, public_id, "adjusted", lambda: loyalty.adjust_points(
        session, scope=scope, public_id=public_id, points=_signed_points(points), reason=reason,
        scheme_code=scheme or None, staff_id=principal.user_id, now=now_utc(),
    ))  # fmt: skip


@router.post("/guests/{public_id}/loyalty/enrol", dependencies=MANAGE)
def enrol_form(
    request: Request,
    public_id: GuestId,
    session: SessionDep,
    scope: ScopeDep,
    principal: CurrentPrincipal,
    scheme: Annotated[str, Form(max_length=20)],
    member_number: Annotated[str, Form(max_length=60)] = "",
) -> Response:
    return _answer(request, session, scope, public_id, None, lambda: loyalty.enrol_member(
        session, scope=scope, public_id=public_id, scheme_code=scheme, number=member_number or None,
        staff_id=principal.user_id, now=now_utc(),
    ))  # fmt: skip


# --- API ---------------------------------------------------------------------------------------


@api.get(
    "/loyalty/schemes",
    response_model=list[SchemeOut],
    summary="Loyalty schemes, tiers and earn rates",
    dependencies=VIEW,
)
def api_schemes(session: SessionDep, scope: ScopeDep) -> list[dict[str, Any]]:
    return [asdict(s) for s in loyalty.list_schemes(session, scope=scope)]


@api.get(
    "/loyalty/members/{number}",
    response_model=list[MemberHitOut],
    summary="Find members by number",
    dependencies=VIEW,
)
def api_member(number: Number, session: SessionDep, scope: ScopeDep) -> list[dict[str, Any]]:
    return [asdict(h) for h in loyalty.find_members(session, scope=scope, number=number)]


@api.get(
    "/guests/{public_id}/loyalty",
    response_model=GuestLoyaltyOut,
    summary="A guest's memberships, balance and ledger",
    dependencies=VIEW,
)
def api_guest_loyalty(public_id: GuestId, session: SessionDep, scope: ScopeDep) -> dict[str, Any]:
    return asdict(loyalty.guest_loyalty(session, scope=scope, public_id=public_id))


@api.post(
    "/guests/{public_id}/loyalty/redeem",
    response_model=PointsOut,
    summary="Redeem a guest's points",
    dependencies=MANAGE,
)
def api_redeem(
    public_id: GuestId, body: RedeemIn, session: SessionDep, scope: ScopeDep, principal: CurrentPrincipal
) -> dict[str, Any]:
    done = loyalty.redeem(
        session, scope=scope, public_id=public_id, points=body.points, reason=body.reason,
        scheme_code=body.scheme, staff_id=principal.user_id, now=now_utc(),
    )  # fmt: skip
    return asdict(done)


@api.post(
    "/guests/{public_id}/loyalty/adjust",
    response_model=PointsOut,
    summary="Correct a guest's points (either sign)",
    dependencies=MANAGE,
)
def api_adjust(
    public_id: GuestId, body: AdjustIn, session: SessionDep, scope: ScopeDep, principal: CurrentPrincipal
) -> dict[str, Any]:
    done = loyalty.adjust_points(
        session, scope=scope, public_id=public_id, points=body.points, reason=body.reason,
        scheme_code=body.scheme, staff_id=principal.user_id, now=now_utc(),
    )  # fmt: skip
    return asdict(done)


@api.post(
    "/guests/{public_id}/loyalty/members",
    response_model=EnrolledOut,
    summary="Enrol a guest in a scheme",
    status_code=201,
    dependencies=MANAGE,
)
def api_enrol(
    public_id: GuestId, body: EnrolIn, session: SessionDep, scope: ScopeDep, principal: CurrentPrincipal
) -> dict[str, Any]:
    done = loyalty.enrol_member(
        session, scope=scope, public_id=public_id, scheme_code=body.scheme, number=body.member_number,
        staff_id=principal.user_id, now=now_utc(),
    )  # fmt: skip
    return asdict(done)

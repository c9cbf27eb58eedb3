"""Offer pages and API (campaign.manage): list, create, pause and resume offers, an offer's report,
a coupon for a guest, the offer a campaign's `{{ coupon }}` issues and its coupon results; and the
redemption page and API for the front desk and outlets (stay.operate): type the code, check, redeem."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from guestgraph import journeys, offers, org
from guestgraph.access import DataScope, Permission
from guestgraph.db.models import OfferStatus
from guestgraph.errors import GuestgraphError, InvalidInput
from guestgraph.web._auth import CurrentPrincipal, ScopeDep, allow, now_utc
from guestgraph.web._deps import RowId, SessionDep
from guestgraph.web._render import render

router = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api/v1", tags=["offers"])
MANAGE = [allow(Permission.CAMPAIGN_MANAGE)]
REDEEM = [allow(Permission.STAY_OPERATE)]
Short = Annotated[str, Form(max_length=200)]
Day = Annotated[str, Form(max_length=10)]
CodePath = Annotated[str, Path(max_length=40, description="The coupon code as printed (dashes ignored).")]
OUTLETS = ("fnb", "room", "spa", "minibar", "other")


class OfferIn(BaseModel):
    model_config = {"extra": "forbid"}
    name_zh: str = Field(max_length=120)
    name_en: str = Field(max_length=120)
    kind: str = Field(
        max_length=20, description="room_upgrade, fnb_credit, family_package, meeting_discount, other"
    )
    value_kind: str = Field(max_length=10, description="amount or percent")
    value: str = Field(max_length=20, description="e.g. 200 (an amount) or 15 (per cent)")
    currency: str | None = Field(None, max_length=3, description="Of an amount, e.g. CNY.")
    valid_from: date
    valid_to: date = Field(description="The last day a coupon can be redeemed.")
    per_guest_limit: int = Field(1, ge=1, le=100)
    total_limit: int | None = Field(None, ge=1, le=10_000_000)
    hotel_codes: list[str] = Field(default_factory=list, max_length=200, description="Empty: every hotel.")


class CouponIssueIn(BaseModel):
    model_config = {"extra": "forbid"}
    guest_id: str = Field(max_length=20, description="The guest's public ID.")


class RedeemIn(BaseModel):
    model_config = {"extra": "forbid"}
    hotel_code: str = Field(max_length=20)
    amount: str = Field(max_length=20, description="The bill's total.")
    outlet: str = Field("fnb", max_length=10, description="room, fnb, spa, minibar or other")
    currency: str | None = Field(None, max_length=3, description="Default: the hotel's currency.")


class CampaignOfferIn(BaseModel):
    model_config = {"extra": "forbid"}
    offer_id: int | None = Field(
        None, ge=1, le=2**63 - 1, description="None: the campaign carries no coupon."
    )


# --- what the API answers (AC-04: only these keys leave) ------------------------------------------


class IssuerLineOut(BaseModel):
    """The offer's coupons issued by one campaign, one journey, or staff: how many were issued,
    redeemed, expired and withdrawn, and the revenue of the redemptions by currency."""

    campaign_id: int | None
    campaign: str | None = Field(description="The campaign's name.")
    journey_id: int | None
    journey: str | None = Field(description="The journey's name.")
    via: str = Field(description="campaign, journey or staff")
    issued: int
    redeemed: int
    expired: int
    void: int
    revenue: dict[str, str] = Field(description="By currency (decimal strings).")


class OfferReportOut(BaseModel):
    totals: offers.CouponResults
    by_campaign: list[IssuerLineOut] = Field(description="By campaign, journey and staff.")
    redeemed_by_hotel: dict[str, int] = Field(description="Redemptions by hotel code.")


class OfferDetailOut(BaseModel):
    offer: offers.OfferRow
    report: OfferReportOut


class IssuedOut(BaseModel):
    code: str = Field(description="The coupon code as printed.")
    offer_id: int


class CampaignOfferOut(BaseModel):
    campaign_id: int
    offer_id: int | None = Field(description="None: the campaign carries no coupon.")


class CampaignCouponsOut(BaseModel):
    """A campaign's offer and its coupons: issued, redeemed, expired and withdrawn, and the revenue
    of the redemptions by currency (at hotels in your scope)."""

    offer_id: int | None = Field(description="The offer its {{ coupon }} issues; None: none.")
    issued: int
    redeemed: int
    expired: int
    void: int
    revenue: dict[str, str] = Field(description="By currency (decimal strings).")


def _hotels(session: Session, scope: DataScope) -> list[str]:
    return [h.code for h in org.list_hotels(session, scope=scope)]


def _list(
    request: Request, session: Session, scope: DataScope, error: GuestgraphError | None = None
) -> Response:
    context = {
        "offers": offers.list_offers(session, scope=scope),
        "hotels": _hotels(session, scope),
        "kinds": offers.KINDS,
        "error": error,
        "active": "offers",
    }
    return render(request, "offers.html", context, status_code=error.status if error else 200)


def _detail(request: Request, session: Session, scope: DataScope, offer_id: int, **extra: Any) -> Response:
    error = extra.get("error")
    context = {
        "offer": offers.get_offer(session, offer_id, scope=scope),
        "report": offers.offer_report(session, offer_id, scope=scope),
        "issued": None,
        "active": "offers",
        **extra,
    }
    return render(request, "offer.html", context, status_code=error.status if error else 200)


def _int_or_none(value: str, what: str) -> int | None:
    if not value.strip():
        return None
    if not value.strip().isdigit():
        raise InvalidInput(
            f"The {what} {value!r} is not a whole number.", hint="Leave it empty for no limit."
        )
    return int(value)


def _day(value: str, what: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError as e:
        raise InvalidInput(f"The {what} {value!r} is not a date.", hint="Use YYYY-MM-DD.") from e


@router.get("/offers", dependencies=MANAGE)
def offers_page(request: Request, session: SessionDep, scope: ScopeDep) -> Response:
    return _list(request, session, scope)


@router.post("/offers", dependencies=MANAGE)
def create_page(
    request: Request,
    session: SessionDep,
    scope: ScopeDep,
    principal: CurrentPrincipal,
    name_zh: Short,
    name_en: Short,
    kind: Short,
    value_kind: Short,
    value: Short,
    valid_from: Day,
    valid_to: Day,
    currency: Annotated[str, Form(max_length=3)] = "",
    per_guest_limit: Annotated[str, Form(max_length=3)] = "1",
    total_limit: Annotated[str, Form(max_length=9)] = "",
    hotels: Annotated[list[str] | None, Form(max_length=200)] = None,
) -> Response:
    try:
        spec = offers.OfferInput(
            name_zh, name_en, kind, value_kind, value,
            _day(valid_from, "first day"), _day(valid_to, "last day"), currency or None,
            _int_or_none(per_guest_limit, "limit per guest") or 1,
            _int_or_none(total_limit, "total limit"), tuple(hotels or ()),
        )  # fmt: skip
        row = offers.create_offer(
            session, scope=scope, spec=spec, created_by_id=principal.user_id, now=now_utc()
        )
    except GuestgraphError as e:
        session.rollback()
        return _list(request, session, scope, e)
    return RedirectResponse(f"/offers/{row.id}", status_code=303)


@router.get("/offers/redeem", dependencies=REDEEM)
def redeem_page(request: Request, session: SessionDep, scope: ScopeDep) -> Response:
    return render(
        request,
        "offers_redeem.html",
        {"hotels": _hotels(session, scope), "outlets": OUTLETS, "active": "redeem"},
    )


@router.post("/offers/redeem", dependencies=REDEEM)
def redeem_post(
    request: Request,
    session: SessionDep,
    scope: ScopeDep,
    principal: CurrentPrincipal,
    code: Annotated[str, Form(max_length=40)],
    hotel: Short,
    action: Annotated[str, Form(max_length=10)] = "check",
    amount: Annotated[str, Form(max_length=20)] = "",
    outlet: Annotated[str, Form(max_length=10)] = "fnb",
) -> Response:
    context: dict[str, Any] = {
        "hotels": _hotels(session, scope),
        "outlets": OUTLETS,
        "active": "redeem",
        "code": code,
        "hotel": hotel,
        "amount": amount,
        "outlet": outlet,
    }
    try:
        if action == "redeem":
            context["coupon"] = offers.redeem_coupon(
                session, code, scope=scope, hotel_code=hotel, amount=amount, outlet=outlet,
                staff_id=principal.user_id, now=now_utc(),
            )  # fmt: skip
            context["redeemed"] = True
        else:
            context["coupon"] = offers.check_coupon(
                session, code, scope=scope, hotel_code=hotel, now=now_utc()
            )
    except GuestgraphError as e:
        session.rollback()
        return render(request, "offers_redeem.html", {**context, "error": e}, status_code=e.status)
    return render(request, "offers_redeem.html", context)


@router.get("/offers/{offer_id}", dependencies=MANAGE)
def offer_page(request: Request, offer_id: RowId, session: SessionDep, scope: ScopeDep) -> Response:
    return _detail(request, session, scope, offer_id)


@router.post("/offers/{offer_id}/pause", dependencies=MANAGE)
def pause_page(offer_id: RowId, session: SessionDep, scope: ScopeDep) -> Response:
    offers.set_offer_status(session, offer_id, scope=scope, status=OfferStatus.PAUSED, now=now_utc())
    return RedirectResponse(f"/offers/{offer_id}", status_code=303)


@router.post("/offers/{offer_id}/resume", dependencies=MANAGE)
def resume_page(offer_id: RowId, session: SessionDep, scope: ScopeDep) -> Response:
    offers.set_offer_status(session, offer_id, scope=scope, status=OfferStatus.ACTIVE, now=now_utc())
    return RedirectResponse(f"/offers/{offer_id}", status_code=303)


@router.post("/offers/{offer_id}/coupons", dependencies=MANAGE)
def issue_page(
    request: Request,
    offer_id: RowId,
    session: SessionDep,
    scope: ScopeDep,
    principal: CurrentPrincipal,
    guest: Annotated[str, Form(max_length=20)],
) -> Response:
    try:
        issued = offers.issue_by_staff(
            session,
            scope=scope,
            offer_id=offer_id,
            guest_public_id=guest,
            staff_id=principal.user_id,
            now=now_utc(),
        )
    except GuestgraphError as e:
        session.rollback()
        return _detail(request, session, scope, offer_id, error=e)
    session.commit()
    return _detail(request, session, scope, offer_id, issued=offers.display(issued.code or ""))


@router.post("/campaigns/{campaign_id}/offer", dependencies=MANAGE)
def campaign_offer_page(
    campaign_id: RowId,
    session: SessionDep,
    scope: ScopeDep,
    offer: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    offer_id = int(offer) if offer.strip().isdigit() and len(offer.strip()) < 19 else None
    offers.set_campaign_offer(session, campaign_id, scope=scope, offer_id=offer_id, now=now_utc())
    return RedirectResponse(f"/campaigns/{campaign_id}", status_code=303)


# --- API ---------------------------------------------------------------------------------------


@api.get("/offers", response_model=list[offers.OfferRow], summary="Offers in your scope", dependencies=MANAGE)
def api_offers(session: SessionDep, scope: ScopeDep) -> list[offers.OfferRow]:
    return offers.list_offers(session, scope=scope)


@api.post(
    "/offers", response_model=offers.OfferRow, summary="Create an offer", status_code=201, dependencies=MANAGE
)
def api_create(
    body: OfferIn, session: SessionDep, scope: ScopeDep, principal: CurrentPrincipal
) -> offers.OfferRow:
    values = body.model_dump()
    values["hotel_codes"] = tuple(values["hotel_codes"])
    return offers.create_offer(
        session, scope=scope, spec=offers.OfferInput(**values), created_by_id=principal.user_id, now=now_utc()
    )


def _report(report: offers.OfferReport) -> dict[str, Any]:
    return {
        "totals": report.totals,
        "by_campaign": [
            {
                "campaign_id": line.campaign_id,
                "campaign": line.campaign_name,
                "journey_id": line.journey_id,
                "journey": line.journey_name,
                "via": line.via,
                **line.results.as_dict(),
            }
            for line in report.by_campaign
        ],
        "redeemed_by_hotel": report.by_hotel,
    }


@api.get(
    "/offers/{offer_id}",
    response_model=OfferDetailOut,
    summary="An offer and its report",
    dependencies=MANAGE,
)
def api_offer(offer_id: RowId, session: SessionDep, scope: ScopeDep) -> dict[str, Any]:
    return {
        "offer": offers.get_offer(session, offer_id, scope=scope),
        "report": _report(offers.offer_report(session, offer_id, scope=scope)),
    }


@api.post(
    "/offers/{offer_id}/pause",
    response_model=offers.OfferRow,
    summary="Stop issuing coupons of the offer",
    dependencies=MANAGE,
)
def api_pause(offer_id: RowId, session: SessionDep, scope: ScopeDep) -> offers.OfferRow:
    return offers.set_offer_status(session, offer_id, scope=scope, status=OfferStatus.PAUSED, now=now_utc())


@api.post(
    "/offers/{offer_id}/resume",
    response_model=offers.OfferRow,
    summary="Issue coupons of the offer again",
    dependencies=MANAGE,
)
def api_resume(offer_id: RowId, session: SessionDep, scope: ScopeDep) -> offers.OfferRow:
    return offers.set_offer_status(session, offer_id, scope=scope, status=OfferStatus.ACTIVE, now=now_utc())


@api.post(
    "/offers/{offer_id}/coupons",
    response_model=IssuedOut,
    summary="Issue a coupon to a guest",
    status_code=201,
    dependencies=MANAGE,
)
def api_issue(
    offer_id: RowId, body: CouponIssueIn, session: SessionDep, scope: ScopeDep, principal: CurrentPrincipal
) -> dict[str, Any]:
    issued = offers.issue_by_staff(
        session,
        scope=scope,
        offer_id=offer_id,
        guest_public_id=body.guest_id,
        staff_id=principal.user_id,
        now=now_utc(),
    )
    return {"code": offers.display(issued.code or ""), "offer_id": offer_id}


def _coupon(view: offers.CouponView) -> dict[str, Any]:
    return {**asdict(view), "code": view.shown_code}


@api.get(
    "/coupons/{code}",
    response_model=offers.CouponView,
    summary="Check a coupon at one of your hotels",
    dependencies=REDEEM,
)
def api_check(
    code: CodePath, session: SessionDep, scope: ScopeDep, hotel: Annotated[str, Query(max_length=20)]
) -> dict[str, Any]:
    return _coupon(offers.check_coupon(session, code, scope=scope, hotel_code=hotel, now=now_utc()))


@api.post(
    "/coupons/{code}/redeem",
    response_model=offers.CouponView,
    summary="Redeem a coupon with the bill's amount",
    dependencies=REDEEM,
)
def api_redeem(
    code: CodePath, body: RedeemIn, session: SessionDep, scope: ScopeDep, principal: CurrentPrincipal
) -> dict[str, Any]:
    view = offers.redeem_coupon(
        session, code, scope=scope, hotel_code=body.hotel_code, amount=body.amount, outlet=body.outlet,
        staff_id=principal.user_id, now=now_utc(), currency=body.currency,
    )  # fmt: skip
    return _coupon(view)


@api.put(
    "/campaigns/{campaign_id}/offer",
    response_model=CampaignOfferOut,
    summary="The offer a campaign's {{ coupon }} issues",
    dependencies=MANAGE,
)
def api_campaign_offer(
    campaign_id: RowId, body: CampaignOfferIn, session: SessionDep, scope: ScopeDep
) -> dict[str, int | None]:
    offer_id = offers.set_campaign_offer(
        session, campaign_id, scope=scope, offer_id=body.offer_id, now=now_utc()
    )
    return {"campaign_id": campaign_id, "offer_id": offer_id}


@api.get(
    "/campaigns/{campaign_id}/coupons",
    response_model=CampaignCouponsOut,
    summary="A campaign's coupons and revenue",
    dependencies=MANAGE,
)
def api_campaign_coupons(campaign_id: RowId, session: SessionDep, scope: ScopeDep) -> dict[str, Any]:
    return {
        "offer_id": offers.campaign_offer(session, campaign_id),
        **offers.campaign_coupon_results(session, campaign_id, scope=scope).as_dict(),
    }


def campaign_coupon_context(session: Session, scope: DataScope, campaign_id: int) -> dict[str, Any]:
    """What the campaign page shows of coupons: its offer, the offers to choose from, the results."""
    return {
        "campaign_offer": offers.campaign_offer(session, campaign_id),
        "offers": offers.list_offers(session, scope=scope, active_only=True),
        "coupons": offers.campaign_coupon_results(session, campaign_id, scope=scope),
    }


@router.post("/journeys/{journey_id}/coupon-step", dependencies=[allow(Permission.JOURNEY_MANAGE)])
def journey_coupon_step_page(
    journey_id: RowId,
    session: SessionDep,
    scope: ScopeDep,
    offer: Annotated[int, Form(ge=1, le=2**63 - 1)],
    key: Annotated[str, Form(max_length=20)] = "coupon",
    after: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    """The journey editor's form for an `issue_coupon` step (the rest is edited as JSON)."""
    journeys.add_coupon_step(
        session, journey_id, scope=scope, offer_id=offer, after=after or None, key=key, now=now_utc()
    )
    return RedirectResponse(f"/journeys/{journey_id}", status_code=303)

"""The front desk over HTTP: the arrivals list, a hotel's PMS feed switch and stay operations — as HTML
(forms) and as JSON under /api/v1. Thin adapters: the scope and every rule live in `frontdesk`.
Preferences and interactions on the guest's profile are in `routes_frontdesk_profile`."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from decimal import Decimal
from functools import partial
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from guestgraph import frontdesk, prompts
from guestgraph.access import Permission
from guestgraph.errors import Conflict, GuestgraphError, GuestNotFound, InvalidInput, NotFound
from guestgraph.web._answers import out_model
from guestgraph.web._auth import CurrentPrincipal, ScopeDep, allow
from guestgraph.web._deps import FactoryDep, SessionDep
from guestgraph.web._render import render
from guestgraph.web.routes_frontdesk_profile import PreferenceOut

router = APIRouter()
api = "/api/v1"
Operation = Literal["check-in", "check-out", "cancel", "no-show"]
OPERATION = {"check-in": "check_in", "check-out": "check_out", "cancel": "cancel", "no-show": "no_show"}


class ReservationIn(BaseModel):
    model_config = {"extra": "forbid"}
    guest_id: str = Field(max_length=20, description="The guest's public ID.")
    arrival: date
    departure: date
    room_type: str | None = Field(None, max_length=40)
    rate_plan: str | None = Field(None, max_length=40)
    amount: Decimal | None = Field(None, ge=0, max_digits=12, decimal_places=2)
    adults: int = Field(1, ge=1, le=20)
    children: int = Field(0, ge=0, le=20)


class StayChangeIn(BaseModel):
    model_config = {"extra": "forbid"}
    room_number: str | None = Field(None, max_length=20, description="Check-in: the room given.")
    id_type: str | None = Field(
        None, max_length=20, description=f"Check-in: {', '.join(frontdesk.ID_TYPES)}."
    )
    id_number: str | None = Field(None, max_length=64, description="Check-in: the number on the document.")


class ChargeIn(BaseModel):
    model_config = {"extra": "forbid"}
    outlet: str = Field(max_length=20, description=f"One of: {', '.join(frontdesk.OUTLETS)}.")
    amount: Decimal = Field(gt=0, max_digits=12, decimal_places=2)
    description: str | None = Field(None, max_length=200)


class PaymentIn(BaseModel):
    model_config = {"extra": "forbid"}
    method: str = Field(max_length=20, description=f"One of: {', '.join(frontdesk.PAYMENT_METHODS)}.")
    amount: Decimal = Field(gt=0, max_digits=12, decimal_places=2)
    reference: str | None = Field(None, max_length=64, description="A receipt, terminal or transfer number.")
    card_last4: str | None = Field(
        None, max_length=4, description="The last four digits of a card; never the card number."
    )


class PrimaryGuestIn(BaseModel):
    model_config = {"extra": "forbid"}
    guest_id: str = Field(
        max_length=20,
        description="The guest in the room: one of the stay's companions, or any guest in scope.",
    )
    reason: str = Field(
        min_length=1, max_length=frontdesk.REASON_MAX, description="Why (kept in the record)."
    )


class PmsFeedIn(BaseModel):
    model_config = {"extra": "forbid"}
    pms_feed: bool = Field(description="True: the hotel's stays come from its PMS (no stay operations here).")


# --- what the API answers (AC-04: only these keys leave; personal fields are masked in the data layer) ---


class AlertOut(BaseModel):
    kind: str = Field(description="do_not_rent, vip_arriving, allergy, complaint_last_stay or birthday.")
    detail: str | None


class ArrivalOut(BaseModel):
    confirmation_number: str
    arrival: date
    departure: date
    nights: int
    status: str
    room_number: str | None
    room_type: str | None
    rate_plan: str | None
    channel: str | None
    adults: int | None
    guest_public_id: str | None
    guest_name: str | None = Field(description="Masked.")
    loyalty_tier: str | None
    vip_level: str | None
    preferences: list[PreferenceOut]
    alerts: list[AlertOut]
    paid: Decimal | None = Field(None, description="Received against the folio so far (a deposit).")
    balance: Decimal | None = Field(None, description="Charges less payments; below zero a credit.")
    currency: str | None = None


class ArrivalsOut(BaseModel):
    hotel_code: str
    hotel_name_zh: str
    hotel_name_en: str
    day: frontdesk.Day
    date: date
    lines: list[ArrivalOut]
    pms_feed: bool


class OperationOut(BaseModel):
    hotel_code: str
    confirmation_number: str
    status: str = Field(description="The stay's status after the operation.")
    guest_public_id: str
    source_record_id: int = Field(description="The front-desk source record that holds the change.")
    batch_id: int
    balance: Decimal | None = Field(
        None,
        description="The folio's charges less its payments afterwards, in `currency` (none: empty folio). "
        "A check-out may leave a balance open (city ledger): the answer shows it.",
    )
    currency: str | None = None


PrimaryGuestChoiceOut = out_model(
    "PrimaryGuestChoiceOut",
    frontdesk.StayGuestChoice,
    module=__name__,
    describe={"guest_name": "Masked.", "role": "What the guest is on the stay now (companion, booker)."},
)


class PmsFeedOut(BaseModel):
    hotel_code: str
    pms_feed: bool


def _back(next_url: str | None, fallback: str) -> Response:
    target = next_url if next_url and next_url.startswith("/") and not next_url.startswith("//") else fallback
    return RedirectResponse(target, status_code=303)


# --- arrivals ---------------------------------------------------------------------------------------


@router.get("/arrivals", include_in_schema=False, dependencies=[allow(Permission.GUEST_READ)])
def arrivals_page(
    request: Request,
    session: SessionDep,
    scope: ScopeDep,
    hotel: Annotated[str | None, Query(max_length=20)] = None,
    day: frontdesk.Day = "today",
) -> Response:
    code = hotel or frontdesk.first_hotel_code(session, scope)
    board = prompts.arrivals_board(session, scope=scope, hotel_code=code, day=day) if code else None
    context = {
        "arrivals": board.arrivals if board else None,
        "board": board,
        "desk": frontdesk.desk_options(session, scope),
        "day": day,
        "active": "arrivals",
    }
    return render(request, "arrivals.html", context)


@router.get(
    f"{api}/hotels/{{code}}/arrivals", response_model=ArrivalsOut, dependencies=[allow(Permission.GUEST_READ)]
)
def api_arrivals(
    code: str, session: SessionDep, scope: ScopeDep, day: frontdesk.Day = "today"
) -> dict[str, Any]:
    """Today's or tomorrow's arrivals at a hotel in your scope, with each guest's preferences and alerts."""
    return asdict(frontdesk.list_arrivals(session, scope=scope, hotel_code=code, day=day))


@router.put(
    f"{api}/hotels/{{code}}/pms-feed",
    response_model=PmsFeedOut,
    dependencies=[allow(Permission.ADMIN_SETTINGS)],
)
def api_set_pms_feed(code: str, body: PmsFeedIn, session: SessionDep, scope: ScopeDep) -> dict[str, Any]:
    """Say whether a hotel's stays come from a PMS feed; the front desk operates stays only where not."""
    hotel = frontdesk.set_pms_feed(session, scope, code, pms_feed=body.pms_feed)
    return {"hotel_code": hotel.code, "pms_feed": hotel.pms_feed}


@router.post(
    "/hotels/{code}/pms-feed", include_in_schema=False, dependencies=[allow(Permission.ADMIN_SETTINGS)]
)
def set_pms_feed_form(
    code: str, session: SessionDep, scope: ScopeDep, pms_feed: Annotated[Literal["on", "off"], Form()]
) -> Response:
    frontdesk.set_pms_feed(session, scope, code, pms_feed=pms_feed == "on")
    return RedirectResponse(f"/arrivals?hotel={code}", status_code=303)


# --- stay operations ----------------------------------------------------------------------------------


async def _change(
    factory: FactoryDep,
    scope: ScopeDep,
    principal: CurrentPrincipal,
    code: str,
    conf: str,
    op: str,
    body: StayChangeIn,
) -> frontdesk.OperationResult:
    if op not in OPERATION:
        raise NotFound(f"No stay operation {op!r}.", hint=f"Use one of: {', '.join(OPERATION)}.")
    call = partial(
        frontdesk.change_stay,
        factory,
        scope=scope,
        hotel_code=code,
        confirmation_number=conf,
        operation=OPERATION[op],
        staff_user_id=principal.user_id,
        room_number=body.room_number,
        id_type=body.id_type,
        id_number=body.id_number,
    )
    return await run_in_threadpool(call)


async def _reserve(
    factory: FactoryDep, scope: ScopeDep, principal: CurrentPrincipal, code: str, body: ReservationIn
) -> frontdesk.OperationResult:
    reservation = frontdesk.NewReservation(
        code,
        body.guest_id,
        body.arrival,
        body.departure,
        body.room_type,
        body.rate_plan,
        body.amount,
        body.adults,
        body.children,
    )
    call = partial(
        frontdesk.create_reservation,
        factory,
        scope=scope,
        reservation=reservation,
        staff_user_id=principal.user_id,
    )
    return await run_in_threadpool(call)


async def _charge(
    factory: FactoryDep, scope: ScopeDep, principal: CurrentPrincipal, code: str, conf: str, body: ChargeIn
) -> frontdesk.OperationResult:
    call = partial(
        frontdesk.post_charge,
        factory,
        scope=scope,
        hotel_code=code,
        confirmation_number=conf,
        outlet=body.outlet,
        amount=body.amount,
        description=body.description,
        staff_user_id=principal.user_id,
    )
    return await run_in_threadpool(call)


async def _payment(
    factory: FactoryDep, scope: ScopeDep, principal: CurrentPrincipal, code: str, conf: str, body: PaymentIn
) -> frontdesk.OperationResult:
    call = partial(
        frontdesk.post_payment,
        factory,
        scope=scope,
        hotel_code=code,
        confirmation_number=conf,
        method=body.method,
        amount=body.amount,
        reference=body.reference,
        card_last4=body.card_last4,
        staff_user_id=principal.user_id,
    )
    return await run_in_threadpool(call)


@router.post(
    f"{api}/hotels/{{code}}/stays",
    status_code=201,
    response_model=OperationOut,
    dependencies=[allow(Permission.STAY_OPERATE)],
)
async def api_create_reservation(
    code: str, body: ReservationIn, factory: FactoryDep, scope: ScopeDep, principal: CurrentPrincipal
) -> dict[str, Any]:
    """Book a stay for a guest (hotels without a PMS feed); stored as a front-desk source record."""
    return asdict(await _reserve(factory, scope, principal, code, body))


@router.post(
    f"{api}/hotels/{{code}}/stays/{{conf}}/charges",
    status_code=201,
    response_model=OperationOut,
    dependencies=[allow(Permission.STAY_OPERATE)],
)
async def api_post_charge(
    code: str, conf: str, body: ChargeIn, factory: FactoryDep, scope: ScopeDep, principal: CurrentPrincipal
) -> dict[str, Any]:
    """Post a charge to a stay's folio (in house, or a late charge after check-out)."""
    return asdict(await _charge(factory, scope, principal, code, conf, body))


@router.post(
    f"{api}/hotels/{{code}}/stays/{{conf}}/payments",
    status_code=201,
    response_model=OperationOut,
    dependencies=[allow(Permission.STAY_OPERATE)],
)
async def api_post_payment(
    code: str, conf: str, body: PaymentIn, factory: FactoryDep, scope: ScopeDep, principal: CurrentPrincipal
) -> dict[str, Any]:
    """Post a payment to a stay's folio (a deposit, a settlement, city ledger); the answer has the balance."""
    return asdict(await _payment(factory, scope, principal, code, conf, body))


async def _name_primary(
    factory: FactoryDep,
    scope: ScopeDep,
    principal: CurrentPrincipal,
    code: str,
    conf: str,
    body: PrimaryGuestIn,
) -> frontdesk.OperationResult:
    call = partial(
        frontdesk.name_primary_guest,
        factory,
        scope=scope,
        hotel_code=code,
        confirmation_number=conf,
        guest_public_id=body.guest_id,
        reason=body.reason,
        staff_user_id=principal.user_id,
    )
    return await run_in_threadpool(call)


@router.get(
    f"{api}/hotels/{{code}}/stays/{{conf}}/primary-guest",
    response_model=list[PrimaryGuestChoiceOut],  # type: ignore[valid-type]
    dependencies=[allow(Permission.STAY_OPERATE)],
)
def api_primary_guest_choices(
    code: str, conf: str, session: SessionDep, scope: ScopeDep
) -> list[dict[str, Any]]:
    """The guests left on a stay (companions, its booker), names masked, that the desk may name its
    primary guest when it has none; any other guest in your scope may be named by its ID too."""
    choices = frontdesk.primary_guest_choices(session, scope=scope, hotel_code=code, confirmation_number=conf)
    return [asdict(c) for c in choices]


@router.post(  # before `{op}`: the first route whose path matches answers
    f"{api}/hotels/{{code}}/stays/{{conf}}/primary-guest",
    response_model=OperationOut,
    dependencies=[allow(Permission.STAY_OPERATE)],
)
async def api_name_primary_guest(
    code: str,
    conf: str,
    body: PrimaryGuestIn,
    factory: FactoryDep,
    scope: ScopeDep,
    principal: CurrentPrincipal,
) -> dict[str, Any]:
    """Name the primary guest of a stay that has none (its primary guest erased with the booking): the
    guest in the room, one of its companions or any guest in your scope, with a reason. A new version
    of the stay's front-desk record, audited; the stay's other operations then act for that guest."""
    return asdict(await _name_primary(factory, scope, principal, code, conf, body))


@router.post(
    f"{api}/hotels/{{code}}/stays/{{conf}}/{{op}}",
    response_model=OperationOut,
    dependencies=[allow(Permission.STAY_OPERATE)],
)
async def api_change_stay(
    code: str,
    conf: str,
    op: Operation,
    factory: FactoryDep,
    scope: ScopeDep,
    principal: CurrentPrincipal,
    body: StayChangeIn | None = None,
) -> dict[str, Any]:
    """Check in (room number and the ID document seen), check out, cancel or mark a no-show."""
    return asdict(await _change(factory, scope, principal, code, conf, op, body or StayChangeIn()))


@router.post(
    "/guests/{public_id}/stays", include_in_schema=False, dependencies=[allow(Permission.STAY_OPERATE)]
)
async def reserve_form(
    public_id: str,
    factory: FactoryDep,
    scope: ScopeDep,
    principal: CurrentPrincipal,
    hotel: Annotated[str, Form(max_length=20)],
    arrival: Annotated[date, Form()],
    departure: Annotated[date, Form()],
    room_type: Annotated[str, Form(max_length=40)] = "",
    amount: Annotated[Decimal | None, Form(ge=0, max_digits=12, decimal_places=2)] = None,
) -> Response:
    body = ReservationIn(
        guest_id=public_id, arrival=arrival, departure=departure, room_type=room_type or None, amount=amount
    )
    await _reserve(factory, scope, principal, hotel, body)
    return RedirectResponse(f"/guests/{public_id}#stays", status_code=303)


@router.post(
    "/stays/{code}/{conf}/charges", include_in_schema=False, dependencies=[allow(Permission.STAY_OPERATE)]
)
async def charge_form(
    code: str,
    conf: str,
    factory: FactoryDep,
    scope: ScopeDep,
    principal: CurrentPrincipal,
    outlet: Annotated[str, Form(max_length=20)],
    amount: Annotated[Decimal, Form(gt=0, max_digits=12, decimal_places=2)],
    description: Annotated[str, Form(max_length=200)] = "",
    next: Annotated[str, Form(max_length=300)] = "",  # noqa: A002 - the form field is `next`
) -> Response:
    result = await _charge(
        factory,
        scope,
        principal,
        code,
        conf,
        ChargeIn(outlet=outlet, amount=amount, description=description or None),
    )
    return _back(next, f"/guests/{result.guest_public_id}#stays")


@router.post(
    "/stays/{code}/{conf}/payments", include_in_schema=False, dependencies=[allow(Permission.STAY_OPERATE)]
)
async def payment_form(
    code: str,
    conf: str,
    factory: FactoryDep,
    scope: ScopeDep,
    principal: CurrentPrincipal,
    method: Annotated[str, Form(max_length=20)],
    amount: Annotated[Decimal, Form(gt=0, max_digits=12, decimal_places=2)],
    reference: Annotated[str, Form(max_length=64)] = "",
    card_last4: Annotated[str, Form(max_length=4)] = "",
    next: Annotated[str, Form(max_length=300)] = "",  # noqa: A002 - the form field is `next`
) -> Response:
    body = PaymentIn(method=method, amount=amount, reference=reference or None, card_last4=card_last4 or None)
    result = await _payment(factory, scope, principal, code, conf, body)
    return _back(next, f"/guests/{result.guest_public_id}#stays")


@router.get(
    "/stays/{code}/{conf}/primary-guest",
    include_in_schema=False,
    dependencies=[allow(Permission.STAY_OPERATE)],
)
def primary_guest_form(
    request: Request, code: str, conf: str, session: SessionDep, scope: ScopeDep
) -> Response:
    """The form naming a stay's primary guest (an HTMX fragment, on the page that said it has none)."""
    return _primary_guest_part(request, session, scope, code, conf)


@router.post(
    "/stays/{code}/{conf}/primary-guest",
    include_in_schema=False,
    dependencies=[allow(Permission.STAY_OPERATE)],
)
async def name_primary_guest_form(
    request: Request,
    code: str,
    conf: str,
    factory: FactoryDep,
    session: SessionDep,
    scope: ScopeDep,
    principal: CurrentPrincipal,
    reason: Annotated[str, Form(max_length=frontdesk.REASON_MAX)] = "",
    guest_id: Annotated[str, Form(max_length=20)] = "",
    other_guest_id: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    body = PrimaryGuestIn.model_construct(guest_id=other_guest_id.strip() or guest_id, reason=reason)
    if not request.headers.get("HX-Request"):
        result = await _name_primary(factory, scope, principal, code, conf, body)
        return RedirectResponse(f"/guests/{result.guest_public_id}#stays", status_code=303)
    try:
        result = await _name_primary(factory, scope, principal, code, conf, body)
    except (InvalidInput, GuestNotFound, Conflict) as e:  # said on the form; a stay out of scope: 404
        return _primary_guest_part(request, session, scope, code, conf, error=e, reason=reason)
    return Response(status_code=200, headers={"HX-Redirect": f"/guests/{result.guest_public_id}#stays"})


def _primary_guest_part(
    request: Request,
    session: SessionDep,
    scope: ScopeDep,
    code: str,
    conf: str,
    *,
    error: GuestgraphError | None = None,
    reason: str = "",
) -> Response:
    choices = frontdesk.primary_guest_choices(session, scope=scope, hotel_code=code, confirmation_number=conf)
    context = {"hotel": code, "conf": conf, "choices": choices, "error": error, "reason": reason}
    return render(request, "_primary_guest.html", context)


@router.post(
    "/stays/{code}/{conf}/{op}", include_in_schema=False, dependencies=[allow(Permission.STAY_OPERATE)]
)
async def change_form(
    code: str,
    conf: str,
    op: Operation,
    factory: FactoryDep,
    scope: ScopeDep,
    principal: CurrentPrincipal,
    room_number: Annotated[str, Form(max_length=20)] = "",
    id_type: Annotated[str, Form(max_length=20)] = "",
    id_number: Annotated[str, Form(max_length=64)] = "",
    next: Annotated[str, Form(max_length=300)] = "",  # noqa: A002 - the form field is `next`
) -> Response:
    body = StayChangeIn(room_number=room_number or None, id_type=id_type or None, id_number=id_number or None)
    result = await _change(factory, scope, principal, code, conf, op, body)
    return _back(next, f"/guests/{result.guest_public_id}#stays")

"""Stay operations over HTTP for hotels without a PMS feed: book a stay, check in, check out, cancel,
mark a no-show and name the primary guest of a stay that has none — as forms and as JSON under /api/v1.
Thin adapters: the scope and every rule live in `frontdesk`. A stay's folio is in `routes_folio`,
whose router comes first (its paths would otherwise match `{op}`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from datetime import date
from decimal import Decimal
from functools import partial
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from guestgraph import frontdesk
from guestgraph.access import Permission
from guestgraph.errors import Conflict, GuestgraphError, GuestNotFound, InvalidInput, NotFound
from guestgraph.web._answers import out_model
from guestgraph.web._auth import CurrentPrincipal, ScopeDep, allow
from guestgraph.web._deps import FactoryDep, SessionDep
from guestgraph.web._render import render

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


class PrimaryGuestIn(BaseModel):
    model_config = {"extra": "forbid"}
    guest_id: str = Field(
        max_length=20,
        description="The guest in the room: one of the stay's companions, or any guest in scope.",
    )
    reason: str = Field(
        min_length=1, max_length=frontdesk.REASON_MAX, description="Why (kept in the record)."
    )


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


def back(next_url: str | None, fallback: str) -> Response:
    target = next_url if next_url and next_url.startswith("/") and not next_url.startswith("//") else fallback
    return RedirectResponse(target, status_code=303)


async def at_desk(
    act: Callable[..., frontdesk.OperationResult],
    factory: FactoryDep,
    scope: ScopeDep,
    principal: CurrentPrincipal,
    code: str,
    conf: str,
    **values: Any,
) -> frontdesk.OperationResult:
    """Run an operation on a stay off the event loop, for the signed-in clerk, in their scope."""
    call = partial(
        act,
        factory,
        scope=scope,
        hotel_code=code,
        confirmation_number=conf,
        staff_user_id=principal.user_id,
        **values,
    )
    return await run_in_threadpool(call)


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
    values = body.model_dump()
    return await at_desk(
        frontdesk.change_stay, factory, scope, principal, code, conf, operation=OPERATION[op], **values
    )


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


async def _name_primary(
    factory: FactoryDep,
    scope: ScopeDep,
    principal: CurrentPrincipal,
    code: str,
    conf: str,
    body: PrimaryGuestIn,
) -> frontdesk.OperationResult:
    values = {"guest_public_id": body.guest_id, "reason": body.reason}
    return await at_desk(frontdesk.name_primary_guest, factory, scope, principal, code, conf, **values)


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
    return back(next, f"/guests/{result.guest_public_id}#stays")

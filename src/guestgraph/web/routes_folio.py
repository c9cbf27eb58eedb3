"""A stay's folio over HTTP: post a charge, post a payment, list the payments, refund, void a payment
posted in error — as forms (on the stay's operations page; refunds and voids in an HTMX part) and as
JSON under /api/v1. Thin adapters: the scope and every rule live in `frontdesk`. Its router is
included before `routes_stays`, whose `{op}` would match these paths too."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import asdict
from decimal import Decimal
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from guestgraph import frontdesk
from guestgraph.access import Permission
from guestgraph.errors import Conflict, GuestgraphError, InvalidInput
from guestgraph.web._answers import out_model
from guestgraph.web._auth import CurrentPrincipal, ScopeDep, allow
from guestgraph.web._deps import FactoryDep, SessionDep
from guestgraph.web._render import render
from guestgraph.web.routes_stays import OperationOut, at_desk, back

router = APIRouter()
api = "/api/v1"


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


class RefundIn(BaseModel):
    model_config = {"extra": "forbid"}
    method: str = Field(
        max_length=20, description=f"How it is given back: {', '.join(frontdesk.PAYMENT_METHODS)}."
    )
    amount: Decimal = Field(
        gt=0,
        max_digits=12,
        decimal_places=2,
        description="Given back (above zero): at most what the folio holds.",
    )
    reason: str = Field(
        min_length=1, max_length=frontdesk.REASON_MAX, description="Why (kept in the record)."
    )
    currency: str | None = Field(
        None, min_length=3, max_length=3, description="The money given back; the stay's currency by default."
    )
    reference: str | None = Field(None, max_length=64, description="A receipt, terminal or transfer number.")
    card_last4: str | None = Field(None, max_length=4, description="The last four digits of a card, if any.")


class VoidIn(BaseModel):
    model_config = {"extra": "forbid"}
    reason: str = Field(
        min_length=1, max_length=frontdesk.REASON_MAX, description="Why (kept in the record)."
    )


PaymentLineOut = out_model(
    "PaymentLineOut",
    frontdesk.FolioPaymentLine,
    module=__name__,
    describe={
        "payment_id": "What a void names.",
        "kind": "payment or refund.",
        "amount": "Below zero for a refund.",
        "voided_at": "Set when the payment was voided (posted in error): it counts for nothing.",
        "voidable": "Posted at the desk and not voided yet (a PMS voids its own lines).",
    },
)


async def _charge(
    factory: FactoryDep, scope: ScopeDep, principal: CurrentPrincipal, code: str, conf: str, body: ChargeIn
) -> frontdesk.OperationResult:
    return await at_desk(frontdesk.post_charge, factory, scope, principal, code, conf, **body.model_dump())


async def _payment(
    factory: FactoryDep, scope: ScopeDep, principal: CurrentPrincipal, code: str, conf: str, body: PaymentIn
) -> frontdesk.OperationResult:
    return await at_desk(frontdesk.post_payment, factory, scope, principal, code, conf, **body.model_dump())


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


@router.get(
    f"{api}/hotels/{{code}}/stays/{{conf}}/payments",
    response_model=list[PaymentLineOut],  # type: ignore[valid-type]
    dependencies=[allow(Permission.STAY_OPERATE)],
)
def api_stay_payments(code: str, conf: str, session: SessionDep, scope: ScopeDep) -> list[dict[str, Any]]:
    """The payments and refunds on a stay's folio, voided ones too, with the ids a void names."""
    lines = frontdesk.stay_payments(session, scope=scope, hotel_code=code, confirmation_number=conf)
    return [asdict(line) for line in lines]


@router.post(
    f"{api}/hotels/{{code}}/stays/{{conf}}/refunds",
    status_code=201,
    response_model=OperationOut,
    dependencies=[allow(Permission.STAY_OPERATE)],
)
async def api_refund(
    code: str, conf: str, body: RefundIn, factory: FactoryDep, scope: ScopeDep, principal: CurrentPrincipal
) -> dict[str, Any]:
    """Give money back against a stay's folio (a deposit, an overpayment), with a reason: never more than
    the folio holds in that currency. The answer has the balance."""
    values = body.model_dump()
    return asdict(await at_desk(frontdesk.refund_payment, factory, scope, principal, code, conf, **values))


@router.post(
    f"{api}/hotels/{{code}}/stays/{{conf}}/payments/{{payment_id}}/void",
    response_model=OperationOut,
    dependencies=[allow(Permission.STAY_OPERATE)],
)
async def api_void_payment(
    code: str,
    conf: str,
    payment_id: int,
    body: VoidIn,
    factory: FactoryDep,
    scope: ScopeDep,
    principal: CurrentPrincipal,
) -> dict[str, Any]:
    """Void a payment or refund posted in error at the desk, with a reason: kept and marked voided (a new
    version of its record), left out of the balance."""
    values = {"payment_id": payment_id, "reason": body.reason}
    return asdict(await at_desk(frontdesk.void_payment, factory, scope, principal, code, conf, **values))


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
    return back(next, f"/guests/{result.guest_public_id}#stays")


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
    return back(next, f"/guests/{result.guest_public_id}#stays")


@router.get(
    "/stays/{code}/{conf}/payments", include_in_schema=False, dependencies=[allow(Permission.STAY_OPERATE)]
)
def payments_part(
    request: Request,
    code: str,
    conf: str,
    session: SessionDep,
    scope: ScopeDep,
    next: Annotated[str, Query(max_length=300)] = "",  # noqa: A002 - the page to go back to
) -> Response:
    """The stay's payments with a void button each and the refund form (an HTMX part of the stay's row)."""
    return _payments_part(request, session, scope, code, conf, next_url=next)


@router.post(
    "/stays/{code}/{conf}/refunds", include_in_schema=False, dependencies=[allow(Permission.STAY_OPERATE)]
)
async def refund_form(
    request: Request,
    code: str,
    conf: str,
    factory: FactoryDep,
    session: SessionDep,
    scope: ScopeDep,
    principal: CurrentPrincipal,
    method: Annotated[str, Form(max_length=20)],
    amount: Annotated[Decimal, Form(gt=0, max_digits=12, decimal_places=2)],
    reason: Annotated[str, Form(max_length=frontdesk.REASON_MAX)] = "",
    reference: Annotated[str, Form(max_length=64)] = "",
    next: Annotated[str, Form(max_length=300)] = "",  # noqa: A002 - the form field is `next`
) -> Response:
    values = {"method": method, "amount": amount, "reason": reason, "reference": reference or None}
    act = partial(at_desk, frontdesk.refund_payment, factory, scope, principal, code, conf, **values)
    return await _corrected(request, session, scope, (code, conf), act, next)


@router.post(
    "/stays/{code}/{conf}/payments/{payment_id}/void",
    include_in_schema=False,
    dependencies=[allow(Permission.STAY_OPERATE)],
)
async def void_form(
    request: Request,
    code: str,
    conf: str,
    payment_id: int,
    factory: FactoryDep,
    session: SessionDep,
    scope: ScopeDep,
    principal: CurrentPrincipal,
    reason: Annotated[str, Form(max_length=frontdesk.REASON_MAX)] = "",
    next: Annotated[str, Form(max_length=300)] = "",  # noqa: A002 - the form field is `next`
) -> Response:
    values = {"payment_id": payment_id, "reason": reason}
    act = partial(at_desk, frontdesk.void_payment, factory, scope, principal, code, conf, **values)
    return await _corrected(request, session, scope, (code, conf), act, next)


async def _corrected(
    request: Request,
    session: SessionDep,
    scope: ScopeDep,
    stay: tuple[str, str],
    act: Callable[[], Awaitable[frontdesk.OperationResult]],
    next_url: str,
) -> Response:
    """A refund or void from the form: an HTMX request sees a refusal on the part (a stay out of scope
    is still a 404) and reloads its page when done (the part is on the page to go back to: a redirect to
    the same address with a #fragment would not reload it); a plain form post goes back."""
    if not request.headers.get("HX-Request"):
        result = await act()
        return back(next_url, f"/guests/{result.guest_public_id}#stays")
    try:
        result = await act()
    except (InvalidInput, Conflict, frontdesk.PaymentNotFound) as e:
        return _payments_part(request, session, scope, *stay, error=e, next_url=next_url)
    return Response(status_code=200, headers={"HX-Refresh": "true"})  # the part is on the page it returns to


def _payments_part(
    request: Request,
    session: SessionDep,
    scope: ScopeDep,
    code: str,
    conf: str,
    *,
    error: GuestgraphError | None = None,
    next_url: str = "",
) -> Response:
    lines = frontdesk.stay_payments(session, scope=scope, hotel_code=code, confirmation_number=conf)
    context = {
        "hotel": code,
        "conf": conf,
        "lines": lines,
        "error": error,
        "back": next_url,
        "desk": frontdesk.desk_options(session, scope),
    }
    return render(request, "_folio_payments.html", context)

"""A stay's folio over HTTP: post a charge, post a payment — as forms (on the stay's operations page) and
as JSON under /api/v1. Thin adapters: the scope and every rule live in `frontdesk`. Its router is
included before `routes_stays`, whose `{op}` would match these paths too."""

from __future__ import annotations

from dataclasses import asdict
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Form
from fastapi.responses import Response
from pydantic import BaseModel, Field

from guestgraph import frontdesk
from guestgraph.access import Permission
from guestgraph.web._auth import CurrentPrincipal, ScopeDep, allow
from guestgraph.web._deps import FactoryDep
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

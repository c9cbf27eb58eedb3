"""A stay's registration card and folio statement as PDF, for the front desk (page links) and under
/api/v1. Thin adapters: scope, masking, reveal and the audit event live in `frontdesk`."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from guestgraph import frontdesk
from guestgraph.access import Permission
from guestgraph.web._auth import CurrentPrincipal, allow
from guestgraph.web._deps import SessionDep, SettingsDep

router = APIRouter()
api = "/api/v1"
PDF: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/pdf": {}}, "description": "The document as PDF (A4, zh-CN and English)."}
}
Purpose = Annotated[
    str | None,
    Query(
        max_length=40,
        description="Print the ID number and phone in full for this purpose (needs guest.reveal; "
        "one of the reveal purposes, e.g. police_registration). Without it they are masked.",
    ),
]


def _font(settings: SettingsDep) -> frontdesk.DocumentFont:
    return frontdesk.document_font(settings.document_font)


FontDep = Annotated[frontdesk.DocumentFont, Depends(_font)]


def _pdf(document: frontdesk.StayDocument) -> Response:
    disposition = f'inline; filename="{document.filename}"'  # hotel code and confirmation only
    return Response(
        document.content, media_type=document.media_type, headers={"Content-Disposition": disposition}
    )


@router.get(
    "/stays/{code}/{conf}/registration-card.pdf",
    include_in_schema=False,
    dependencies=[allow(Permission.STAY_OPERATE)],
)
@router.get(
    f"{api}/hotels/{{code}}/stays/{{conf}}/registration-card.pdf",
    response_class=Response,
    responses=PDF,
    dependencies=[allow(Permission.STAY_OPERATE)],
)
def registration_card(
    code: str,
    conf: str,
    session: SessionDep,
    principal: CurrentPrincipal,
    font: FontDep,
    purpose: Purpose = None,
) -> Response:
    """The registration card of a stay in your scope for the guest to sign; ID number, phone and
    e-mail masked unless a purpose is given by a user who may reveal them."""
    document = frontdesk.stay_document(
        session,
        principal,
        kind="registration_card",
        hotel_code=code,
        confirmation_number=conf,
        font=font,
        purpose=purpose or None,
    )
    return _pdf(document)


@router.get(
    "/stays/{code}/{conf}/folio.pdf", include_in_schema=False, dependencies=[allow(Permission.STAY_OPERATE)]
)
@router.get(
    f"{api}/hotels/{{code}}/stays/{{conf}}/folio.pdf",
    response_class=Response,
    responses=PDF,
    dependencies=[allow(Permission.STAY_OPERATE)],
)
def folio(code: str, conf: str, session: SessionDep, principal: CurrentPrincipal, font: FontDep) -> Response:
    """The folio statement of a stay in your scope: charges by date and outlet, totals per outlet
    and in all."""
    document = frontdesk.stay_document(
        session, principal, kind="folio", hotel_code=code, confirmation_number=conf, font=font
    )
    return _pdf(document)

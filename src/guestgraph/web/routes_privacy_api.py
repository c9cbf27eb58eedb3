"""JSON API of the privacy package: the consent ledger and data-subject requests (thin adapters).
Rectification, the change feed, guest-list export and the ROPA are in `routes_privacy_records`."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from guestgraph import privacy
from guestgraph.access import Permission, Principal
from guestgraph.db.models import ConsentDecision, Jurisdiction, RequestKind, RequestStatus
from guestgraph.web._auth import CurrentPrincipal, ScopeDep, allow, now_utc
from guestgraph.web._deps import SessionDep, SettingsDep

api = APIRouter(prefix="/api/v1", tags=["privacy"])
MANAGE = [allow(Permission.PRIVACY_MANAGE)]
READ = [allow(Permission.GUEST_READ)]


class ConsentIn(BaseModel):
    model_config = {"extra": "forbid"}
    purpose: privacy.Purpose
    channel: privacy.Channel = privacy.Channel.NONE
    decision: ConsentDecision
    lawful_basis: privacy.LawfulBasis = privacy.LawfulBasis.CONSENT
    notice_version: str | None = Field(None, max_length=40, description="The privacy notice the guest saw.")
    evidence: str | None = Field(
        None, max_length=2000, description="What proves it: form, recording, message."
    )


class WithdrawIn(BaseModel):
    model_config = {"extra": "forbid"}
    evidence: str | None = Field(None, max_length=2000)


class RequestIn(BaseModel):
    model_config = {"extra": "forbid"}
    guest: str = Field(max_length=20, description="The guest's public ID.")
    kind: RequestKind
    jurisdiction: Jurisdiction = Jurisdiction.PIPL
    details: str | None = Field(None, max_length=2000, description="How and when it reached us.")


class ReasonIn(BaseModel):
    model_config = {"extra": "forbid"}
    reason: str | None = Field(None, max_length=1000)


# --- what the API answers (AC-04: only these keys leave) ------------------------------------------


class ConsentOut(BaseModel):
    id: int
    purpose: str
    channel: str
    decision: str
    lawful_basis: str
    source: str | None
    notice_version: str | None
    evidence: str | None
    recorded_at: datetime
    recorded_by_id: int | None
    source_record_id: int | None


class ConsentsOut(BaseModel):
    in_force: list[ConsentOut]
    history: list[ConsentOut]


class ConsentCheckOut(BaseModel):
    answer: Literal["granted", "denied", "unknown"]
    reason: str
    entry_id: int | None = Field(description="The consent entry the answer rests on.")


class WithdrawnOut(BaseModel):
    withdrawn: list[ConsentOut]


class RequestOut(BaseModel):
    id: int
    guest_public_id: str
    kind: str
    jurisdiction: str
    status: str
    received_at: datetime
    due_at: datetime
    overdue: bool
    days_left: int
    extended: bool
    extension_reason: str | None
    details: str | None
    closed_at: datetime | None
    refusal_reason: str | None
    outcome: dict[str, Any] = Field(description="What was done, e.g. the rows an erasure removed.")


class ExportedConsentOut(BaseModel):
    id: int
    purpose: str
    channel: str
    decision: str
    lawful_basis: str
    source: str | None
    notice_version: str | None
    evidence: str | None
    recorded_at: str
    recorded_by_id: int | None
    source_record_id: int | None


class GuestExportOut(BaseModel):
    format: str
    generated_at: str
    guest: str = Field(description="The guest's public ID.")
    processing: dict[str, Any] = Field(description="What the guest is told about the processing.")
    consents_in_force: list[ExportedConsentOut]
    tables: dict[str, list[dict[str, Any]]] = Field(
        description="Every row about the guest by table, every column: complete by design."
    )
    not_exported: dict[str, str] = Field(description="Tables left out, and why.")


def actor(principal: Principal) -> privacy.Actor:
    return privacy.Actor(
        principal.user_id, principal.can(Permission.PRIVACY_MANAGE), principal.can(Permission.STAY_OPERATE)
    )


@api.get(
    "/guests/{public_id}/consents",
    response_model=ConsentsOut,
    summary="Consents in force and their history",
    dependencies=READ,
)
def api_consents(public_id: str, session: SessionDep, scope: ScopeDep) -> dict[str, object]:
    guest_id = privacy.guest_id_for(session, scope=scope, public_id=public_id)
    now = now_utc()
    return {
        "in_force": [asdict(c) for c in privacy.current_consents(session, guest_id=guest_id, now=now)],
        "history": [asdict(c) for c in privacy.consent_history(session, guest_id=guest_id)],
    }


@api.get(
    "/guests/{public_id}/consents/check",
    response_model=ConsentCheckOut,
    summary="May this guest's data be used for a purpose over a channel? granted, denied or unknown",
    dependencies=READ,
)
def api_may_use(
    public_id: str,
    session: SessionDep,
    scope: ScopeDep,
    purpose: Annotated[privacy.Purpose, Query()],
    channel: Annotated[privacy.Channel, Query()] = privacy.Channel.NONE,
) -> dict[str, object]:
    guest_id = privacy.guest_id_for(session, scope=scope, public_id=public_id)
    answer = privacy.may_use(session, guest_id, purpose, channel, now=now_utc())
    return {"answer": answer.answer, "reason": answer.reason, "entry_id": answer.entry_id}


@api.post(
    "/guests/{public_id}/consents",
    status_code=201,
    response_model=ConsentOut,
    summary="Record a consent decision",
    dependencies=READ,
)
def api_record_consent(
    public_id: str, body: ConsentIn, session: SessionDep, scope: ScopeDep, principal: CurrentPrincipal
) -> dict[str, object]:
    entry = privacy.ConsentInput(
        body.purpose,
        body.channel,
        body.decision,
        "api",
        body.lawful_basis,
        body.notice_version,
        body.evidence,
    )
    row = privacy.record_guest_consent(
        session, scope=scope, public_id=public_id, entry=entry, actor=actor(principal), now=now_utc()
    )
    return asdict(row)


@api.post(
    "/guests/{public_id}/consents/withdraw",
    response_model=WithdrawnOut,
    summary="Withdraw every consent in force, at once",
    dependencies=READ,
)
def api_withdraw(
    public_id: str, body: WithdrawIn, session: SessionDep, scope: ScopeDep, principal: CurrentPrincipal
) -> dict[str, object]:
    rows = privacy.withdraw_guest_consents(
        session,
        scope=scope,
        public_id=public_id,
        actor=actor(principal),
        source="api",
        evidence=body.evidence,
        now=now_utc(),
    )
    return {"withdrawn": [asdict(r) for r in rows]}


@api.get(
    "/privacy/requests",
    response_model=list[RequestOut],
    summary="Data-subject requests, open first",
    dependencies=MANAGE,
)
def api_requests(
    session: SessionDep,
    scope: ScopeDep,
    status: RequestStatus | None = None,
    overdue: Annotated[bool, Query(description="Only open requests past their deadline.")] = False,
) -> list[dict[str, Any]]:
    rows = privacy.list_requests(session, scope=scope, now=now_utc(), status=status, overdue_only=overdue)
    return [asdict(r) for r in rows]


@api.post(
    "/privacy/requests",
    status_code=201,
    response_model=RequestOut,
    summary="Record a data-subject request",
    dependencies=MANAGE,
)
def api_open_request(
    body: RequestIn, session: SessionDep, scope: ScopeDep, settings: SettingsDep, principal: CurrentPrincipal
) -> dict[str, Any]:
    row = privacy.open_request(
        session,
        scope=scope,
        public_id=body.guest,
        kind=body.kind,
        jurisdiction=body.jurisdiction,
        details=body.details,
        recorded_by_id=principal.user_id,
        now=now_utc(),
        policy=privacy.DeadlinePolicy.from_settings(settings),
    )
    return asdict(row)


@api.get(
    "/privacy/requests/{request_id}",
    response_model=RequestOut,
    summary="One data-subject request",
    dependencies=MANAGE,
)
def api_request(request_id: int, session: SessionDep, scope: ScopeDep) -> dict[str, Any]:
    return asdict(privacy.get_request(session, request_id, scope=scope, now=now_utc()))


@api.post(
    "/privacy/requests/{request_id}/extend",
    response_model=RequestOut,
    summary="GDPR: extend by two months",
    dependencies=MANAGE,
)
def api_extend(
    request_id: int, body: ReasonIn, session: SessionDep, scope: ScopeDep, settings: SettingsDep
) -> dict[str, Any]:
    policy = privacy.DeadlinePolicy.from_settings(settings)
    row = privacy.extend_request(
        session, request_id, scope=scope, reason=body.reason, now=now_utc(), policy=policy
    )
    return asdict(row)


@api.post(
    "/privacy/requests/{request_id}/complete",
    response_model=RequestOut,
    summary="Mark a request done",
    dependencies=MANAGE,
)
def api_complete(
    request_id: int, session: SessionDep, scope: ScopeDep, principal: CurrentPrincipal
) -> dict[str, Any]:
    row = privacy.close_request(
        session,
        request_id,
        scope=scope,
        refused=False,
        reason=None,
        closed_by_id=principal.user_id,
        now=now_utc(),
    )
    return asdict(row)


@api.post(
    "/privacy/requests/{request_id}/refuse",
    response_model=RequestOut,
    summary="Refuse a request (the reason is required)",
    dependencies=MANAGE,
)
def api_refuse(
    request_id: int, body: ReasonIn, session: SessionDep, scope: ScopeDep, principal: CurrentPrincipal
) -> dict[str, Any]:
    row = privacy.close_request(
        session,
        request_id,
        scope=scope,
        refused=True,
        reason=body.reason,
        closed_by_id=principal.user_id,
        now=now_utc(),
    )
    return asdict(row)


@api.post(
    "/privacy/requests/{request_id}/erase",
    response_model=RequestOut,
    summary="Carry out an erasure request: erase the guest everywhere, keep anonymised stays",
    dependencies=MANAGE,
)
def api_erase(
    request_id: int, session: SessionDep, scope: ScopeDep, principal: CurrentPrincipal
) -> dict[str, Any]:
    row = privacy.fulfil_erasure(
        session, request_id, scope=scope, closed_by_id=principal.user_id, now=now_utc()
    )
    return asdict(row)


@api.get(
    "/privacy/guests/{public_id}/export",
    response_model=GuestExportOut,
    summary="The guest's complete data (access and portability request), machine-readable",
    dependencies=MANAGE,
)
def api_export(
    public_id: str, session: SessionDep, scope: ScopeDep, principal: CurrentPrincipal
) -> dict[str, Any]:
    return privacy.export_guest(
        session, scope=scope, public_id=public_id, actor_id=principal.user_id, now=now_utc()
    )

"""Data-subject requests: recorded by a compliance officer, each with the deadline its jurisdiction
sets, an overdue list, and closing them (done, or refused with the reason the guest is owed)."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case, select
from sqlalchemy.orm import Session

from guestgraph.access import DataScope, guest_visible
from guestgraph.config import Settings
from guestgraph.db.models import Guest, Jurisdiction, PrivacyRequest, RequestKind, RequestStatus
from guestgraph.errors import InvalidInput
from guestgraph.privacy._audit import privacy_event
from guestgraph.privacy._errors import ReasonRequired, RequestNotFound
from guestgraph.privacy._guests import aware, find_guest


@dataclass(frozen=True)
class DeadlinePolicy:
    """How long we have to answer: GDPR one month (+2 with notice, Art. 12(3)); PIPL "timely" (Art. 50),
    30 days by default after GB/T 35273 (configurable: `privacy_pipl_response_days`)."""

    pipl_days: int = 30
    gdpr_months: int = 1
    gdpr_extension_months: int = 2

    @classmethod
    def from_settings(cls, settings: Settings) -> DeadlinePolicy:
        return cls(
            settings.privacy_pipl_response_days,
            settings.privacy_gdpr_response_months,
            settings.privacy_gdpr_extension_months,
        )


def add_months(when: datetime, months: int) -> datetime:
    """The same day `months` later, or that month's last day (31 January + 1 month = 28/29 February)."""
    month0 = when.month - 1 + months
    year, month = when.year + month0 // 12, month0 % 12 + 1
    return when.replace(year=year, month=month, day=min(when.day, calendar.monthrange(year, month)[1]))


def due_date(
    received_at: datetime, jurisdiction: Jurisdiction, policy: DeadlinePolicy, *, extended: bool
) -> datetime:
    if jurisdiction is Jurisdiction.GDPR:
        return add_months(received_at, policy.gdpr_months + (policy.gdpr_extension_months if extended else 0))
    return received_at + timedelta(days=policy.pipl_days)


@dataclass(frozen=True)
class RequestRow:
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
    outcome: dict[str, Any]


def _row(r: PrivacyRequest, now: datetime) -> RequestRow:
    due = aware(r.due_at)
    is_open = r.status is RequestStatus.OPEN
    return RequestRow(
        r.id,
        r.guest_public_id,
        r.kind.value,
        r.jurisdiction.value,
        r.status.value,
        aware(r.received_at),
        due,
        is_open and due < now,
        (due - now).days,
        r.extended_at is not None,
        r.extension_reason,
        r.details,
        aware(r.closed_at) if r.closed_at else None,
        r.refusal_reason,
        dict(r.outcome or {}),
    )


def open_request(
    session: Session,
    *,
    scope: DataScope,
    public_id: str,
    kind: RequestKind,
    jurisdiction: Jurisdiction,
    details: str | None,
    recorded_by_id: int | None,
    now: datetime,
    policy: DeadlinePolicy,
) -> RequestRow:
    guest = find_guest(session, scope=scope, public_id=public_id)
    request = PrivacyRequest(
        guest_id=guest.id,
        guest_public_id=guest.public_id,
        kind=kind,
        jurisdiction=jurisdiction,
        received_at=now,
        due_at=due_date(now, jurisdiction, policy, extended=False),
        details=(details or "").strip() or None,
        recorded_by_id=recorded_by_id,
    )
    session.add(request)
    session.flush()
    privacy_event(
        session, "request.open", recorded_by_id, guest.public_id, {"request": request.id, "kind": kind.value}
    )
    return _row(request, now)


def load_request(session: Session, request_id: int, *, scope: DataScope) -> PrivacyRequest:
    query = select(PrivacyRequest).where(PrivacyRequest.id == request_id)
    if not scope.is_group:
        query = query.where(PrivacyRequest.guest_id.in_(select(Guest.id).where(guest_visible(scope))))
    request = session.scalar(query)
    if request is None:
        raise RequestNotFound(
            f"No data-subject request {request_id} in your data scope.", hint="See /privacy."
        )
    return request


def get_request(session: Session, request_id: int, *, scope: DataScope, now: datetime) -> RequestRow:
    return _row(load_request(session, request_id, scope=scope), now)


def _open(session: Session, request_id: int, scope: DataScope) -> PrivacyRequest:
    request = load_request(session, request_id, scope=scope)
    if request.status is not RequestStatus.OPEN:
        raise InvalidInput(
            f"Request {request_id} is already {request.status.value}.", hint="Record a new request."
        )
    return request


def extend_request(
    session: Session,
    request_id: int,
    *,
    scope: DataScope,
    reason: str | None,
    now: datetime,
    policy: DeadlinePolicy,
) -> RequestRow:
    """GDPR Art. 12(3): two more months for a complex request, telling the guest why."""
    request = _open(session, request_id, scope)
    if not (reason or "").strip():
        raise ReasonRequired("An extension needs the reason you tell the guest.", hint="Fill in the reason.")
    if (
        request.jurisdiction is not Jurisdiction.GDPR
        or request.extended_at is not None
        or not policy.gdpr_extension_months
    ):
        raise InvalidInput(
            f"Request {request_id} cannot be extended.",
            hint="Only a GDPR request may be extended, once; PIPL asks for a timely answer.",
        )
    request.extended_at = now
    request.extension_reason = (reason or "").strip()[:500]
    request.due_at = due_date(aware(request.received_at), request.jurisdiction, policy, extended=True)
    privacy_event(session, "request.extend", None, request.guest_public_id, {"request": request_id})
    return _row(request, now)


def close_request(
    session: Session,
    request_id: int,
    *,
    scope: DataScope,
    refused: bool,
    reason: str | None,
    closed_by_id: int | None,
    now: datetime,
    outcome: dict[str, Any] | None = None,
) -> RequestRow:
    """Done, or refused: a refusal without a reason is refused (422), since the guest is owed one."""
    request = _open(session, request_id, scope)
    if refused and not (reason or "").strip():
        raise ReasonRequired(
            "A refusal needs the reason given to the guest (GDPR 12(4), PIPL 50).",
            hint="Send the reason with the refusal.",
        )
    request.status = RequestStatus.REFUSED if refused else RequestStatus.COMPLETED
    request.refusal_reason = (reason or "").strip()[:1000] if refused else None
    request.closed_at = now
    request.closed_by_id = closed_by_id
    if outcome is not None:
        request.outcome = outcome
    privacy_event(
        session,
        "request." + request.status.value,
        closed_by_id,
        request.guest_public_id,
        {"request": request_id},
    )
    return _row(request, now)


def list_requests(
    session: Session,
    *,
    scope: DataScope,
    now: datetime,
    status: RequestStatus | None = None,
    overdue_only: bool = False,
) -> list[RequestRow]:
    """Open requests first, the nearest deadline first; `overdue_only` is the alert list."""
    is_open = case((PrivacyRequest.status == RequestStatus.OPEN, 0), else_=1)
    query = select(PrivacyRequest).order_by(is_open, PrivacyRequest.due_at, PrivacyRequest.id)
    if not scope.is_group:
        query = query.where(PrivacyRequest.guest_id.in_(select(Guest.id).where(guest_visible(scope))))
    if status is not None:
        query = query.where(PrivacyRequest.status == status)
    if overdue_only:
        query = query.where(PrivacyRequest.status == RequestStatus.OPEN, PrivacyRequest.due_at < now)
    return [_row(r, now) for r in session.scalars(query.limit(1000))]

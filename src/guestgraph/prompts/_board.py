"""Prompts as staff see them: one hotel's day grouped by department, the open prompts of some stays
(badges on the arrivals list), and ticking a prompt off. Always through the caller's data scope: a
prompt at a hotel outside it is answered exactly like one that does not exist."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, select, update
from sqlalchemy.orm import Session, aliased

from guestgraph import audit
from guestgraph.access import DataScope, hotel_in_scope, hotel_visible, mask_name
from guestgraph.db.models import (
    Guest,
    Hotel,
    PromptRule,
    PromptStatus,
    ServicePrompt,
    StaffUser,
    Stay,
)
from guestgraph.frontdesk import hotel_today
from guestgraph.prompts._conditions import DEPARTMENTS, REASONS, reason_text
from guestgraph.prompts._details import prompt_details
from guestgraph.prompts._errors import PromptNotFound, PromptNotOpen

SHOWN = (PromptStatus.OPEN, PromptStatus.DONE)


@dataclass(frozen=True)
class PromptLine:
    id: int
    department: str
    rule_code: str
    rule_name_zh: str
    rule_name_en: str
    reason: str  # in English; pages translate `reason_template` with `reason_detail`
    reason_kind: str
    reason_detail: str | None
    due_on: date
    status: str
    hotel_code: str
    confirmation_number: str
    room_number: str | None
    guest_public_id: str
    guest_name: str | None  # masked
    done_at: datetime | None = None
    done_by: str | None = None

    @property
    def reason_template(self) -> str:
        return REASONS.get(self.reason_kind, "%(detail)s")

    def rule_name(self, locale: str) -> str:
        return self.rule_name_zh if locale == "zh_CN" else self.rule_name_en


@dataclass(frozen=True)
class Department:
    code: str
    prompts: list[PromptLine]

    @property
    def open(self) -> int:
        return sum(1 for p in self.prompts if p.status == PromptStatus.OPEN)


@dataclass(frozen=True)
class PromptDay:
    hotel_code: str
    hotel_name_zh: str
    hotel_name_en: str
    date: date
    departments: list[Department] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(len(d.prompts) for d in self.departments)


def in_scope(scope: DataScope) -> ColumnElement[bool]:
    """A WHERE clause on ServicePrompt: its hotel is in the scope."""
    return ServicePrompt.hotel_id.in_(select(Hotel.id).where(hotel_visible(scope)))


def _lines() -> Select[ServicePrompt, PromptRule, Stay, Guest, str, str]:
    done_by = aliased(StaffUser)
    return (
        select(ServicePrompt, PromptRule, Stay, Guest, Hotel.code, done_by.display_name)
        .join(PromptRule, PromptRule.id == ServicePrompt.rule_id)
        .join(Hotel, Hotel.id == ServicePrompt.hotel_id)
        .join(Stay, Stay.id == ServicePrompt.stay_id)
        .join(Guest, Guest.id == ServicePrompt.guest_id)
        .join(done_by, done_by.id == ServicePrompt.done_by_id, isouter=True)
    )


def _line_of(
    p: ServicePrompt,
    rule: PromptRule,
    stay: Stay,
    guest: Guest,
    hotel_code: str,
    done_by: str | None,
    detail: str | None,
) -> PromptLine:
    return PromptLine(
        p.id,
        p.department,
        rule.code,
        rule.name_zh,
        rule.name_en,
        reason_text(p.reason_kind, detail),
        p.reason_kind,
        detail,
        p.due_on,
        p.status.value,
        hotel_code,
        stay.confirmation_number,
        stay.room_number,
        guest.public_id,
        mask_name(guest.full_name),
        p.done_at,
        done_by,
    )


def _lines_of(session: Session, rows: Sequence[Any]) -> list[PromptLine]:
    """The rows of `_lines()` as lines, their sealed details opened in one pass."""
    details = prompt_details(session, (r[0] for r in rows))
    return [
        _line_of(p, rule, stay, guest, code, done_by, detail)
        for (p, rule, stay, guest, code, done_by), detail in zip(rows, details, strict=True)
    ]


def prompt_day(
    session: Session,
    *,
    scope: DataScope,
    hotel_code: str,
    day: date | None = None,
    now: datetime | None = None,
) -> PromptDay:
    """The open and ticked-off prompts of the stays arriving at a hotel in scope on `day` (default:
    the hotel's today), by department; withdrawn prompts are left out."""
    hotel = hotel_in_scope(session, scope, hotel_code)
    day = day or hotel_today(hotel, now)
    rows = session.execute(
        _lines()
        .where(
            ServicePrompt.hotel_id == hotel.id, ServicePrompt.due_on == day, ServicePrompt.status.in_(SHOWN)
        )
        .order_by(ServicePrompt.status.desc(), Stay.confirmation_number, ServicePrompt.id)
    ).all()
    lines = _lines_of(session, rows)
    departments = [Department(d, [x for x in lines if x.department == d]) for d in DEPARTMENTS]
    return PromptDay(hotel.code, hotel.name_zh, hotel.name_en, day, [d for d in departments if d.prompts])


def prompts_of_stays(
    session: Session, *, scope: DataScope, stay_ids: list[int]
) -> dict[int, list[PromptLine]]:
    """The open and done prompts of these stays (in scope), by stay id: the arrivals list's badges."""
    if not stay_ids:
        return {}
    rows = session.execute(
        _lines()
        .where(ServicePrompt.stay_id.in_(stay_ids), ServicePrompt.status.in_(SHOWN), in_scope(scope))
        .order_by(ServicePrompt.department, ServicePrompt.id)
    ).all()
    out: dict[int, list[PromptLine]] = {}
    for r, line in zip(rows, _lines_of(session, rows), strict=True):
        out.setdefault(r[0].stay_id, []).append(line)
    return out


def mark_done(
    session: Session, *, scope: DataScope, prompt_id: int, user_id: int | None, now: datetime
) -> PromptLine:
    """Tick an open prompt off, recording who and when; audited (`prompt.done`)."""
    found = session.execute(_lines().where(ServicePrompt.id == prompt_id, in_scope(scope))).first()
    if found is None:
        raise PromptNotFound(
            f"No prompt {prompt_id} at a hotel in your data scope.", hint="Reload the prompts."
        )
    changed = session.execute(
        update(ServicePrompt)
        .where(and_(ServicePrompt.id == prompt_id, ServicePrompt.status == PromptStatus.OPEN))
        .values(status=PromptStatus.DONE, done_at=now, done_by_id=user_id)
        .execution_options(synchronize_session=False)
    )
    if not changed.rowcount:  # type: ignore[attr-defined]
        raise PromptNotOpen(
            f"Prompt {prompt_id} is {found[0].status.value}, not open.",
            hint="Reload the prompts: someone ticked it off, or the booking changed.",
        )
    prompt, rule, stay, guest, _code, _by = found
    session.expire(prompt)
    audit.log_event(
        session,
        "prompt.done",
        guest_public_id=guest.public_id,
        object_type="service_prompt",
        object_id=str(prompt_id),
        details={"rule": rule.code, "department": prompt.department, "stay": stay.confirmation_number},
    )
    again = session.execute(_lines().where(ServicePrompt.id == prompt_id)).one()
    return _lines_of(session, [again])[0]

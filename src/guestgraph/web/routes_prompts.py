"""Service prompts over HTTP: a hotel's prompts for a day by department with HTMX tick-off, the rule
editor, and the JSON API (`/api/v1/prompts`, `/api/v1/prompt-rules`). Thin adapters: scope, rules
and audit live in `prompts`."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from guestgraph import frontdesk, prompts
from guestgraph.access import DataScope, Permission
from guestgraph.errors import GuestgraphError, InvalidInput
from guestgraph.web._auth import CurrentPrincipal, ScopeDep, allow, now_utc
from guestgraph.web._deps import RowId, SessionDep
from guestgraph.web._render import render

router = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api/v1", tags=["prompts"])
VIEW = [allow(Permission.PROMPTS_VIEW)]
MANAGE = [allow(Permission.PROMPTS_MANAGE)]
HotelQuery = Annotated[
    str | None, Query(max_length=20, description="Hotel code (default: your first hotel).")
]
DateQuery = Annotated[date | None, Query(description="The arrival day (default: the hotel's today).")]


class RuleIn(BaseModel):
    model_config = {"extra": "forbid"}
    code: str = Field(max_length=40, description="Letters, digits, '-' or '_'; fixed once created.")
    name_zh: str = Field(max_length=120)
    name_en: str = Field(max_length=120)
    department: str = Field(max_length=20, description=", ".join(prompts.DEPARTMENTS))
    condition: dict[str, Any] = Field(
        description='e.g. {"type": "children", "at_least": 1}, {"type": "alert", "kind": "allergy"}, '
        '{"type": "mentions", "words": ["pet"]}, {"type": "tag", "tag": "vip"}'
    )
    hotel: str | None = Field(
        None,
        max_length=20,
        description="The code of the one hotel the rule applies to; null: every hotel of the group "
        "(group-scoped staff only).",
    )

    def rule(self) -> prompts.RuleInput:
        return prompts.RuleInput(
            self.code, self.name_zh, self.name_en, self.department, self.condition, self.hotel
        )


class GenerateIn(BaseModel):
    model_config = {"extra": "forbid"}
    hotel: str = Field(max_length=20)
    date: date
    days: int = Field(1, ge=1, le=31)


class RulesOut(BaseModel):
    """What the API answers of the rules (AC-04: only these keys leave)."""

    items: list[prompts.RuleRow]


def _hotel(session: Session, scope: DataScope, hotel: str | None) -> str | None:
    return hotel or frontdesk.first_hotel_code(session, scope)


def _back(hotel: str, day: date) -> Response:
    return RedirectResponse(f"/prompts?hotel={hotel}&date={day.isoformat()}", status_code=303)


@router.get("/prompts", dependencies=VIEW)
def prompts_page(
    request: Request, session: SessionDep, scope: ScopeDep, hotel: HotelQuery = None, date: DateQuery = None
) -> Response:
    code = _hotel(session, scope, hotel)
    board = prompts.prompt_day(session, scope=scope, hotel_code=code, day=date) if code else None
    context = {
        "board": board,
        "desk": frontdesk.desk_options(session, scope),
        "active": "prompts",
        "next_day": board.date + timedelta(days=1) if board else None,
        "previous_day": board.date - timedelta(days=1) if board else None,
    }
    return render(request, "prompts.html", context)


@router.post("/prompts/{prompt_id}/done", dependencies=VIEW)
def done_form(
    request: Request, prompt_id: RowId, session: SessionDep, scope: ScopeDep, principal: CurrentPrincipal
) -> Response:
    line = prompts.mark_done(
        session, scope=scope, prompt_id=prompt_id, user_id=principal.user_id, now=now_utc()
    )
    if request.headers.get("HX-Request"):
        return render(request, "_prompt_row.html", {"p": line})
    return _back(line.hotel_code, line.due_on)


@router.post("/prompts/generate", dependencies=VIEW)
def generate_form(
    session: SessionDep,
    scope: ScopeDep,
    hotel: Annotated[str, Form(max_length=20)],
    day: Annotated[date, Form()],
) -> Response:
    prompts.generate_at(session, scope=scope, hotel_code=hotel, first=day, now=now_utc())
    return _back(hotel, day)


# --- rules ------------------------------------------------------------------------------------------


def _rules_page(
    request: Request,
    session: Session,
    scope: DataScope,
    error: GuestgraphError | None = None,
    **extra: Any,
) -> Response:
    context = {
        "page": prompts.rules_page(session, scope=scope),
        "departments": prompts.DEPARTMENTS,
        "error": error,
        "active": "prompts",
        **extra,
    }
    return render(request, "prompt_rules.html", context, status_code=error.status if error else 200)


@router.get("/prompts/rules", dependencies=MANAGE)
def rules_page(request: Request, session: SessionDep, scope: ScopeDep) -> Response:
    return _rules_page(request, session, scope)


def _condition(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as e:
        raise InvalidInput(f"The condition is not JSON: {e.msg}.", hint='e.g. {"type": "children"}') from e
    if not isinstance(value, dict):
        raise InvalidInput("The condition must be a JSON object.", hint='e.g. {"type": "children"}')
    return value


@router.post("/prompts/rules", dependencies=MANAGE)
def save_rule_form(
    request: Request,
    session: SessionDep,
    scope: ScopeDep,
    principal: CurrentPrincipal,
    code: Annotated[str, Form(max_length=40)],
    name_zh: Annotated[str, Form(max_length=120)],
    name_en: Annotated[str, Form(max_length=120)],
    department: Annotated[str, Form(max_length=20)],
    condition: Annotated[str, Form(max_length=4000)],
    hotel: Annotated[str, Form(max_length=20)] = "",  # "": every hotel of the group
    rule_id: Annotated[int | None, Form(ge=1, le=2**63 - 1)] = None,
) -> Response:
    try:
        rule = prompts.RuleInput(code, name_zh, name_en, department, _condition(condition), hotel or None)
        prompts.save_rule(session, rule, scope=scope, by=principal.user_id, rule_id=rule_id)
    except GuestgraphError as e:
        session.rollback()
        form = {"code": code, "condition": condition, "hotel": hotel} if rule_id is None else None
        return _rules_page(request, session, scope, e, form=form)
    return RedirectResponse("/prompts/rules", status_code=303)


@router.post("/prompts/rules/{rule_id}/{action}", dependencies=MANAGE)
def rule_active_form(
    rule_id: RowId, action: str, session: SessionDep, scope: ScopeDep, principal: CurrentPrincipal
) -> Response:
    if action not in ("retire", "restore"):
        raise InvalidInput(f"No rule action {action!r}.", hint="Use retire or restore.")
    prompts.set_rule_active(session, rule_id, scope=scope, active=action == "restore", by=principal.user_id)
    return RedirectResponse("/prompts/rules", status_code=303)


# --- API ----------------------------------------------------------------------------------------------


@api.get(
    "/prompts",
    response_model=prompts.PromptDay,
    summary="A hotel's service prompts for a day, by department",
    dependencies=VIEW,
)
def api_prompts(
    session: SessionDep, scope: ScopeDep, hotel: HotelQuery = None, date: DateQuery = None
) -> prompts.PromptDay:
    code = _hotel(session, scope, hotel)
    if code is None:
        raise InvalidInput("No hotel in your data scope.", hint="Ask an administrator for a hotel scope.")
    return prompts.prompt_day(session, scope=scope, hotel_code=code, day=date)


@api.post(
    "/prompts/{prompt_id}/done",
    response_model=prompts.PromptLine,
    summary="Tick a prompt off",
    dependencies=VIEW,
)
def api_done(
    prompt_id: RowId, session: SessionDep, scope: ScopeDep, principal: CurrentPrincipal
) -> prompts.PromptLine:
    return prompts.mark_done(
        session, scope=scope, prompt_id=prompt_id, user_id=principal.user_id, now=now_utc()
    )


@api.post(
    "/prompts/generate",
    response_model=prompts.GenerateReport,
    summary="Generate a hotel's prompts for a day (or days) now",
    dependencies=VIEW,
)
def api_generate(body: GenerateIn, session: SessionDep, scope: ScopeDep) -> prompts.GenerateReport:
    last = body.date + timedelta(days=body.days - 1)
    return prompts.generate_at(
        session, scope=scope, hotel_code=body.hotel, first=body.date, last=last, now=now_utc()
    )


@api.get(
    "/prompt-rules",
    response_model=RulesOut,
    summary="The service prompt rules in your scope (group-wide ones and your hotels' ones)",
    dependencies=MANAGE,
)
def api_rules(session: SessionDep, scope: ScopeDep) -> dict[str, Any]:
    return {"items": prompts.list_rules(session, scope=scope)}


@api.post(
    "/prompt-rules",
    response_model=prompts.RuleRow,
    status_code=201,
    summary="Add a service prompt rule",
    dependencies=MANAGE,
)
def api_add_rule(
    body: RuleIn, session: SessionDep, scope: ScopeDep, principal: CurrentPrincipal
) -> prompts.RuleRow:
    return prompts.save_rule(session, body.rule(), scope=scope, by=principal.user_id)


@api.put(
    "/prompt-rules/{rule_id}",
    response_model=prompts.RuleRow,
    summary="Change a service prompt rule",
    dependencies=MANAGE,
)
def api_change_rule(
    rule_id: RowId, body: RuleIn, session: SessionDep, scope: ScopeDep, principal: CurrentPrincipal
) -> prompts.RuleRow:
    return prompts.save_rule(session, body.rule(), scope=scope, by=principal.user_id, rule_id=rule_id)


@api.post(
    "/prompt-rules/{rule_id}/retire",
    response_model=prompts.RuleRow,
    summary="Retire a service prompt rule",
    dependencies=MANAGE,
)
def api_retire_rule(
    rule_id: RowId, session: SessionDep, scope: ScopeDep, principal: CurrentPrincipal
) -> prompts.RuleRow:
    return prompts.set_rule_active(session, rule_id, scope=scope, active=False, by=principal.user_id)

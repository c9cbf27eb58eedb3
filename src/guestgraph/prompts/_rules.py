"""Prompt rules as data: the shipped defaults (rules/default.yaml, inserted once by code, for every
hotel) and the rules staff add, edit, retire and restore. Every change is audited.

A rule applies to every hotel of the group (`hotel_id` NULL) or to one hotel. The data scope decides
who sees and writes which: group-scoped staff every rule, for any hotel or all of them; staff of some
hotels (a hotel or a region scope) see the group-wide rules, read-only, and the rules of their own
hotels, which they write. A rule of a hotel outside the scope looks like one that does not exist."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from guestgraph import audit
from guestgraph.access import DataScope, hotel_id_visible, hotel_in_scope
from guestgraph.db.models import Hotel, PromptRule
from guestgraph.errors import ConfigurationError, Conflict, InvalidInput
from guestgraph.frontdesk import HotelChoice, hotel_choices
from guestgraph.prompts._conditions import DEPARTMENTS, Condition, parse_condition
from guestgraph.prompts._errors import PromptRuleGroupWide, PromptRuleNotFound

DEFAULT_RULES = Path(__file__).parent / "rules" / "default.yaml"


@dataclass(frozen=True)
class RuleInput:
    """A rule as staff write it; `condition` is the JSON form (see _conditions)."""

    code: str
    name_zh: str
    name_en: str
    department: str
    condition: dict[str, Any]
    hotel: str | None = None  # a hotel's code; None: every hotel of the group


@dataclass(frozen=True)
class RuleRow:
    id: int
    code: str
    name_zh: str
    name_en: str
    department: str
    condition: dict[str, Any]
    active: bool
    shipped: bool
    updated_at: datetime
    hotel: str | None  # the hotel's code; None: every hotel of the group
    editable: bool  # the caller's scope may change, retire and restore it

    def name(self, locale: str) -> str:
        return self.name_zh if locale == "zh_CN" else self.name_en


@cache
def default_rules(path: Path = DEFAULT_RULES) -> tuple[RuleInput, ...]:
    """The shipped rules, checked."""
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as e:
        raise ConfigurationError(f"Cannot read the prompt rules {path}: {e}", hint="Fix the YAML.") from e
    out = []
    for code, spec in (doc.get("rules") or {}).items():
        rule = RuleInput(str(code), spec["zh"], spec["en"], spec["department"], spec["when"])
        try:
            _checked(rule)
        except InvalidInput as e:
            raise ConfigurationError(f"{path}: rule {code!r}: {e.message}", hint=e.hint) from e
        out.append(rule)
    return tuple(out)


def _checked(rule: RuleInput) -> tuple[RuleInput, Condition]:
    code = rule.code.strip()
    if not (1 <= len(code) <= 40) or not code.replace("_", "").replace("-", "").isalnum():
        raise InvalidInput(
            f"The rule code {rule.code!r} is not valid.",
            hint="Use 1 to 40 letters, digits, '-' or '_', e.g. pet_bed.",
        )
    if rule.department not in DEPARTMENTS:
        raise InvalidInput(
            f"Unknown department {rule.department!r}.", hint=f"Use one of: {', '.join(DEPARTMENTS)}."
        )
    names = (rule.name_zh.strip(), rule.name_en.strip())
    if not all(1 <= len(n) <= 120 for n in names):
        raise InvalidInput(
            "A rule needs a Chinese and an English name of 1 to 120 characters.", hint="Name both."
        )
    condition = parse_condition(rule.condition, where=f"rule {code}")
    clean = RuleInput(
        code, *names, rule.department, condition.model_dump(), (rule.hotel or "").strip() or None
    )
    return clean, condition


def ensure_default_rules(session: Session) -> int:
    """Insert the shipped rules whose code is not there yet (an edited or retired one stays as staff
    left it); returns how many were added."""
    have = set(session.scalars(select(PromptRule.code)))
    added = [r for r in default_rules() if r.code not in have]
    for r in added:
        session.add(
            PromptRule(
                code=r.code,
                name_zh=r.name_zh,
                name_en=r.name_en,
                department=r.department,
                condition=r.condition,
                shipped=True,
            )
        )
    session.flush()
    return len(added)


def _row(rule: PromptRule, hotel_code: str | None, scope: DataScope) -> RuleRow:
    return RuleRow(
        rule.id,
        rule.code,
        rule.name_zh,
        rule.name_en,
        rule.department,
        rule.condition,
        rule.active,
        rule.shipped,
        rule.updated_at,
        hotel_code,
        scope.is_group or rule.hotel_id is not None,  # a visible hotel rule is in scope
    )


def list_rules(session: Session, *, scope: DataScope) -> list[RuleRow]:
    """The rules the scope sees (group-wide ones and those of its hotels), active ones first, by
    department, hotel (group-wide first) and code."""
    rows = session.execute(
        select(PromptRule, Hotel.code)
        .outerjoin(Hotel, Hotel.id == PromptRule.hotel_id)
        .where(hotel_id_visible(PromptRule.hotel_id, scope))
        .order_by(
            PromptRule.active.desc(),
            PromptRule.department,
            PromptRule.hotel_id.is_not(None),
            Hotel.code,
            PromptRule.code,
        )
    )
    return [_row(r, code, scope) for r, code in rows]


@dataclass(frozen=True)
class RulesPage:
    """The rule editor: the rules the scope sees, and the hotels a rule may be written for."""

    rules: list[RuleRow]
    hotels: list[HotelChoice]  # the hotels in scope
    all_hotels: bool  # the scope may write a rule for every hotel (group scope)


def rules_page(session: Session, *, scope: DataScope) -> RulesPage:
    return RulesPage(list_rules(session, scope=scope), hotel_choices(session, scope), scope.is_group)


def _group_wide() -> PromptRuleGroupWide:
    return PromptRuleGroupWide(
        "Only group-scoped staff write a rule for every hotel of the group.",
        hint="Choose one of your hotels for the rule; "
        "a group-wide rule is changed by a group-scoped colleague.",
    )


def _rule(session: Session, rule_id: int, scope: DataScope) -> PromptRule:
    """The rule, if the scope may change it: not found if it is not there or belongs to a hotel
    outside the scope; refused if it is group-wide and the scope is not the group."""
    rule = session.scalar(
        select(PromptRule).where(PromptRule.id == rule_id, hotel_id_visible(PromptRule.hotel_id, scope))
    )
    if rule is None:
        raise PromptRuleNotFound(f"No prompt rule {rule_id} in your scope.", hint="Reload the rule list.")
    if rule.hotel_id is None and not scope.is_group:
        raise _group_wide()
    return rule


def _hotel(session: Session, scope: DataScope, rule: RuleInput) -> Hotel | None:
    if rule.hotel is None:
        if not scope.is_group:
            raise _group_wide()
        return None
    return hotel_in_scope(session, scope, rule.hotel)


def save_rule(
    session: Session, rule: RuleInput, *, scope: DataScope, by: int | None, rule_id: int | None = None
) -> RuleRow:
    """Add a rule, or change one (its code stays), for every hotel or one hotel in the scope; the
    next generation applies it (and withdraws its open prompts where it no longer applies)."""
    clean, _ = _checked(rule)
    row = None if rule_id is None else _rule(session, rule_id, scope)
    hotel = _hotel(session, scope, clean)
    if row is None:
        if session.scalar(select(PromptRule.id).where(PromptRule.code == clean.code)) is not None:
            raise Conflict(
                f"A rule with the code {clean.code!r} exists.",
                hint="Choose another code: codes are unique across the group.",
            )
        row = PromptRule(code=clean.code)
        session.add(row)
    row.name_zh, row.name_en, row.department = clean.name_zh, clean.name_en, clean.department
    row.condition, row.updated_by_id = clean.condition, by
    row.hotel_id = hotel.id if hotel else None
    session.flush()
    audit.log_event(
        session,
        "prompt_rule.create" if rule_id is None else "prompt_rule.update",
        object_type="prompt_rule",
        object_id=row.code,
        details={
            "department": row.department,
            "condition": row.condition,
            "hotel": hotel.code if hotel else None,
        },
    )
    return _row(row, hotel.code if hotel else None, scope)


def set_rule_active(
    session: Session, rule_id: int, *, scope: DataScope, active: bool, by: int | None
) -> RuleRow:
    """Retire a rule (its open prompts are withdrawn at the next generation) or restore it."""
    row = _rule(session, rule_id, scope)
    row.active, row.updated_by_id = active, by
    session.flush()
    code = session.scalar(select(Hotel.code).where(Hotel.id == row.hotel_id)) if row.hotel_id else None
    audit.log_event(
        session,
        "prompt_rule.restore" if active else "prompt_rule.retire",
        object_type="prompt_rule",
        object_id=row.code,
        details={"hotel": code},
    )
    return _row(row, code, scope)

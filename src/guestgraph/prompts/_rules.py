"""Prompt rules as data: the shipped defaults (rules/default.yaml, inserted once by code) and the
rules staff add, edit, retire and restore. Every change is audited."""

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
from guestgraph.db.models import PromptRule
from guestgraph.errors import ConfigurationError, Conflict, InvalidInput
from guestgraph.prompts._conditions import DEPARTMENTS, Condition, parse_condition
from guestgraph.prompts._errors import PromptRuleNotFound

DEFAULT_RULES = Path(__file__).parent / "rules" / "default.yaml"


@dataclass(frozen=True)
class RuleInput:
    """A rule as staff write it; `condition` is the JSON form (see _conditions)."""

    code: str
    name_zh: str
    name_en: str
    department: str
    condition: dict[str, Any]


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
    clean = RuleInput(code, *names, rule.department, condition.model_dump())
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


def _row(rule: PromptRule) -> RuleRow:
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
    )


def list_rules(session: Session) -> list[RuleRow]:
    """Every rule, active ones first, by department and code."""
    rules = session.scalars(
        select(PromptRule).order_by(PromptRule.active.desc(), PromptRule.department, PromptRule.code)
    )
    return [_row(r) for r in rules]


def _rule(session: Session, rule_id: int) -> PromptRule:
    rule = session.get(PromptRule, rule_id)
    if rule is None:
        raise PromptRuleNotFound(f"No prompt rule {rule_id}.", hint="Reload the rule list.")
    return rule


def save_rule(session: Session, rule: RuleInput, *, by: int | None, rule_id: int | None = None) -> RuleRow:
    """Add a rule, or change one (its code stays); the next generation applies it."""
    clean, _ = _checked(rule)
    if rule_id is None:
        if session.scalar(select(PromptRule.id).where(PromptRule.code == clean.code)) is not None:
            raise Conflict(f"A rule with the code {clean.code!r} exists.", hint="Choose another code.")
        row = PromptRule(code=clean.code)
        session.add(row)
    else:
        row = _rule(session, rule_id)
    row.name_zh, row.name_en, row.department = clean.name_zh, clean.name_en, clean.department
    row.condition, row.updated_by_id = clean.condition, by
    session.flush()
    audit.log_event(
        session,
        "prompt_rule.create" if rule_id is None else "prompt_rule.update",
        object_type="prompt_rule",
        object_id=row.code,
        details={"department": row.department, "condition": row.condition},
    )
    return _row(row)


def set_rule_active(session: Session, rule_id: int, *, active: bool, by: int | None) -> RuleRow:
    """Retire a rule (its open prompts are withdrawn at the next generation) or restore it."""
    row = _rule(session, rule_id)
    row.active, row.updated_by_id = active, by
    session.flush()
    audit.log_event(
        session,
        "prompt_rule.restore" if active else "prompt_rule.retire",
        object_type="prompt_rule",
        object_id=row.code,
    )
    return _row(row)

"""Rules as data: the shipped defaults plus per-source overrides decide each finding's severity."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from guestgraph.db.models import Severity
from guestgraph.errors import ConfigurationError

DEFAULT_RULES_FILE = Path(__file__).parent / "rules" / "default.yaml"


@dataclass(frozen=True)
class Rule:
    code: str
    severity: Severity
    title_en: str
    title_zh: str

    def title(self, locale: str) -> str:
        return self.title_zh if locale == "zh_CN" else self.title_en


@dataclass(frozen=True)
class RuleSet:
    rules: dict[str, Rule]
    overrides: dict[str, dict[str, Severity]] = field(default_factory=dict)

    def severity(self, code: str, source: str) -> Severity:
        override = self.overrides.get(source, {}).get(code)
        if override is not None:
            return override
        try:
            return self.rules[code].severity
        except KeyError as e:
            raise ConfigurationError(f"Rule {code!r} is used but not defined in the rules file.") from e

    def title(self, code: str, locale: str) -> str:
        rule = self.rules.get(code)
        return rule.title(locale) if rule else code


def _severity(value: Any, where: str) -> Severity:
    try:
        return Severity(str(value))
    except ValueError as e:
        raise ConfigurationError(
            f"{where}: severity {value!r} is not one of fix, warn, reject.", hint="Correct the rules file."
        ) from e


def parse_rules(document: dict[str, Any], *, where: str) -> RuleSet:
    rules: dict[str, Rule] = {}
    for code, spec in (document.get("rules") or {}).items():
        rules[code] = Rule(
            code,
            _severity(spec.get("severity"), f"{where}: rule {code}"),
            str(spec.get("en", code)),
            str(spec.get("zh", spec.get("en", code))),
        )
    overrides: dict[str, dict[str, Severity]] = {}
    for source, changes in (document.get("overrides") or {}).items():
        for code, value in (changes or {}).items():
            if code not in rules:
                raise ConfigurationError(f"{where}: override for unknown rule {code!r} (source {source}).")
            overrides.setdefault(str(source), {})[code] = _severity(value, f"{where}: {source}.{code}")
    return RuleSet(rules, overrides)


@cache
def default_rules() -> RuleSet:
    with DEFAULT_RULES_FILE.open(encoding="utf-8") as fh:
        return parse_rules(yaml.safe_load(fh), where=str(DEFAULT_RULES_FILE))

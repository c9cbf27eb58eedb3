"""Rules as data: the shipped defaults plus per-source overrides decide each finding's severity.

A deployment changes them in its own rules file (setting `ingest_rules_file`, read by `load_rules`):
its `overrides` per source system and its `rules` severities are laid over the shipped file. The app and
the CLI attach the deployment's rules to the engine they open (`attach_rules`), so every way a record
comes in (a file, a push, the registration form, a steward's correction, a front-desk operation, a
rectification) is judged by the same rules without each caller passing them (`rules_of`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any
from weakref import WeakKeyDictionary

import yaml
from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session, sessionmaker

from guestgraph.db.models import Severity
from guestgraph.errors import ConfigurationError

DEFAULT_RULES_FILE = Path(__file__).parent / "rules" / "default.yaml"
_ATTACHED: WeakKeyDictionary[Engine, RuleSet] = WeakKeyDictionary()


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
def _shipped_document() -> dict[str, Any]:
    with DEFAULT_RULES_FILE.open(encoding="utf-8") as fh:
        document: dict[str, Any] = yaml.safe_load(fh)
    return document


@cache
def default_rules() -> RuleSet:
    return parse_rules(_shipped_document(), where=str(DEFAULT_RULES_FILE))


def load_rules(path: Path | None) -> RuleSet:
    """The shipped rules, with the deployment's own rules file (`ingest_rules_file`) laid over them:
    its `overrides` ({source: {rule: fix|warn|reject}}) are added to the shipped ones, and a rule under
    its `rules` takes the severity (and titles) given there. None: the shipped rules."""
    if path is None:
        return default_rules()
    fix = f"Correct {path} (the form of the shipped {DEFAULT_RULES_FILE.name}), or unset ingest_rules_file."
    try:
        with path.open(encoding="utf-8") as fh:
            document = yaml.safe_load(fh) or {}
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as e:
        raise ConfigurationError(f"The rules file {path} cannot be read ({e}).", hint=fix) from e
    if not isinstance(document, dict) or not set(document) <= {"rules", "overrides"}:
        raise ConfigurationError(
            f"The rules file {path} must be a mapping with `rules` and/or `overrides` only.", hint=fix
        )
    return parse_rules(_laid_over(_shipped_document(), document, path, fix), where=str(path))


def _laid_over(shipped: dict[str, Any], own: dict[str, Any], path: Path, fix: str) -> dict[str, Any]:
    rules = {code: dict(spec) for code, spec in (shipped.get("rules") or {}).items()}
    for code, spec in (own.get("rules") or {}).items():
        if code not in rules or not isinstance(spec, dict):
            raise ConfigurationError(
                f"The rules file {path} changes {code!r}, which is not a shipped rule, or not as a mapping "
                "such as {severity: reject}.",
                hint=fix,
            )
        rules[code].update(spec)
    overrides = {src: dict(changes or {}) for src, changes in (shipped.get("overrides") or {}).items()}
    for source, changes in (own.get("overrides") or {}).items():
        if not isinstance(changes, dict):
            raise ConfigurationError(
                f"The rules file {path}: overrides for {source!r} must map rules to fix, warn or reject.",
                hint=fix,
            )
        overrides.setdefault(str(source), {}).update(changes)
    return {"rules": rules, "overrides": overrides}


def attach_rules(engine: Engine, rules: RuleSet) -> Engine:
    """Judge the records imported through `engine` by `rules` (the deployment's, from `load_rules`)
    wherever a caller names no rules of its own."""
    _ATTACHED[engine] = rules
    return engine


def rules_of(bind: Session | Connection | Engine | sessionmaker[Session]) -> RuleSet:
    """The rules attached to the engine behind `bind`, else the shipped ones."""
    engine: object = bind
    if isinstance(bind, sessionmaker):
        engine = bind.kw.get("bind")
    elif isinstance(bind, Session):
        engine = bind.get_bind()
    if isinstance(engine, Connection):
        engine = engine.engine
    found = _ATTACHED.get(engine) if isinstance(engine, Engine) else None
    return found if found is not None else default_rules()

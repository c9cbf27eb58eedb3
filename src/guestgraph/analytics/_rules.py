"""The rule-tag file: tags defined as data (segment conditions) plus the words that classify stays."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import TypeAdapter, ValidationError

from guestgraph.analytics._conditions import ATTRIBUTE_FIELDS, METRIC_FIELDS, Condition
from guestgraph.analytics._metrics import Vocabulary
from guestgraph.errors import ConfigurationError

DEFAULT_RULES = Path(__file__).parent / "rules" / "default.yaml"
FACT_FIELDS = frozenset(METRIC_FIELDS) | frozenset(ATTRIBUTE_FIELDS) | {"birth_month"}
_CONDITION: TypeAdapter[Condition] = TypeAdapter(Condition)


@dataclass(frozen=True)
class TagRule:
    code: str
    name_zh: str
    name_en: str
    when: Condition
    facts: tuple[str, ...]

    def name(self, locale: str) -> str:
        return self.name_zh if locale == "zh_CN" else self.name_en


@dataclass(frozen=True)
class RuleSet:
    vocabulary: Vocabulary
    tags: tuple[TagRule, ...]

    def get(self, code: str) -> TagRule | None:
        return next((t for t in self.tags if t.code == code), None)


def _words(doc: dict[str, Any], key: str) -> tuple[str, ...]:
    return tuple(str(v) for v in doc.get(key) or ())


def _rule(code: str, spec: dict[str, Any], path: Path) -> TagRule:
    where = f"{path}: tag {code!r}"
    try:
        when = _CONDITION.validate_python(spec["when"])
    except KeyError as e:
        raise ConfigurationError(f"{where} has no `when`.", hint="Give it a segment condition.") from e
    except ValidationError as e:
        raise ConfigurationError(
            f"{where}: the condition is not valid: {e.errors()[0]['msg']}",
            hint="Write it as the segment builder saves it, {type: metric, field: stays, op: '>=', value: 2}",
        ) from e
    facts = tuple(str(f) for f in spec.get("facts") or ())
    unknown = [f for f in facts if f not in FACT_FIELDS]
    if unknown or len(code) > 40:
        raise ConfigurationError(
            f"{where}: unknown facts {unknown} or code longer than 40 characters.",
            hint=f"Facts are any of: {', '.join(sorted(FACT_FIELDS))}.",
        )
    return TagRule(code, str(spec.get("zh") or code), str(spec.get("en") or code), when, facts)


@cache
def load_rules(path: Path = DEFAULT_RULES) -> RuleSet:
    """Read and check a rule file (the shipped one by default)."""
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as e:
        raise ConfigurationError(
            f"Cannot read the tag rule file {path}: {e}", hint="Fix the YAML or pass the shipped file."
        ) from e
    words = doc.get("vocabulary") or {}
    vocabulary = Vocabulary(
        corporate_rate_plans=_words(words, "corporate_rate_plans"),
        corporate_channels=_words(words, "corporate_channels"),
        ota_channels=_words(words, "ota_channels"),
        direct_channels=_words(words, "direct_channels"),
    )
    tags = tuple(_rule(str(code), spec, path) for code, spec in (doc.get("tags") or {}).items())
    return RuleSet(vocabulary, tags)

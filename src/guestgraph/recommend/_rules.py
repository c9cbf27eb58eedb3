"""The recommendation rules file (data, like the analytics tag rules): the room-type rule and the
packages, each with its reason in both languages."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from guestgraph.db.models import OfferKind
from guestgraph.errors import ConfigurationError

DEFAULT_RULES = Path(__file__).parent / "rules" / "default.yaml"
FACTS = ("child_stays", "spa_spend", "fnb_spend", "stays", "nights", "level")


@dataclass(frozen=True)
class Because:
    zh: str
    en: str

    def text(self, lang: str, values: dict[str, Any]) -> str:
        return (self.zh if lang == "zh" else self.en).format(**values)


@dataclass(frozen=True)
class RoomTypeRule:
    min_stays: int
    min_share: float
    because: Because


@dataclass(frozen=True)
class PackageRule:
    code: str
    name_zh: str
    name_en: str
    tag: str
    offer_kind: OfferKind | None
    because: Because


@dataclass(frozen=True)
class RecommendationRules:
    room_type: RoomTypeRule
    packages: tuple[PackageRule, ...]


def _because(spec: dict[str, Any], where: str, names: tuple[str, ...]) -> Because:
    because = Because(str(spec["zh"]), str(spec["en"]))
    for text in (because.zh, because.en):
        try:
            text.format(**dict.fromkeys(names, "x"))
        except (KeyError, IndexError, ValueError) as e:
            raise ConfigurationError(
                f"{where}: the reason {text!r} uses an unknown field {e}.", hint=f"Use: {', '.join(names)}."
            ) from e
    return because


@cache
def load_rules(path: Path = DEFAULT_RULES) -> RecommendationRules:
    """Read and check a rule file (the shipped one by default)."""
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        room = doc["room_type"]
        room_rule = RoomTypeRule(
            int(room["min_stays"]),
            float(room["min_share"]),
            _because(room["because"], f"{path}: room_type", ("n", "total", "room_type")),
        )
        packages = tuple(
            PackageRule(
                str(code),
                str(spec["zh"]),
                str(spec["en"]),
                str(spec["tag"]),
                OfferKind(spec["offer_kind"]) if spec.get("offer_kind") else None,
                _because(spec["because"], f"{path}: package {code}", FACTS),
            )
            for code, spec in (doc.get("packages") or {}).items()
        )
    except (OSError, yaml.YAMLError, KeyError, TypeError, ValueError) as e:
        raise ConfigurationError(
            f"Cannot read the recommendation rules {path}: {e!r}", hint="Fix the file; see the shipped one."
        ) from e
    return RecommendationRules(room_rule, packages)

"""Typed, forgiving access to parsed JSON: a missing key or a wrong type yields None or empty."""

from __future__ import annotations

import json

JsonObject = dict[str, object]


def obj(value: object) -> JsonObject:
    return value if isinstance(value, dict) else {}


def items(value: object) -> list[object]:
    """A JSON array as a list; a lone object counts as a one-item list (OHIP is not consistent)."""
    if isinstance(value, list):
        return value
    return [value] if isinstance(value, dict) else []


def get(value: object, path: str) -> object:
    """Follow "a.b.c" through objects; None as soon as a step is missing."""
    for step in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(step)
    return value


def scalar(value: object) -> str | None:
    """A string, number or boolean as text ("true"/"false"); None for empty strings and containers."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, str) and value.strip():
        return value
    return None


def yes_no(value: object) -> str | None:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return scalar(value)


def first(*values: object) -> str | None:
    return next((v for v in map(scalar, values) if v is not None), None)


def pick(entries: list[object], *, flag: str = "primaryInd") -> JsonObject:
    """The entry flagged primary, else the first; {} when there is none."""
    objects = [obj(e) for e in entries if isinstance(e, dict)]
    return next((o for o in objects if o.get(flag) is True), objects[0] if objects else {})


def dump(value: object) -> str:
    """The canonical text kept as `raw`: keys sorted, non-ASCII kept as is."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True)

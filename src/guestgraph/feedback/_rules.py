"""The classification words as data: shipped in feedback_rules.yaml, a steward's edited list for a
label (table feedback_rule) replacing the shipped one."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from guestgraph.db.models import FeedbackRule
from guestgraph.feedback._errors import InvalidFeedbackInput

SHIPPED = Path(__file__).with_name("feedback_rules.yaml")
DIMENSIONS = ("sentiment", "topic")
MAX_WORDS = 300
MAX_WORD = 40

Lists = dict[str, tuple[str, ...]]  # label -> words, in the file's order


@dataclass(frozen=True)
class Rules:
    sentiment: Lists
    topic: Lists

    def of(self, dimension: str) -> Lists:
        return self.sentiment if dimension == "sentiment" else self.topic


def normalise(text: str) -> str:
    """Full-width to half-width, case folded: how both the words and the texts are compared."""
    return unicodedata.normalize("NFKC", text).casefold()


def _clean(words: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for word in words:
        w = " ".join(normalise(str(word)).split())
        if w:
            seen.setdefault(w)
    return tuple(seen)


@cache
def shipped_rules() -> Rules:
    data = yaml.safe_load(SHIPPED.read_text(encoding="utf-8"))
    lists = {d: {label: _clean(words) for label, words in data[d].items()} for d in DIMENSIONS}
    return Rules(lists["sentiment"], lists["topic"])


def current_rules(session: Session) -> Rules:
    """The shipped lists with each steward-edited label's list in its place."""
    shipped = shipped_rules()
    lists = {d: dict(shipped.of(d)) for d in DIMENSIONS}
    for row in session.scalars(select(FeedbackRule)):
        if row.dimension in lists and row.label in lists[row.dimension]:
            lists[row.dimension][row.label] = _clean(row.words.splitlines())
    return Rules(lists["sentiment"], lists["topic"])


def parse_words(text: str) -> tuple[str, ...]:
    """One word or phrase per line (commas also separate); refused when too many or too long."""
    words = _clean(text.replace(",", "\n").replace("，", "\n").splitlines())
    if len(words) > MAX_WORDS or any(len(w) > MAX_WORD for w in words):
        raise InvalidFeedbackInput(
            f"A label takes at most {MAX_WORDS} words of at most {MAX_WORD} characters each.",
            hint="Put one short word or phrase per line.",
        )
    return words


def save_rule(
    session: Session, *, dimension: str, label: str, words: str, actor_id: int | None, now: datetime
) -> tuple[str, ...]:
    """Replace the words of one label (the labels themselves are fixed by the shipped file)."""
    if label not in shipped_rules().of(dimension) or dimension not in DIMENSIONS:
        raise InvalidFeedbackInput(
            f"No feedback label {dimension}/{label}.",
            hint="Labels: " + ", ".join(f"{d}/{x}" for d in DIMENSIONS for x in shipped_rules().of(d)) + ".",
        )
    parsed = parse_words(words)
    row = session.scalar(
        select(FeedbackRule).where(FeedbackRule.dimension == dimension, FeedbackRule.label == label)
    )
    if row is None:
        row = FeedbackRule(dimension=dimension, label=label, words="", updated_at=now)
        session.add(row)
    row.words, row.updated_at, row.updated_by_id = "\n".join(parsed), now, actor_id
    session.flush()
    return parsed

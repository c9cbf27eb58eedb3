"""Classifying free text by transparent word rules: the label whose words occur most wins (ties: the
label listed first), and the words that decided it are returned with it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from guestgraph.feedback._rules import Lists, Rules, normalise

OTHER = "other"


@dataclass(frozen=True)
class Classification:
    sentiment: str | None  # complaint | suggestion | praise; None when no word matched
    topic: str  # a topic label, or "other"
    sentiment_words: tuple[str, ...]
    topic_words: tuple[str, ...]

    @property
    def matched(self) -> list[str]:
        return list(dict.fromkeys(self.sentiment_words + self.topic_words))


@lru_cache(maxsize=4096)
def _pattern(word: str) -> re.Pattern[str]:
    """Latin words match whole words only ("bar" not in "barely"); other scripts anywhere."""
    escaped = re.escape(word)
    if word.isascii():
        return re.compile(rf"(?<![a-z0-9']){escaped}(?![a-z0-9'])")
    return re.compile(escaped)


def _best(text: str, lists: Lists) -> tuple[str | None, tuple[str, ...]]:
    best: str | None = None
    best_words: tuple[str, ...] = ()
    for label, words in lists.items():
        found = tuple(w for w in words if _pattern(w).search(text))
        if len(found) > len(best_words):
            best, best_words = label, found
    return best, best_words


def classify(text: str, rules: Rules) -> Classification:
    """Any text (empty, very long, any script) gets an answer; never raises."""
    body = normalise(text)
    sentiment, s_words = _best(body, rules.sentiment)
    topic, t_words = _best(body, rules.topic)
    return Classification(sentiment, topic or OTHER, s_words, t_words)

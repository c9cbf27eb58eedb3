"""Govern: identity resolution into golden guests with stable IDs: exact rules, then a
Fellegi–Sunter model learnt from the group's own data, with a review queue for data stewards.

Only `mention_rows` and `stay_primary_guest` (which ingest needs) are imported with the package; the rest
is imported on first use, so an importing process does not load DuckDB, Arrow, NumPy and rapidfuzz
(≈ 65 MiB) for nothing."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from guestgraph.identity._folio import stay_primary_guest
from guestgraph.identity._mentions import CARRIED, NAMED, mention_rows

if TYPE_CHECKING:
    from guestgraph.identity._attach import attach_record
    from guestgraph.identity._evaluate import PairScores, pairwise_scores
    from guestgraph.identity._fs_compare import FieldSpec
    from guestgraph.identity._fs_engine import ScoredPairs, TrainingRule, components, score_pairs, train_model
    from guestgraph.identity._fs_model import MatchModel
    from guestgraph.identity._fs_pairs import candidate_pairs
    from guestgraph.identity._links import Link, LinkNotFound, export_links, find_link, list_links
    from guestgraph.identity._merges import (
        MergeLine,
        MergeNotFound,
        MergeOutcome,
        guest_merges,
        merge_guests,
        merge_history,
        unmerge_guest,
    )
    from guestgraph.identity._online import OnlineSummary, resolve_import, resolve_records
    from guestgraph.identity._probabilistic import MatchSettings
    from guestgraph.identity._review import ReviewNotFound, ReviewPair, decide_review, list_reviews
    from guestgraph.identity._review_cards import (
        Evidence,
        RecordSide,
        ReviewCard,
        review_cards,
        review_in_scope,
    )
    from guestgraph.identity._service import ResolveSummary, ResolveWhenWaiting, records_waiting, resolve_all
    from guestgraph.identity._split import SplitOutcome, split_guest

_LAZY = {
    "attach_record": "_attach",
    "PairScores": "_evaluate",
    "pairwise_scores": "_evaluate",
    "FieldSpec": "_fs_compare",
    "ScoredPairs": "_fs_engine",
    "TrainingRule": "_fs_engine",
    "components": "_fs_engine",
    "score_pairs": "_fs_engine",
    "train_model": "_fs_engine",
    "MatchModel": "_fs_model",
    "candidate_pairs": "_fs_pairs",
    "Link": "_links",
    "LinkNotFound": "_links",
    "export_links": "_links",
    "find_link": "_links",
    "list_links": "_links",
    "MergeLine": "_merges",
    "MergeNotFound": "_merges",
    "MergeOutcome": "_merges",
    "guest_merges": "_merges",
    "merge_guests": "_merges",
    "merge_history": "_merges",
    "unmerge_guest": "_merges",
    "MatchSettings": "_probabilistic",
    "ReviewNotFound": "_review",
    "ReviewPair": "_review",
    "decide_review": "_review",
    "list_reviews": "_review",
    "Evidence": "_review_cards",
    "RecordSide": "_review_cards",
    "ReviewCard": "_review_cards",
    "review_cards": "_review_cards",
    "review_in_scope": "_review_cards",
    "ResolveSummary": "_service",
    "resolve_all": "_service",
    "OnlineSummary": "_online",
    "resolve_import": "_online",
    "resolve_records": "_online",
    "records_waiting": "_service",
    "ResolveWhenWaiting": "_service",
    "SplitOutcome": "_split",
    "split_guest": "_split",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


__all__ = [
    "CARRIED",
    "NAMED",
    "SplitOutcome",
    "split_guest",
    "attach_record",
    "MergeLine",
    "MergeNotFound",
    "MergeOutcome",
    "guest_merges",
    "merge_guests",
    "merge_history",
    "unmerge_guest",
    "Evidence",
    "RecordSide",
    "ReviewCard",
    "review_cards",
    "review_in_scope",
    "FieldSpec",
    "Link",
    "LinkNotFound",
    "MatchModel",
    "MatchSettings",
    "PairScores",
    "ResolveSummary",
    "ReviewNotFound",
    "ReviewPair",
    "ScoredPairs",
    "TrainingRule",
    "candidate_pairs",
    "components",
    "decide_review",
    "export_links",
    "find_link",
    "list_links",
    "list_reviews",
    "mention_rows",
    "stay_primary_guest",
    "pairwise_scores",
    "resolve_all",
    "OnlineSummary",
    "resolve_import",
    "resolve_records",
    "records_waiting",
    "ResolveWhenWaiting",
    "score_pairs",
    "train_model",
]

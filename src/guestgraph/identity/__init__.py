"""Govern: identity resolution into golden guests with stable IDs: exact rules, then a
Fellegi–Sunter model learnt from the group's own data, with a review queue for data stewards."""

from guestgraph.identity._attach import attach_record
from guestgraph.identity._evaluate import PairScores, pairwise_scores
from guestgraph.identity._fs_compare import FieldSpec
from guestgraph.identity._fs_engine import ScoredPairs, TrainingRule, components, score_pairs, train_model
from guestgraph.identity._fs_model import MatchModel
from guestgraph.identity._fs_pairs import candidate_pairs
from guestgraph.identity._links import Link, LinkNotFound, export_links, find_link, list_links
from guestgraph.identity._mentions import mention_rows
from guestgraph.identity._merges import (
    MergeLine,
    MergeNotFound,
    MergeOutcome,
    guest_merges,
    merge_guests,
    merge_history,
    unmerge_guest,
)
from guestgraph.identity._probabilistic import MatchSettings
from guestgraph.identity._review import ReviewNotFound, ReviewPair, decide_review, list_reviews
from guestgraph.identity._review_cards import Evidence, RecordSide, ReviewCard, review_cards, review_in_scope
from guestgraph.identity._service import ResolveSummary, resolve_all
from guestgraph.identity._split import SplitOutcome, split_guest

__all__ = [
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
    "pairwise_scores",
    "resolve_all",
    "score_pairs",
    "train_model",
]

"""Govern: identity resolution into golden guests with stable IDs (first slice: exact evidence)."""

from guestgraph.identity._evaluate import PairScores, pairwise_scores
from guestgraph.identity._links import Link, LinkNotFound, export_links, find_link, list_links
from guestgraph.identity._mentions import mention_rows
from guestgraph.identity._service import ResolveSummary, resolve_all

__all__ = [
    "Link",
    "LinkNotFound",
    "PairScores",
    "ResolveSummary",
    "export_links",
    "find_link",
    "list_links",
    "mention_rows",
    "pairwise_scores",
    "resolve_all",
]

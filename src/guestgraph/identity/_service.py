"""`resolve`: the whole pass, in one transaction, with a summary for the CLI and the import pages."""

from __future__ import annotations

import time
from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from guestgraph.identity._golden import assign, link_records_and_stays, refresh_golden
from guestgraph.identity._resolve import cluster, load_mentions


@dataclass(frozen=True)
class ResolveSummary:
    mentions: int
    guests: int
    created: int
    merged: int
    seconds: float


def resolve_all(factory: sessionmaker[Session]) -> ResolveSummary:
    """Cluster every mention and bring guests, stays and folio links up to date. Re-running it on
    unchanged data changes nothing (guest IDs are stable)."""
    started = time.perf_counter()
    with factory.begin() as session:
        mentions = load_mentions(session)
        clusters, _position = cluster(mentions)
        result = assign(session, mentions, clusters)
        refresh_golden(session)
        link_records_and_stays(session)
    return ResolveSummary(
        len(mentions), result.guests, result.created, result.merged, round(time.perf_counter() - started, 2)
    )

"""`resolve`: the whole pass, in one transaction, with a summary for the CLI and the import pages."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import and_, exists, or_, select
from sqlalchemy.orm import Session, aliased, sessionmaker

from guestgraph.db import take_app_lock
from guestgraph.db.models import AppLock, GuestMention, SourceRecord
from guestgraph.identity._golden import assign, link_records_and_stays, refresh_golden
from guestgraph.identity._mentions import CARRIED
from guestgraph.identity._probabilistic import MatchSettings, match, queue_for_review
from guestgraph.identity._resolve import carried_pairs, cluster, load_mentions, opened_values
from guestgraph.identity._review import apply_decisions


@dataclass(frozen=True)
class ResolveSummary:
    mentions: int
    guests: int
    created: int
    merged: int
    seconds: float
    probabilistic_links: int = 0  # links the model made beyond the exact rules
    review_pairs: int = 0  # pairs now pending in the review queue
    model_version: int | None = None


def resolve_all(factory: sessionmaker[Session], *, matching: MatchSettings | None = None) -> ResolveSummary:
    """Cluster every mention and bring guests, stays and folio links up to date: exact rules first,
    then the probabilistic model on what they left apart, honouring every steward decision and
    keeping a person a record carried over (CARRIED) with the guest it was carried to.
    Re-running it on unchanged data changes nothing (guest IDs are stable)."""
    settings = matching or MatchSettings()
    started = time.perf_counter()
    with factory.begin() as session:
        # Serialised: two passes at once would each create guests for the same new person. The
        # stamp is the mark `records_waiting` reads: when the last pass began.
        take_app_lock(session, "resolve", stamp=datetime.now(UTC))
        mentions = load_mentions(session)
        accepted, rejected = apply_decisions(session, mentions)
        clusters, _position = cluster(mentions, apart=rejected)
        for a, b in accepted:
            clusters.union(a, b, "steward", check_birth=False)
        for a, b in carried_pairs(session, mentions):  # unless the evidence forbids it
            clusters.union(a, b, CARRIED)
        outcome = match(session, mentions, clusters, settings)
        result = assign(session, mentions, clusters)
        refresh_golden(session, opened_values(mentions))
        link_records_and_stays(session)
        queued = queue_for_review(session, mentions, outcome)
    return ResolveSummary(
        len(mentions),
        result.guests,
        result.created,
        result.merged,
        round(time.perf_counter() - started, 2),
        outcome.linked,
        queued,
        outcome.model_version,
    )


def records_waiting(session: Session) -> bool:
    """Whether a resolve pass has work: a person no pass has resolved yet, or one imported since the
    last pass began whose record is not yet linked to its guest, or is a new version of a record.

    An import resolved online has its records linked at once: it does not wait, though the model's
    links for it (which online resolution does not make) then come with the next pass that runs for
    another reason, or `guestgraph resolve`. A new version still waits even when resolved online:
    online its person only keeps the guest of the version before, its values are not compared again."""
    last = select(AppLock.acquired_at).where(AppLock.name == "resolve").scalar_subquery()
    m, r, before = GuestMention, SourceRecord, aliased(SourceRecord)
    linked = exists().where(r.id == m.source_record_id, r.guest_id.is_not(None))
    new_version = exists().where(
        r.id == m.source_record_id,
        before.source_system_id == r.source_system_id,
        before.external_id == r.external_id,
        before.id < r.id,
    )
    since_last = and_(m.seen_at >= last, or_(~linked, new_version))
    waiting = exists().where(or_(m.guest_id.is_(None), since_last))
    return bool(session.scalar(select(waiting)))


class ResolveWhenWaiting:
    """For a long-running worker: a resolve pass when records are waiting, at most once per `every`
    (`resolve_waiting_seconds`), so imports, pushes and front-desk registrations become guests within
    about that time without anyone running `guestgraph resolve`."""

    def __init__(self, every: timedelta, matching: MatchSettings) -> None:
        self.every, self.matching = every, matching
        self.last: datetime | None = None

    def run_if_due(self, factory: sessionmaker[Session], now: datetime) -> ResolveSummary | None:
        if self.every <= timedelta(0) or (self.last is not None and now - self.last < self.every):
            return None
        self.last = now
        with factory() as session:
            if not records_waiting(session):
                return None
        return resolve_all(factory, matching=self.matching)

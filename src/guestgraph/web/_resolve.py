"""After an import lands through the web (a push, an upload, a front-desk registration): its persons
are resolved online when it is small enough (`resolve_online_max_records`). The import has already
been stored, so a failure here never fails the request: the records wait for the next batch pass."""

from __future__ import annotations

import logging

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from guestgraph import identity, ingest
from guestgraph.config import Settings
from guestgraph.errors import GuestgraphError

log = logging.getLogger("guestgraph.identity")


def resolve_online(factory: sessionmaker[Session], settings: Settings, batch_id: int) -> None:
    try:
        done = identity.resolve_import(factory, batch_id, max_records=settings.resolve_online_max_records)
    except (GuestgraphError, SQLAlchemyError):
        log.exception("online resolution of import %s failed; the next resolve pass takes it", batch_id)
        return
    if done is not None:
        log.info(
            "import %s resolved online: %s new persons, %s attached, %s new guests, %s merged, %s ms",
            batch_id, done.new_mentions, done.attached, done.created, done.merged, done.milliseconds,
        )  # fmt: skip


def push_groups(
    factory: sessionmaker[Session], settings: Settings, rules: ingest.RuleSet | None = None
) -> ingest.PushGroups:
    """Concurrent pushes of a source share an import batch, resolved online before they are answered;
    `rules` the deployment's (`ingest.load_rules(settings.ingest_rules_file)`)."""

    def resolve(batch_id: int) -> None:
        resolve_online(factory, settings, batch_id)

    return ingest.PushGroups(factory, after_import=resolve, rules=rules)

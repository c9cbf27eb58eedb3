"""SEAM for the audit trail (the lead is merging `audit/`): every privacy action calls
`privacy_event` exactly once, with the actor, the guest's public ID (never personal data), the
action and counts. Today it writes a log line; wire it to the audit chain here and nowhere else."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from sqlalchemy.orm import Session

log = logging.getLogger("guestgraph.privacy")


def privacy_event(
    session: Session,
    action: str,
    actor_id: int | None,
    guest_public_id: str | None,
    detail: Mapping[str, object],
) -> None:
    del session  # the audit chain will append in the caller's transaction
    log.info("privacy %s by staff %s on %s: %s", action, actor_id, guest_public_id, dict(detail))

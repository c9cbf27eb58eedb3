"""The privacy package's one door to the audit trail: every privacy action appends exactly one event,
with the actor, the guest's public ID (never personal data), the action and counts."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from guestgraph import audit


def privacy_event(
    session: Session,
    action: str,
    actor_id: int | None,
    guest_public_id: str | None,
    detail: Mapping[str, object],
) -> None:
    if action == "guest_list.export":
        name = "export.guest_list"
    else:
        name = action if action.startswith(("guest.", "export.")) else f"privacy.{action}"
    details = {str(k).replace(" ", "_"): v for k, v in detail.items()}
    if actor_id is not None and audit.current_actor().user_id is None:
        audit.bind_actor(user_id=actor_id)
    audit.log_event(session, name, guest_public_id=guest_public_id, details=details)
    rows = details.get("rows")
    if name == "export.guest_list" and isinstance(rows, int):
        now = datetime.now(UTC)
        audit.check_export(
            session, audit.current_actor().username, rows, now=now, policy=audit.alert_policy(session)
        )

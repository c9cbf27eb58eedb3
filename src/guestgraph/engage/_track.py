"""Open and click tracking of campaign e-mail, as personal data kept on the message itself: the first
time its open pixel was fetched and the first time one of its links was followed (a click counts as
an open too: many mail clients block images). Exported with the guest's campaign messages and deleted
with them on erasure; nothing else (no IP address, no user agent) is kept.

A click token signs the message id and the target URL together, so the redirect only ever goes to
a URL that was in that mail: an altered URL or token is refused, never redirected."""

from __future__ import annotations

import base64
from datetime import datetime

from sqlalchemy import func, update
from sqlalchemy.orm import Session

from guestgraph.db.models import CampaignMessage
from guestgraph.engage._tokens import clicked_message, opened_message

# a transparent 1x1 GIF
PIXEL = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")


def record_open(session: Session, token: str, *, key: bytes, now: datetime) -> None:
    """Note the first open of the message the pixel token names (InvalidTrackingLink if altered)."""
    message_id = opened_message(key, token)
    session.execute(
        update(CampaignMessage)
        .where(CampaignMessage.id == message_id, CampaignMessage.opened_at.is_(None))
        .values(opened_at=now)
    )


def record_click(session: Session, token: str, url: str, *, key: bytes, now: datetime) -> str:
    """Note the first click (and open) of the message, and return where to send the reader: `url`,
    only when the token was signed for exactly that URL (InvalidTrackingLink otherwise)."""
    message_id = clicked_message(key, token, url)
    session.execute(
        update(CampaignMessage)
        .where(CampaignMessage.id == message_id)
        .values(
            clicked_at=func.coalesce(CampaignMessage.clicked_at, now),
            opened_at=func.coalesce(CampaignMessage.opened_at, now),
        )
    )
    return url

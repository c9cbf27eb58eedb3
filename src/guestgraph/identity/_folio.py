"""Whose a folio line is: the primary guest of the stay it was posted to.

One rule for everyone who sets `charge.guest_id` from a stay: the import, for a line whose stay's guest
is already resolved (so the incremental analytics refresh counts it at once), and every resolve pass
(batch or online), which re-links the lines of the stays it touched, so after a merge or its undoing a
line follows its stay's guest. The lowest guest ID when a stay has more than one primary guest, so
that the two always agree. Light on imports: ingest uses it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, ScalarSelect, select
from sqlalchemy.orm import QueryableAttribute

from guestgraph.db.models import StayGuest


def stay_primary_guest(stay_id: ColumnElement[Any] | QueryableAttribute[Any]) -> ScalarSelect[Any]:
    """The guest the lines posted to the stay `stay_id` (a column: a line's stay, or a stay's id) belong
    to; NULL when the stay has no primary guest (not resolved yet, or erased: an erasure deletes the
    guest's stay links)."""
    links = StayGuest.__table__
    return (
        select(links.c.guest_id)
        .where(links.c.stay_id == stay_id, links.c.role == "primary")
        .order_by(links.c.guest_id)
        .limit(1)
        .scalar_subquery()
    )

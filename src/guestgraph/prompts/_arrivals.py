"""The arrivals list with each stay's prompts (badges) and each guest's recommendations: the front
desk's list (`frontdesk.list_arrivals`) plus two set-based lookups."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from guestgraph import recommend
from guestgraph.access import DataScope
from guestgraph.db.models import Guest, Hotel, Stay
from guestgraph.frontdesk import Arrivals, Day, list_arrivals
from guestgraph.prompts._board import PromptLine, prompts_of_stays


@dataclass(frozen=True)
class ArrivalsBoard:
    arrivals: Arrivals
    prompts: dict[str, list[PromptLine]] = field(default_factory=dict)  # by confirmation number
    recommendations: dict[str, list[recommend.Recommendation]] = field(default_factory=dict)  # by guest


def arrivals_board(
    session: Session, *, scope: DataScope, hotel_code: str, day: Day = "today", now: datetime | None = None
) -> ArrivalsBoard:
    arrivals = list_arrivals(session, scope=scope, hotel_code=hotel_code, day=day, now=now)
    confs = [line.confirmation_number for line in arrivals.lines]
    publics = [line.guest_public_id for line in arrivals.lines if line.guest_public_id]
    stays = dict(
        session.execute(
            select(Stay.id, Stay.confirmation_number)
            .join(Hotel, Hotel.id == Stay.hotel_id)
            .where(Hotel.code == arrivals.hotel_code, Stay.confirmation_number.in_(confs))
        ).all()
    )
    by_stay = prompts_of_stays(session, scope=scope, stay_ids=list(stays))
    guests = dict(
        session.execute(select(Guest.id, Guest.public_id).where(Guest.public_id.in_(publics))).all()
    )
    hotel_id = session.scalar(select(Hotel.id).where(Hotel.code == arrivals.hotel_code))
    found = recommend.recommendations_for(
        session, scope=scope, guest_ids=list(guests), today=arrivals.date, hotel_id=hotel_id
    )
    return ArrivalsBoard(
        arrivals,
        {stays[sid]: lines for sid, lines in by_stay.items()},
        {guests[gid]: recs for gid, recs in found.items()},
    )

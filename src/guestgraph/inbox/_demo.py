"""A few conversations for the demo group, so the inbox has something to show on first start: a
guest's complaint by e-mail (it opens a ticket), a request by SMS and a logged phone call, each from
a real demo guest's own contact details, through the same `receive` as real messages."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from guestgraph import pii
from guestgraph.db.models import Guest, GuestStatus, Hotel, Stay, StayGuest
from guestgraph.inbox._receive import Inbound, receive


def _guests(
    session: Session, hotel_id: int, column: InstrumentedAttribute[str | None], wanted: int
) -> list[Guest]:
    return list(
        session.scalars(
            select(Guest)
            .where(
                Guest.status == GuestStatus.ACTIVE,
                column.is_not(None),
                Guest.id.in_(
                    select(StayGuest.guest_id)
                    .join(Stay, Stay.id == StayGuest.stay_id)
                    .where(Stay.hotel_id == hotel_id)
                ),
            )
            .order_by(Guest.id)
            .limit(wanted)
        )
    )


def seed_demo_conversations(session: Session, *, now: datetime, default_hours: str) -> int:
    """Three conversations at the hotel with the most stays; returns how many messages were stored."""
    busiest = (
        select(Hotel.code, Hotel.id)
        .join(Stay, Stay.hotel_id == Hotel.id)
        .group_by(Hotel.code, Hotel.id)
        .order_by(func.count().desc(), Hotel.code)
        .limit(1)
    )
    found = session.execute(busiest).first()
    if found is None:
        return 0
    code, hotel_id = found
    writers = _guests(session, hotel_id, Guest.email_enc, 1)
    texters = _guests(session, hotel_id, Guest.phone_enc, 3)[1:]
    if not writers or len(texters) < 2:
        return 0
    opened = pii.open_guests(pii.vault_of(session), [*writers, *texters])
    mail = opened[writers[0].id].email
    sms, call = (opened[g.id].phone for g in texters)
    complaint = "房间空调不制冷，晚上很吵，非常失望，希望尽快处理。"
    late = "您好，明天能否延迟退房到下午两点？"
    pickup = "Asked for an airport pick-up tomorrow at 07:30, two adults."
    messages = [
        Inbound("email", code, mail or "", complaint, "<demo-1@guest.example>", now - timedelta(hours=3),
                subject="空调坏了"),
        Inbound("sms", code, sms or "", late, "demo-sms-1", now - timedelta(hours=1)),
        Inbound("phone", code, call or "", pickup, "demo-call-1", now - timedelta(minutes=20)),
    ]  # fmt: skip
    stored = 0
    for message in messages:
        if message.sender:
            receive(session, message, default_hours=default_hours)
            stored += 1
    return stored

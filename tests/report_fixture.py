"""A small hand-made group for the report tests: five guests, stays at SHA01 ("A") and HGH01 ("B") in
October 2026, stage history, surveys, a ticket rating and OTA reviews. The expected figures in
tests/test_reports.py are computed by hand from this file (see the comments there)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy.orm import Session

from guestgraph import privacy
from guestgraph.db.models import (
    Charge,
    ConsentDecision,
    Guest,
    GuestRole,
    GuestStageHistory,
    OtaReview,
    Outlet,
    ServiceTicket,
    StayGuest,
    StayStatus,
    Survey,
    TicketRating,
    TicketStatus,
)
from guestgraph.privacy import Channel, ConsentInput, Purpose
from tests.factories import hotel, make_guest, make_stay

SINCE, UNTIL = date(2026, 10, 1), date(2026, 10, 31)
FORMULA = '=HYPERLINK("http://x")'


@dataclass
class Seeded:
    g1: Guest  # 王小明, CN, 上海, gold, birthday 10-15, marketing e-mail consent
    g2: Guest  # John Smith, US, New York, VIP1, birthday 10-20
    g3: Guest  # 李四, CN, 北京: additional guest at A, primary at B
    g4: Guest  # the formula name, JP, 大阪, silver, only at B
    g5: Guest  # a cancelled stay only
    a: int
    b: int


def _at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def seed(s: Session) -> Seeded:
    a, b = hotel(s, "SHA01").id, hotel(s, "HGH01").id
    g1 = make_guest(
        s,
        full_name="王小明",
        nationality="CN",
        city="上海",
        loyalty_tier="gold",
        birth_date=date(1990, 10, 15),
    )
    g2 = make_guest(
        s,
        full_name="John Smith",
        nationality="US",
        city="New York",
        vip_level="VIP1",
        birth_date=date(1985, 10, 20),
    )
    g3 = make_guest(s, full_name="李四", nationality="CN", city="北京")
    g4 = make_guest(
        s,
        full_name=FORMULA,
        nationality="JP",
        city="大阪",
        loyalty_tier="silver",
        birth_date=date(1979, 11, 2),
    )
    g5 = make_guest(s, full_name="赵五", nationality="CN", city="上海")
    money = Decimal
    make_stay(
        s,
        "SHA01",
        g1,
        arrival=date(2026, 6, 1),
        departure=date(2026, 6, 3),
        amount=money("1000"),
        channel="direct",
    )
    october = make_stay(
        s,
        "SHA01",
        g1,
        arrival=date(2026, 10, 5),
        departure=date(2026, 10, 8),
        amount=money("1500"),
        channel="ctrip",
    )
    shared = make_stay(
        s,
        "SHA01",
        g2,
        g3,
        arrival=date(2026, 10, 10),
        departure=date(2026, 10, 12),
        amount=money("800"),
        channel="官网",
    )
    make_stay(
        s,
        "HGH01",
        g3,
        arrival=date(2026, 10, 20),
        departure=date(2026, 10, 21),
        amount=money("500"),
        channel="ctrip",
    )
    make_stay(
        s,
        "HGH01",
        g4,
        arrival=date(2026, 10, 15),
        departure=date(2026, 10, 17),
        amount=money("600"),
        channel="corporate",
    )
    make_stay(
        s,
        "SHA01",
        g5,
        arrival=date(2026, 10, 20),
        departure=date(2026, 10, 22),
        amount=money("900"),
        channel="ctrip",
        status=StayStatus.CANCELLED,
    )
    make_stay(
        s,
        "SHA01",
        g1,
        arrival=date(2026, 10, 25),
        departure=date(2026, 10, 26),
        amount=money("300"),
        channel="ctrip",
        status=StayStatus.NO_SHOW,
    )
    s.add(StayGuest(stay_id=shared.id, guest_id=g5.id, role=GuestRole.BOOKER))  # booked it, did not stay
    s.add(
        Charge(
            hotel_id=a,
            stay_id=october.id,
            guest_id=g1.id,
            outlet=Outlet.FNB,
            amount=money("200"),
            currency="CNY",
            posted_at=_at(date(2026, 10, 6)),
        )
    )
    history = [
        (g1, "new", None, date(2026, 6, 3), date(2026, 10, 8)),
        (g1, "active", "new", date(2026, 10, 8), None),
        (g2, "new", None, date(2026, 10, 12), None),
        (g3, "active", None, date(2026, 9, 1), date(2026, 10, 5)),
        (g3, "at_risk", "active", date(2026, 10, 5), None),
        (g4, "new", None, date(2026, 10, 17), None),
    ]
    for g, stage, previous, entered, left in history:
        s.add(
            GuestStageHistory(
                guest_id=g.id, stage=stage, previous_stage=previous, entered_on=entered, left_on=left
            )
        )
    surveys = [
        (a, g1, 2, 10, 5),
        (a, g2, 3, 6, 3),
        (a, g3, 4, None, None),
        (b, g4, 5, 9, 4),
        (a, g1, 40, 0, 1),
    ]
    for hotel_id, g, day, nps, csat in surveys:  # the last one was sent in November: outside the period
        sent = _at(date(2026, 10, 1) + timedelta(days=day - 1))
        s.add(
            Survey(
                guest_id=g.id,
                hotel_id=hotel_id,
                lang="zh",
                created_at=sent,
                expires_at=sent + timedelta(days=30),
                sent_at=sent,
                answered_at=sent + timedelta(hours=5) if nps is not None else None,
                nps=nps,
                csat=csat,
            )
        )
    for hotel_id, g, score in ((a, g1, 4), (b, g4, 1)):
        ticket = ServiceTicket(
            hotel_id=hotel_id,
            guest_id=g.id,
            category="room",
            priority="normal",
            status=TicketStatus.RESOLVED,
            respond_due_at=_at(date(2026, 10, 6)),
            resolve_due_at=_at(date(2026, 10, 6), 18),
        )
        s.add(ticket)
        s.flush()
        s.add(
            TicketRating(
                ticket_id=ticket.id,
                guest_id=g.id,
                hotel_id=hotel_id,
                created_at=_at(date(2026, 10, 6)),
                expires_at=_at(date(2026, 11, 6)),
                rated_at=_at(date(2026, 10, 7)),
                score=score,
            )
        )
    reviews = [
        (a, "ctrip", "R1", 7, "4.8", 5, 5),
        (a, "booking", "R2", 8, "6.0", 10, 3),
        (b, "ctrip", "R3", 9, "1.0", 5, 1),
    ]
    for hotel_id, channel, ext, day, score, scale, csat in reviews:
        s.add(
            OtaReview(
                hotel_id=hotel_id,
                channel=channel,
                external_id=ext,
                reviewed_on=date(2026, 10, day),
                score=Decimal(score),
                scale=scale,
                csat=csat,
                imported_at=_at(date(2026, 10, 10)),
            )
        )
    entry = ConsentInput(Purpose.MARKETING, Channel.EMAIL, ConsentDecision.GRANTED, "api", evidence="form")
    privacy.record_consent(
        s, guest_id=g1.id, entry=entry, recorded_by_id=None, now=datetime.now(UTC) - timedelta(days=1)
    )
    s.commit()
    return Seeded(g1, g2, g3, g4, g5, a, b)

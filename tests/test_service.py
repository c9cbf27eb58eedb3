"""Service tickets on both databases: lifecycle and history, invalid transitions, scope, SLA due
times from the hotel's own business hours and time zone, breach detection with an injected clock,
escalation to the manager, auto-assignment by load, a complaint becoming a ticket, erasure."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from guestgraph import privacy, profiles, service
from guestgraph.access import DataScope
from guestgraph.db.models import Hotel, ServiceTicket, SlaPolicy, TicketEscalation, TicketEvent
from guestgraph.service import NewTicket
from tests.auth_helpers import make_staff
from tests.factories import hotel, make_guest, make_stay

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
HOURS = "08:00-22:00"


def _two(session: Session) -> tuple[Hotel, Hotel]:
    a, b = list(session.scalars(select(Hotel).order_by(Hotel.code)))[:2]
    return a, b


def _open(session: Session, h: Hotel, **kw: object) -> service.TicketView:
    spec = NewTicket(
        **{"title": "No hot water", "category": "room", "priority": "high", "hotel_code": h.code, **kw}
    )  # type: ignore[arg-type]
    return service.create_ticket(
        session, scope=DataScope.group(), ticket=spec, actor_id=None, now=NOW, default_hours=HOURS
    )


def test_lifecycle_history_and_invalid_transitions(demo_group: Session) -> None:
    a, _ = _two(demo_group)
    agent = make_staff(demo_group, role="service_agent", scope=DataScope.hotels(a.id))
    scope = DataScope.hotels(a.id)
    t = _open(demo_group, a)
    assert (t.status, t.hotel, t.assignee) == ("open", a.code, None)
    t = service.assign_ticket(
        demo_group, scope=scope, ticket_id=t.id, assignee_id=agent.id, actor_id=agent.id, now=NOW
    )
    assert (t.status, t.assignee) == ("assigned", agent.display_name)
    later = NOW + timedelta(minutes=12)
    t = service.change_status(
        demo_group, scope=scope, ticket_id=t.id, to="in_progress", actor_id=agent.id, now=later
    )
    assert t.first_response_at == later
    t = service.add_comment(
        demo_group, scope=scope, ticket_id=t.id, text="Plumber on the way", actor_id=agent.id, now=later
    )
    t = service.change_status(
        demo_group, scope=scope, ticket_id=t.id, to="resolved", actor_id=agent.id, now=later
    )
    assert t.resolved_at == later
    with pytest.raises(service.InvalidTransition) as refused:
        service.change_status(
            demo_group, scope=scope, ticket_id=t.id, to="in_progress", actor_id=None, now=later
        )
    assert refused.value.status == 409
    t = service.change_status(
        demo_group, scope=scope, ticket_id=t.id, to="open", actor_id=agent.id, now=later, note="Still cold"
    )
    assert (t.status, t.resolved_at) == ("open", None)  # reopened
    service.change_status(demo_group, scope=scope, ticket_id=t.id, to="closed", actor_id=agent.id, now=later)
    history = service.ticket_history(demo_group, scope=scope, ticket_id=t.id)
    assert [(e.kind, e.to_status) for e in history] == [
        ("created", "open"),
        ("assigned", "assigned"),
        ("status", "in_progress"),
        ("comment", None),
        ("status", "resolved"),
        ("status", "open"),
        ("status", "closed"),
    ]
    assert history[3].actor == agent.display_name and history[5].text == "Still cold"
    with pytest.raises(service.InvalidServiceInput):
        service.change_status(demo_group, scope=scope, ticket_id=t.id, to="done", actor_id=None, now=later)
    with pytest.raises(service.InvalidServiceInput):
        _open(demo_group, a, category="weather")
    _, b = _two(demo_group)
    elsewhere = make_staff(demo_group, role="service_agent", scope=DataScope.hotels(b.id))
    with pytest.raises(service.InvalidServiceInput):  # cannot see hotel a: cannot be given its ticket
        _open(demo_group, a, assignee_id=elsewhere.id)
    group_agent = make_staff(demo_group, role="service_agent")
    assert _open(demo_group, a, assignee_id=group_agent.id).status == "assigned"


def test_another_hotels_ticket_is_indistinguishable_from_none(demo_group: Session) -> None:
    a, b = _two(demo_group)
    t = _open(demo_group, b)
    only_a = DataScope.hotels(a.id)
    with pytest.raises(service.TicketNotFound):
        service.get_ticket(demo_group, scope=only_a, ticket_id=t.id)
    with pytest.raises(service.TicketNotFound):
        service.add_comment(demo_group, scope=only_a, ticket_id=t.id, text="x", actor_id=None, now=NOW)
    assert service.list_tickets(demo_group, scope=only_a) == []
    assert [x.id for x in service.list_tickets(demo_group, scope=DataScope.hotels(b.id))] == [t.id]


def test_due_times_follow_policy_rows_hotel_hours_and_time_zone(demo_group: Session) -> None:
    a, b = _two(demo_group)
    assert service.load_sla_policies(demo_group) == len(service.CATEGORIES) * len(service.PRIORITIES)
    assert service.load_sla_policies(demo_group) == 0  # rows already there are kept
    row = demo_group.scalar(
        select(SlaPolicy).where(SlaPolicy.category == "room", SlaPolicy.priority == "high")
    )
    assert row is not None
    row.respond_minutes, row.resolve_minutes = 30, 120  # an edited row wins over the shipped file
    b.timezone = "Europe/Paris"
    service.set_service_hours(demo_group, scope=DataScope.group(), hotel_code=a.code, window="09:00-21:00")
    late = datetime(2026, 11, 23, 12, 50, tzinfo=UTC)  # 20:50 in Shanghai, 13:50 in Paris
    in_a = service.create_ticket(
        demo_group,
        scope=DataScope.group(),
        ticket=NewTicket("Noise", "room", "high", a.code),
        actor_id=None,
        now=late,
        default_hours=HOURS,
    )
    assert in_a.respond_due_at == datetime(2026, 11, 24, 1, 20, tzinfo=UTC)  # 10 min today, 09:20 tomorrow
    assert in_a.resolve_due_at == datetime(2026, 11, 24, 2, 50, tzinfo=UTC)  # 10 min + 110 from 09:00
    in_b = service.create_ticket(
        demo_group,
        scope=DataScope.group(),
        ticket=NewTicket("Noise", "room", "high", b.code),
        actor_id=None,
        now=late,
        default_hours=HOURS,
    )
    assert in_b.respond_due_at == late + timedelta(minutes=30)  # Paris is open
    assert in_b.resolve_due_at == late + timedelta(minutes=120)


def test_breaches_are_marked_once_and_escalated_to_the_hotel_manager(demo_group: Session) -> None:
    a, b = _two(demo_group)
    manager = make_staff(demo_group, role="hotel_manager", scope=DataScope.hotels(a.id))
    late = _open(demo_group, a, priority="urgent")
    answered = _open(demo_group, a, priority="urgent")
    service.add_comment(
        demo_group, scope=DataScope.group(), ticket_id=answered.id, text="On it", actor_id=None, now=NOW
    )
    elsewhere = _open(demo_group, b, priority="urgent")
    assert service.check_breaches(demo_group, late.respond_due_at) == service.BreachReport(0, 0, 0)  # not yet
    after = late.respond_due_at + timedelta(seconds=1)
    report = service.check_breaches(demo_group, after)
    assert (report.respond, report.resolve, report.escalations) == (2, 0, 2)  # `answered` responded in time
    assert service.check_breaches(demo_group, after + timedelta(minutes=1)).respond == 0  # once only
    escalated = dict(
        demo_group.execute(select(TicketEscalation.ticket_id, TicketEscalation.escalated_to_id)).all()
    )
    assert escalated == {late.id: manager.id, elsewhere.id: None}  # hotel b has no manager: still recorded
    assert service.get_ticket(demo_group, scope=DataScope.group(), ticket_id=late.id).respond_breached
    way_after = late.resolve_due_at + timedelta(days=1)
    assert service.check_breaches(demo_group, way_after).resolve == 3
    kinds = demo_group.scalars(select(TicketEvent.kind).where(TicketEvent.ticket_id == late.id)).all()
    assert kinds.count("breach") == 2


def test_auto_assignment_goes_to_the_least_loaded_team_member(demo_group: Session) -> None:
    a, _ = _two(demo_group)
    first = make_staff(demo_group, role="service_agent", scope=DataScope.hotels(a.id))
    second = make_staff(demo_group, role="service_agent", scope=DataScope.hotels(a.id))
    for user in (first, second):
        service.add_team_member(demo_group, hotel_id=a.id, team="housekeeping", user_id=user.id)
    service.add_team_member(demo_group, hotel_id=a.id, team="housekeeping", user_id=first.id)  # idempotent
    owners = [_open(demo_group, a, category="cleaning", team="housekeeping").assignee for _ in range(3)]
    assert owners == [first.display_name, second.display_name, first.display_name] or len(set(owners)) == 2
    counts = dict(
        demo_group.execute(
            select(ServiceTicket.assignee_id, func.count()).group_by(ServiceTicket.assignee_id)
        ).all()
    )
    assert counts == {first.id: 2, second.id: 1}
    nobody = _open(demo_group, a, team="engineering")  # a team without members: left open
    assert (nobody.status, nobody.assignee) == ("open", None)


def test_a_complaint_becomes_a_ticket_once_and_erasure_removes_it(demo_group: Session) -> None:
    a, _ = _two(demo_group)
    guest = make_guest(demo_group)
    make_stay(demo_group, a.code, guest)
    scope = DataScope.hotels(a.id)
    line = profiles.add_interaction(
        demo_group,
        scope=scope,
        public_id=guest.public_id,
        kind="complaint",
        text="Noisy party next door\nRoom 1203",
        staff_user_id=None,
    )
    t = service.ticket_from_interaction(
        demo_group,
        scope=scope,
        interaction_id=line.id,
        actor_id=None,
        now=NOW,
        default_hours=HOURS,
        category="noise",
    )
    assert (t.title, t.guest_id, t.category, t.hotel) == (
        "Noisy party next door",
        guest.public_id,
        "noise",
        a.code,
    )
    again = service.ticket_from_interaction(
        demo_group, scope=scope, interaction_id=line.id, actor_id=None, now=NOW, default_hours=HOURS
    )
    assert again.id == t.id
    assert [
        x.id for x in service.list_tickets(demo_group, scope=scope, guest_id=guest.id, open_only=True)
    ] == [t.id]
    note = profiles.add_interaction(
        demo_group, scope=scope, public_id=guest.public_id, kind="note", text="VIP", staff_user_id=None
    )
    with pytest.raises(service.InvalidServiceInput):
        service.ticket_from_interaction(
            demo_group, scope=scope, interaction_id=note.id, actor_id=None, now=NOW, default_hours=HOURS
        )
    outcome = privacy.erase_guest(demo_group, guest_id=guest.id, now=NOW)
    assert outcome.counts["service_ticket"] == 1
    assert (
        demo_group.scalar(select(func.count()).select_from(TicketEvent).where(TicketEvent.ticket_id == t.id))
        == 0
    )
    assert hotel(demo_group, a.code).id == a.id


def test_dashboard_counts_breaches_and_median_minutes(demo_group: Session) -> None:
    a, b = _two(demo_group)
    group = DataScope.group()
    fast, slow, waiting = (_open(demo_group, a) for _ in range(3))
    service.add_comment(
        demo_group, scope=group, ticket_id=fast.id, text="ok", actor_id=None, now=NOW + timedelta(minutes=10)
    )
    service.change_status(
        demo_group,
        scope=group,
        ticket_id=fast.id,
        to="resolved",
        actor_id=None,
        now=NOW + timedelta(minutes=90),
    )
    service.change_status(
        demo_group,
        scope=group,
        ticket_id=slow.id,
        to="in_progress",
        actor_id=None,
        now=NOW + timedelta(minutes=25),
    )
    _open(demo_group, b, category="billing")
    service.check_breaches(demo_group, waiting.respond_due_at + timedelta(minutes=1))  # `waiting` breaches
    rows = {(r.hotel, r.category): r for r in service.sla_dashboard(demo_group, scope=group)}
    room = rows[(a.code, "room")]
    assert (room.tickets, room.open, room.breached_open, room.breached_total) == (3, 2, 1, 1)
    assert (room.median_response_minutes, room.median_resolution_minutes) == (17.5, 90.0)
    assert rows[(b.code, "billing")].median_response_minutes is None
    assert [r.hotel for r in service.sla_dashboard(demo_group, scope=DataScope.hotels(b.id))] == [b.code]


def test_ticket_text_is_sealed_under_the_tickets_key_and_shredded_when_the_guest_is_erased(
    demo_group: Session,
) -> None:
    """What staff write on a ticket (description, comments, notes) may hold a phone number or a health
    remark: the tables hold ciphertext under the ticket's own key (a ticket without a guest has one
    too); erasing the guest shreds that key, so a copy of the rows taken before is unreadable."""
    from sqlalchemy import text

    from guestgraph import pii

    a, _ = _two(demo_group)
    guest = make_guest(demo_group)
    make_stay(demo_group, a.code, guest)
    scope = DataScope.hotels(a.id)
    t = _open(
        demo_group, a, description="花生过敏: no nuts in the welcome fruit", guest_public_id=guest.public_id
    )
    service.add_comment(
        demo_group, scope=scope, ticket_id=t.id, text="Called her on 13812345678", actor_id=None, now=NOW
    )
    lobby = _open(demo_group, a, title="Lobby light", description="Guest at 13812345678 reported it")
    demo_group.flush()
    dumped = repr(demo_group.execute(text("SELECT * FROM service_ticket")).all())
    dumped += repr(demo_group.execute(text("SELECT * FROM ticket_event")).all())
    assert "13812345678" not in dumped and "花生过敏" not in dumped
    keys = dict(demo_group.execute(select(ServiceTicket.id, ServiceTicket.key_ref)).all())
    assert keys[t.id] and keys[lobby.id] and keys[t.id] != keys[lobby.id] != guest.key_ref
    assert service.get_ticket(demo_group, scope=scope, ticket_id=t.id).description == (
        "花生过敏: no nuts in the welcome fruit"
    )
    assert [x.description for x in service.list_tickets(demo_group, scope=scope) if x.id == lobby.id] == [
        "Guest at 13812345678 reported it"
    ]
    history = service.ticket_history(demo_group, scope=scope, ticket_id=t.id)
    assert [(e.kind, e.text) for e in history] == [
        ("created", "No hot water"),
        ("comment", "Called her on 13812345678"),
    ]
    query = select(TicketEvent.id, TicketEvent.text_enc).where(TicketEvent.ticket_id == t.id)
    events_before = demo_group.execute(query.order_by(TicketEvent.id)).all()  # as a backup now holds them
    before = demo_group.get_one(ServiceTicket, t.id)
    copy = (before.id, before.key_ref, before.description_enc)

    privacy.erase_guest(demo_group, guest_id=guest.id, now=NOW)
    vault = pii.vault_of(demo_group)
    backup = SimpleNamespace(id=copy[0], key_ref=copy[1], description_enc=copy[2])  # a row from a backup
    assert service.ticket_descriptions(demo_group, [backup]) == [None]
    assert service.event_texts(demo_group, copy[1], events_before) == [None, None]
    assert vault.store.is_shredded(str(copy[1]))
    assert service.get_ticket(demo_group, scope=scope, ticket_id=lobby.id).description  # not the guest's


def test_a_complaints_first_line_as_title_is_sealed_opened_everywhere_and_shredded_with_the_guest(
    demo_group: Session,
) -> None:
    """A complaint's first line becomes the ticket's title, so it may say "花生过敏" or give a phone
    number: the table holds it sealed under the ticket's key; the board, the ticket, the guest's open
    tickets and the data-subject export show it opened; after erasure a backup's copy opens to nothing."""
    from sqlalchemy import text

    a, _ = _two(demo_group)
    guest = make_guest(demo_group)
    make_stay(demo_group, a.code, guest)
    scope = DataScope.hotels(a.id)
    line = profiles.add_interaction(
        demo_group, scope=scope, public_id=guest.public_id, kind="complaint",
        text="花生过敏, call 13812345678\nthe welcome fruit had nuts", staff_user_id=None,
    )  # fmt: skip
    t = service.ticket_from_interaction(
        demo_group, scope=scope, interaction_id=line.id, actor_id=None, now=NOW, default_hours=HOURS
    )
    demo_group.flush()
    dumped = repr(demo_group.execute(text("SELECT * FROM service_ticket")).all())
    dumped += repr(demo_group.execute(text("SELECT * FROM ticket_event")).all())
    assert "13812345678" not in dumped and "花生过敏" not in dumped
    title = "花生过敏, call 13812345678"
    assert service.get_ticket(demo_group, scope=scope, ticket_id=t.id).title == title
    assert [x.title for x in service.list_tickets(demo_group, scope=scope) if x.id == t.id] == [title]
    profile = service.list_tickets(demo_group, scope=scope, guest_id=guest.id, open_only=True)
    assert [x.title for x in profile] == [title]
    exported = privacy.export_guest(
        demo_group, scope=DataScope.group(), public_id=guest.public_id, actor_id=None, now=NOW
    )
    (row,) = exported["tables"]["service_ticket"]
    assert row["title"] == title and "title_enc" not in row and "key_ref" not in row
    copy = SimpleNamespace(
        **{c: getattr(demo_group.get_one(ServiceTicket, t.id), c) for c in ("id", "key_ref", "title_enc")}
    )

    privacy.erase_guest(demo_group, guest_id=guest.id, now=NOW)
    assert service.ticket_titles(demo_group, [copy]) == [None]  # a backup's copy of the row

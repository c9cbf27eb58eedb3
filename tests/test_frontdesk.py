"""Front desk in the data layer: preferences, interactions, alerts, arrivals and stay operations
(each a front-desk source record through the import engine), on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from guestgraph import audit, frontdesk, identity, ingest, org, profiles
from guestgraph.access import DataScope
from guestgraph.db import make_session_factory
from guestgraph.db.models import (
    Charge,
    RecordStatus,
    SourceRecord,
    SourceSystem,
    Stay,
    StayGuest,
    StayStatus,
)
from guestgraph.errors import Conflict, GuestNotFound, HotelNotFound, InvalidInput
from guestgraph.paging import PageRequest
from tests.factories import (
    hotel,
    make_guest,
    make_interaction,
    make_mention,
    make_preference,
    make_stay,
    without_pms_feed,
)

VALID_ID = "11010519491231002X"  # a resident ID number with a valid check digit


def _today(session: Session, code: str) -> date:
    return datetime.now(ZoneInfo(hotel(session, code).timezone)).date()


def _codes(spec: org.GroupSpec) -> tuple[str, str]:
    return spec.hotels[0].code, spec.hotels[1].code


def test_preferences_are_added_listed_with_their_author_and_retired(
    demo_group: Session, group_spec: org.GroupSpec
) -> None:
    a, b = _codes(group_spec)
    guest, elsewhere = make_guest(demo_group), make_guest(demo_group)
    make_stay(demo_group, a, guest)
    make_stay(demo_group, b, elsewhere)
    scope_a = DataScope.hotels(hotel(demo_group, a).id)
    added = profiles.add_preference(
        demo_group,
        scope=scope_a,
        public_id=guest.public_id,
        category="pillow",
        value=" feather  free ",
        created_by_id=None,
    )
    assert (added.category, added.value, added.retired_at) == ("pillow", "feather free", None)
    profiles.add_preference(
        demo_group,
        scope=scope_a,
        public_id=guest.public_id,
        category="allergy",
        value="peanuts",
        created_by_id=None,
    )
    shown = profiles.get_profile(demo_group, scope=scope_a, public_id=guest.public_id).preferences
    assert [(p.category, p.value) for p in shown] == [("allergy", "peanuts"), ("pillow", "feather free")]
    profiles.retire_preference(demo_group, scope=scope_a, public_id=guest.public_id, preference_id=added.id)
    shown = profiles.get_profile(demo_group, scope=scope_a, public_id=guest.public_id).preferences
    assert [p.category for p in shown] == ["allergy"]  # retired ones are kept, not shown
    with pytest.raises(GuestNotFound):  # a guest of hotel B is none of hotel A's business
        profiles.add_preference(
            demo_group,
            scope=scope_a,
            public_id=elsewhere.public_id,
            category="floor",
            value="high",
            created_by_id=None,
        )
    with pytest.raises(InvalidInput):
        profiles.add_preference(
            demo_group,
            scope=scope_a,
            public_id=guest.public_id,
            category="mood",
            value="x",
            created_by_id=None,
        )


def test_a_preference_is_sealed_under_the_guests_key_and_shredded_with_it(demo_group: Session) -> None:
    """Allergies and diets are health data (PIPL 28): the column holds ciphertext bound to its row and
    the guest's key; destroying the guest's key leaves nothing to read."""
    from sqlalchemy import text

    from guestgraph import pii

    guest = make_guest(demo_group)
    line = profiles.add_preference(
        demo_group,
        scope=DataScope.group(),
        public_id=guest.public_id,
        category="allergy",
        value="花生 peanuts",
        created_by_id=None,
    )
    stored = demo_group.execute(text("SELECT * FROM preference WHERE id = :i"), {"i": line.id}).one()
    dumped = repr(tuple(stored))
    assert "peanuts" not in dumped and "花生" not in dumped
    assert stored.key_ref == guest.key_ref and stored.value_enc
    assert profiles.list_preferences(demo_group, [guest.id])[guest.id][0].value == "花生 peanuts"
    pii.vault_of(demo_group).shred_many([guest.key_ref])
    assert profiles.list_preferences(demo_group, [guest.id])[guest.id][0].value == ""


def test_a_note_is_sealed_under_the_guests_key_and_shredded_with_it(demo_group: Session) -> None:
    """What staff type about a guest may hold a phone number or a health remark: the table holds
    ciphertext bound to its row and the guest's key; every reader opens it; shredding the guest's key
    leaves nothing to read."""
    from sqlalchemy import text

    from guestgraph import pii, privacy

    guest = make_guest(demo_group)
    line = profiles.add_interaction(
        demo_group,
        scope=DataScope.group(),
        public_id=guest.public_id,
        kind="complaint",
        text="花生过敏, call back on 13812345678",
        staff_user_id=None,
    )
    stored = demo_group.execute(text("SELECT * FROM interaction WHERE id = :i"), {"i": line.id}).one()
    dumped = repr(tuple(stored))
    assert "13812345678" not in dumped and "花生过敏" not in dumped
    assert stored.key_ref == guest.key_ref and stored.text_enc
    assert line.text == "花生过敏, call back on 13812345678"
    shown = profiles.get_profile(demo_group, scope=DataScope.group(), public_id=guest.public_id)
    assert [i.text for i in shown.interactions] == [line.text]
    export = privacy.export_guest(
        demo_group, scope=DataScope.group(), public_id=guest.public_id, actor_id=None, now=datetime.now(UTC)
    )
    exported = export["tables"]["interaction"]
    assert [r["text"] for r in exported] == [line.text] and "text_enc" not in exported[0]
    pii.vault_of(demo_group).shred_many([guest.key_ref])
    after = profiles.list_interactions(demo_group, scope=DataScope.group(), guest_id=guest.id)
    assert [i.text for i in after] == [""]


def test_a_preference_from_an_import_shows_its_source_record(demo_group: Session) -> None:

    guest = make_guest(demo_group)
    make_mention(demo_group, guest, source="loyalty", full_name="王小明")
    record_id = demo_group.scalar(select(SourceRecord.id).where(SourceRecord.guest_id == guest.id))
    make_preference(demo_group, guest, "floor", "high", source_record_id=record_id)
    demo_group.flush()
    (line,) = profiles.get_profile(demo_group, scope=DataScope.group(), public_id=guest.public_id).preferences
    assert (line.source, line.created_by) == ("loyalty", None) and line.source_external_id


def test_interactions_are_scoped_to_the_hotels_of_the_reader(
    demo_group: Session, group_spec: org.GroupSpec
) -> None:
    a, b = _codes(group_spec)
    guest = make_guest(demo_group)
    make_stay(demo_group, a, guest)
    make_stay(demo_group, b, guest)
    scope_a, scope_b = (DataScope.hotels(hotel(demo_group, c).id) for c in (a, b))
    profiles.add_interaction(
        demo_group,
        scope=scope_a,
        public_id=guest.public_id,
        kind="complaint",
        text="Noisy room",
        staff_user_id=None,
    )
    profiles.add_interaction(
        demo_group,
        scope=scope_b,
        public_id=guest.public_id,
        kind="compliment",
        text="Great breakfast",
        staff_user_id=None,
    )
    group_note = profiles.add_interaction(
        demo_group,
        scope=DataScope.group(),
        public_id=guest.public_id,
        kind="call",
        text="Asked for invoice",
        staff_user_id=None,
    )
    assert (group_note.hotel, group_note.channel, group_note.direction) == (None, "phone", "inbound")

    def texts(scope: DataScope) -> set[str]:
        return {
            i.text
            for i in profiles.get_profile(demo_group, scope=scope, public_id=guest.public_id).interactions
        }

    assert texts(scope_a) == {"Noisy room", "Asked for invoice"}
    assert texts(scope_b) == {"Great breakfast", "Asked for invoice"}
    assert len(texts(DataScope.group())) == 3
    with pytest.raises(HotelNotFound):  # hotel A's clerk cannot file a note under hotel B
        profiles.add_interaction(
            demo_group,
            scope=scope_a,
            public_id=guest.public_id,
            kind="note",
            text="x",
            staff_user_id=None,
            hotel_code=b,
        )


def test_alerts_derived_from_data(demo_group: Session, group_spec: org.GroupSpec) -> None:
    a, _b = _codes(group_spec)
    today = _today(demo_group, a)
    birth = date(1990, (today + timedelta(days=1)).month, (today + timedelta(days=1)).day)
    guest = make_guest(demo_group, loyalty_tier="platinum", birth_date=birth)
    last = make_stay(demo_group, a, guest, arrival=today - timedelta(days=40))
    make_stay(demo_group, a, guest, arrival=today, status=StayStatus.BOOKED)
    make_interaction(
        demo_group,
        guest,
        "Air conditioning broken\nsecond line",
        kind="complaint",
        hotel_id=last.hotel_id,
        channel="in_person",
        occurred_at=datetime.combine(last.arrival + timedelta(days=1), datetime.min.time(), UTC),
    )
    for category, value in (("allergy", "shellfish"), ("do_not_rent", "damaged the room")):
        profiles.add_preference(
            demo_group,
            scope=DataScope.group(),
            public_id=guest.public_id,
            category=category,
            value=value,
            created_by_id=None,
        )
    alerts = profiles.get_profile(demo_group, scope=DataScope.group(), public_id=guest.public_id).alerts
    assert [(x.kind, x.detail) for x in alerts] == [
        ("do_not_rent", "damaged the room"),
        ("vip_arriving", "platinum"),
        ("allergy", "shellfish"),
        ("complaint_last_stay", "Air conditioning broken"),
        ("birthday", (today + timedelta(days=1)).isoformat()),
    ]
    plain = make_guest(demo_group, loyalty_tier="silver")
    make_stay(demo_group, a, plain, arrival=today, status=StayStatus.BOOKED)
    assert profiles.get_profile(demo_group, scope=DataScope.group(), public_id=plain.public_id).alerts == []


@pytest.mark.parametrize(
    ("birth", "start", "end", "expected"),
    [
        (date(1990, 5, 3), date(2026, 5, 1), date(2026, 5, 3), date(2026, 5, 3)),
        (date(1990, 5, 4), date(2026, 5, 1), date(2026, 5, 3), None),
        (date(1990, 1, 1), date(2026, 12, 30), date(2027, 1, 2), date(2027, 1, 1)),  # across the new year
        (date(1992, 2, 29), date(2027, 2, 27), date(2027, 3, 1), date(2027, 2, 28)),  # leap day, common year
    ],
)
def test_birthday_during_the_stay(birth: date, start: date, end: date, expected: date | None) -> None:
    assert profiles.birthday_between((birth.month, birth.day), start, end) == expected


def test_arrivals_list_today_and_tomorrow_with_highlights_in_scope(
    demo_group: Session, group_spec: org.GroupSpec
) -> None:
    a, b = _codes(group_spec)
    today = _today(demo_group, a)
    vip = make_guest(demo_group, full_name="欧阳娜娜", vip_level="VIP2")
    other = make_guest(demo_group)
    make_stay(demo_group, a, vip, arrival=today, status=StayStatus.BOOKED, confirmation_number="A1")
    make_stay(demo_group, a, other, arrival=today + timedelta(days=1), status=StayStatus.BOOKED)
    make_stay(demo_group, a, other, arrival=today, status=StayStatus.CANCELLED)
    make_stay(demo_group, b, other, arrival=today, status=StayStatus.BOOKED)
    profiles.add_preference(
        demo_group,
        scope=DataScope.group(),
        public_id=vip.public_id,
        category="floor",
        value="high",
        created_by_id=None,
    )
    scope_a = DataScope.hotels(hotel(demo_group, a).id)
    listed = frontdesk.list_arrivals(demo_group, scope=scope_a, hotel_code=a, day="today")
    assert listed.date == today
    (line,) = listed.lines
    assert (line.confirmation_number, line.guest_public_id) == ("A1", vip.public_id)
    assert line.guest_name == "欧**娜"
    assert [p.value for p in line.preferences] == ["high"]
    assert [x.kind for x in line.alerts] == ["vip_arriving"]
    tomorrow = frontdesk.list_arrivals(demo_group, scope=scope_a, hotel_code=a, day="tomorrow")
    assert [x.guest_public_id for x in tomorrow.lines] == [other.public_id]
    assert tomorrow.lines[0].alerts == []  # a VIP alert is for the day of arrival only
    with pytest.raises(HotelNotFound):
        frontdesk.list_arrivals(demo_group, scope=scope_a, hotel_code=b)


def _records(session: Session, external_id: str) -> list[tuple[int | None, str, bool]]:
    session.expire_all()
    return [
        (r.source_version, r.status.value, r.is_current)
        for r in session.scalars(
            select(SourceRecord)
            .join(SourceSystem, SourceSystem.id == SourceRecord.source_system_id)
            .where(SourceSystem.code == "frontdesk", SourceRecord.external_id == external_id)
            .order_by(SourceRecord.source_version)
        )
    ]


def test_a_stay_from_reservation_to_check_out_is_a_front_desk_record_with_versions(
    demo_group: Session,
    engine,
    group_spec: org.GroupSpec,  # type: ignore[no-untyped-def]
) -> None:
    a, b = _codes(group_spec)
    today = _today(demo_group, a)
    guest = make_guest(demo_group, full_name="王小明", phone="+8613812345678")
    make_mention(demo_group, guest, full_name="王小明", name_key="wangxiaoming", phone="+8613812345678")
    make_stay(demo_group, a, guest)  # a past stay: the guest is known at hotel A
    without_pms_feed(demo_group, a)
    demo_group.commit()
    factory = make_session_factory(engine)
    scope_a = DataScope.hotels(hotel(demo_group, a).id)
    booked = frontdesk.create_reservation(
        factory,
        scope=scope_a,
        reservation=frontdesk.NewReservation(
            a, guest.public_id, today, today + timedelta(days=2), "DK", amount=Decimal("900")
        ),
        staff_user_id=None,
    )
    conf = booked.confirmation_number
    assert booked.status == "booked"
    with pytest.raises(Conflict):
        frontdesk.change_stay(
            factory,
            scope=scope_a,
            hotel_code=a,
            confirmation_number=conf,
            operation="check_out",
            staff_user_id=None,
        )
    with pytest.raises(InvalidInput):  # a resident ID with a wrong check digit
        frontdesk.change_stay(
            factory,
            scope=scope_a,
            hotel_code=a,
            confirmation_number=conf,
            operation="check_in",
            staff_user_id=None,
            room_number="1208",
            id_type="cn_resident_id",
            id_number="110105194912310021",
        )
    checked_in = frontdesk.change_stay(
        factory,
        scope=scope_a,
        hotel_code=a,
        confirmation_number=conf,
        operation="check_in",
        staff_user_id=None,
        room_number="1208",
        id_type="cn_resident_id",
        id_number=VALID_ID,
    )
    assert checked_in.status == "in_house"
    frontdesk.post_charge(
        factory,
        scope=scope_a,
        hotel_code=a,
        confirmation_number=conf,
        outlet="minibar",
        amount=Decimal("45.50"),
        description="2 beers",
        staff_user_id=None,
    )
    done = frontdesk.change_stay(
        factory,
        scope=scope_a,
        hotel_code=a,
        confirmation_number=conf,
        operation="check_out",
        staff_user_id=None,
    )
    assert done.status == "checked_out"
    demo_group.expire_all()
    stay = demo_group.scalars(select(Stay).where(Stay.confirmation_number == conf)).one()
    assert (stay.status, stay.room_number, stay.amount) == (StayStatus.CHECKED_OUT, "1208", Decimal("900.00"))
    history = _records(demo_group, f"{a}:stay:{conf}")
    assert [(v, current) for v, _s, current in history] == [(1, False), (2, False), (3, True)]
    assert [s for _v, s, _c in history][:2] == ["superseded", "superseded"]  # the refused check-in: none
    assert stay.source_record_id is not None
    mention_id = demo_group.scalar(
        select(func.count())
        .select_from(SourceRecord)
        .where(SourceRecord.id == stay.source_record_id, SourceRecord.guest_id == guest.id)
    )
    assert mention_id == 1
    charge = demo_group.scalars(select(Charge).where(Charge.stay_id == stay.id)).one()
    assert (charge.amount, charge.outlet.value, charge.guest_id) == (Decimal("45.50"), "minibar", guest.id)
    profile = profiles.get_profile(demo_group, scope=scope_a, public_id=guest.public_id)
    line = next(s for s in profile.stays if s.confirmation_number == conf)
    assert (line.status, line.spend) == ("checked_out", {"minibar": Decimal("45.50")})
    # The next resolve pass keeps the stay with the same guest (the record carries the guest's identity).
    identity.resolve_all(factory)
    demo_group.expire_all()
    owners = set(demo_group.scalars(select(StayGuest.guest_id).where(StayGuest.stay_id == stay.id)))
    assert owners == {guest.id}
    with pytest.raises(HotelNotFound):  # hotel A's clerk cannot operate hotel B
        frontdesk.change_stay(
            factory,
            scope=scope_a,
            hotel_code=b,
            confirmation_number=conf,
            operation="cancel",
            staff_user_id=None,
        )


def test_cancel_and_no_show_and_a_stay_of_another_source(
    demo_group: Session,
    engine,
    group_spec: org.GroupSpec,  # type: ignore[no-untyped-def]
) -> None:
    a, _b = _codes(group_spec)
    today = _today(demo_group, a)
    guest = make_guest(demo_group)
    ota = make_stay(
        demo_group,
        a,
        guest,
        arrival=today,
        status=StayStatus.BOOKED,
        confirmation_number="CTRIP-1",
        channel="ctrip",
    )
    make_stay(demo_group, a, guest, arrival=today, status=StayStatus.BOOKED, confirmation_number="CTRIP-2")
    without_pms_feed(demo_group, a)
    demo_group.commit()
    factory = make_session_factory(engine)
    group = DataScope.group()
    cancelled = frontdesk.change_stay(
        factory,
        scope=group,
        hotel_code=a,
        confirmation_number="CTRIP-1",
        operation="cancel",
        staff_user_id=None,
    )
    no_show = frontdesk.change_stay(
        factory,
        scope=group,
        hotel_code=a,
        confirmation_number="CTRIP-2",
        operation="no_show",
        staff_user_id=None,
    )
    assert (cancelled.status, no_show.status) == ("cancelled", "no_show")
    demo_group.expire_all()
    stay = demo_group.get(Stay, ota.id)
    assert stay is not None and (stay.status, stay.channel) == (StayStatus.CANCELLED, "ctrip")
    ((version, status, current),) = _records(demo_group, f"{a}:stay:CTRIP-1")
    assert (version, current) == (1, True) and status != RecordStatus.QUARANTINED.value
    with pytest.raises(Conflict):
        frontdesk.change_stay(
            factory,
            scope=group,
            hotel_code=a,
            confirmation_number="CTRIP-1",
            operation="check_in",
            staff_user_id=None,
            id_type="passport",
            id_number="E12345678",
        )


def test_a_hotel_with_a_pms_feed_leaves_stay_operations_to_its_pms(
    demo_group: Session,
    engine,
    group_spec: org.GroupSpec,  # type: ignore[no-untyped-def]
) -> None:
    a, _b = _codes(group_spec)
    assert hotel(demo_group, a).pms_feed  # the demo group's hotels all send PMS exports
    today = _today(demo_group, a)
    guest = make_guest(demo_group)
    make_stay(demo_group, a, guest, arrival=today, status=StayStatus.BOOKED, confirmation_number="PMS-1")
    demo_group.commit()
    factory = make_session_factory(engine)
    scope = DataScope.hotels(hotel(demo_group, a).id)
    new = frontdesk.NewReservation(a, guest.public_id, today, today + timedelta(days=1))
    with pytest.raises(frontdesk.HotelHasPmsFeed, match=f"Hotel {a} receives its stays from a PMS feed"):
        frontdesk.create_reservation(factory, scope=scope, reservation=new, staff_user_id=None)
    with pytest.raises(frontdesk.HotelHasPmsFeed):
        frontdesk.change_stay(
            factory,
            scope=scope,
            hotel_code=a,
            confirmation_number="PMS-1",
            operation="no_show",
            staff_user_id=None,
        )
    assert frontdesk.desk_options(demo_group, scope).fed == {a}
    assert frontdesk.desk_options(demo_group, scope).operable == []
    frontdesk.set_pms_feed(demo_group, scope, a, pms_feed=False)  # e.g. the PMS is down for the day
    demo_group.commit()
    done = frontdesk.change_stay(
        factory,
        scope=scope,
        hotel_code=a,
        confirmation_number="PMS-1",
        operation="no_show",
        staff_user_id=None,
    )
    assert done.status == "no_show"
    assert [h.code for h in frontdesk.desk_options(demo_group, scope).operable] == [a]
    (event,) = audit.search_events(
        demo_group, action="hotel.pms_feed", paging=PageRequest(page=1, size=5)
    ).items
    assert (event.event.object_id, event.event.details) == (a, {"pms_feed": False, "was": True})


def test_a_channel_never_takes_a_guest_in_house_back_to_booked_or_cancels_them(
    demo_group: Session,
    engine,
    group_spec: org.GroupSpec,  # type: ignore[no-untyped-def]
) -> None:
    a, _b = _codes(group_spec)
    today = _today(demo_group, a)
    guest = make_guest(demo_group, full_name="李雷", phone="+8613900001111")
    make_stay(
        demo_group,
        a,
        guest,
        arrival=today,
        status=StayStatus.BOOKED,
        confirmation_number="CT-77",
        channel="ctrip",
    )
    without_pms_feed(demo_group, a)
    demo_group.commit()
    factory = make_session_factory(engine)
    frontdesk.change_stay(
        factory,
        scope=DataScope.group(),
        hotel_code=a,
        confirmation_number="CT-77",
        operation="check_in",
        staff_user_id=None,
        room_number="1208",
        id_type="cn_resident_id",
        id_number=VALID_ID,
    )

    def channel_sends(record_type: str, version: int, **fields: str) -> None:
        record = {
            "external_id": "CT-77",
            "record_type": record_type,
            "version": version,
            "hotel_code": a,
            "fields": {"confirmation_number": "CT-77", **fields},
            "persons": [{"role": "primary", "values": {"full_name": "LI/LEI"}}],
        }
        summary = ingest.push_records(
            factory, source="ota_ctrip", batch=ingest.PushBatch.model_validate({"records": [record]})
        )
        assert summary.quarantined == 0, summary

    later = (today + timedelta(days=3)).isoformat()
    channel_sends("reservation", 2, arrival=today.isoformat(), departure=later, room_type="DK")
    demo_group.expire_all()
    stay = demo_group.scalars(select(Stay).where(Stay.confirmation_number == "CT-77")).one()
    # The channel's modification (a longer stay) lands; the hotel's status and room stay.
    assert (stay.status, stay.room_number, stay.departure.isoformat()) == (StayStatus.IN_HOUSE, "1208", later)
    channel_sends("cancellation", 3)
    demo_group.expire_all()
    stay = demo_group.scalars(select(Stay).where(Stay.confirmation_number == "CT-77")).one()
    assert stay.status is StayStatus.IN_HOUSE


def test_erasing_a_guest_leaves_a_backups_copy_of_their_notes_unreadable(demo_group: Session) -> None:
    """Erasure shreds the key the guest's notes were sealed under, so the rows as a backup taken
    before holds them open to nothing, while another guest's notes still open."""
    from types import SimpleNamespace

    from sqlalchemy import text

    from guestgraph import privacy

    guest, other = make_guest(demo_group), make_guest(demo_group)
    make_interaction(demo_group, guest, "花生过敏 13812345678", kind="complaint")
    make_interaction(demo_group, guest, "wheelchair, call 13812345678")
    make_interaction(demo_group, other, "likes jazz")
    backup = [
        SimpleNamespace(**r._mapping)
        for r in demo_group.execute(text("SELECT id, key_ref, text_enc FROM interaction ORDER BY id"))
    ]
    assert [b.key_ref for b in backup] == [guest.key_ref, guest.key_ref, other.key_ref]
    opened = ["花生过敏 13812345678", "wheelchair, call 13812345678", "likes jazz"]
    assert profiles.interaction_texts(demo_group, backup) == opened
    outcome = privacy.erase_guest(demo_group, guest_id=guest.id, now=datetime.now(UTC))
    assert outcome.counts["interaction"] == 2
    assert profiles.interaction_texts(demo_group, backup) == ["", "", "likes jazz"]


def _all_records(session: Session, external_id: str) -> list[SourceRecord]:
    """The front-desk versions of a stay's record, under its external ID or its erased tombstone."""
    from guestgraph import pii

    session.expire_all()
    stored_as = [external_id, pii.tombstone(pii.vault_of(session), external_id)]
    return list(
        session.scalars(
            select(SourceRecord)
            .join(SourceSystem, SourceSystem.id == SourceRecord.source_system_id)
            .where(SourceSystem.code == "frontdesk", SourceRecord.external_id.in_(stored_as))
            .order_by(SourceRecord.source_version)
        )
    )


def test_the_desk_checks_out_the_guest_left_on_a_stay_after_the_one_it_checked_in_was_erased(
    demo_group: Session,
    engine,
    group_spec: org.GroupSpec,  # type: ignore[no-untyped-def]
) -> None:
    """Ctrip books CT-990 for 司马辰逸, the desk checks him in (front-desk version 1, his), Ctrip then
    names 欧阳可欣 as the guest with him as a companion, and he has himself erased: the desk's version 1
    is erased under its tombstone while 欧阳可欣 is still in house. Her check-out is version 2 (an
    erased version still counts: the same number would be refused as already stored), linked to
    her, and nothing of him comes back (record, mention, stay link, resolve pass)."""
    from guestgraph import pii, privacy
    from guestgraph.db.models import Guest, GuestMention, GuestStatus, Jurisdiction, RequestKind

    a, _b = _codes(group_spec)
    today = _today(demo_group, a)
    without_pms_feed(demo_group, a)
    demo_group.commit()
    factory = make_session_factory(engine)
    desk, group = DataScope.hotels(hotel(demo_group, a).id), DataScope.group()
    him = {"full_name": "司马辰逸", "phone": "+8613700990001", "email": "chenyi.sima@example.com"}
    her = {"full_name": "欧阳可欣", "phone": "+8613700990002", "email": "kexin.ouyang@example.com"}
    his_id_number = VALID_ID

    def ctrip_sends(version: int, *persons: tuple[str, dict[str, str]]) -> None:
        record = {
            "external_id": "CT-990",
            "record_type": "reservation",
            "version": version,
            "hotel_code": a,
            "fields": {
                "confirmation_number": "CT-990",
                "arrival": today.isoformat(),
                "departure": (today + timedelta(days=2)).isoformat(),
                "room_type": "DK",
                "amount": "1200",
            },
            "persons": [{"role": role, "values": values} for role, values in persons],
        }
        batch = ingest.PushBatch.model_validate({"records": [record]})
        summary = ingest.push_records(factory, source="ota_ctrip", batch=batch)
        assert summary.quarantined == 0, summary
        identity.resolve_all(factory)

    def guests_on_stay() -> set[tuple[int, str]]:
        demo_group.expire_all()
        stay = demo_group.scalars(select(Stay).where(Stay.confirmation_number == "CT-990")).one()
        links = demo_group.execute(
            select(StayGuest.guest_id, StayGuest.role).where(StayGuest.stay_id == stay.id)
        )
        return {(guest_id, role.value) for guest_id, role in links}

    ctrip_sends(1, ("primary", him))
    ((sima_id, _role),) = guests_on_stay()
    checked_in = frontdesk.change_stay(
        factory,
        scope=desk,
        hotel_code=a,
        confirmation_number="CT-990",
        operation="check_in",
        staff_user_id=None,
        room_number="1808",
        id_type="cn_resident_id",
        id_number=his_id_number,
    )
    assert checked_in.status == "in_house"
    ctrip_sends(2, ("primary", her), ("additional", him))
    on_stay = guests_on_stay()
    ((ouyang_id, _primary),) = {link for link in on_stay if link[1] == "primary"}
    assert on_stay == {(ouyang_id, "primary"), (sima_id, "additional")} and ouyang_id != sima_id
    sima = demo_group.get(Guest, sima_id)
    assert sima is not None
    erasure = privacy.open_request(
        demo_group, scope=group, public_id=sima.public_id, kind=RequestKind.ERASURE,
        jurisdiction=Jurisdiction.PIPL, details="by e-mail", recorded_by_id=None, now=datetime.now(UTC),
        policy=privacy.DeadlinePolicy(),
    )  # fmt: skip
    privacy.fulfil_erasure(demo_group, erasure.id, scope=group, closed_by_id=None, now=datetime.now(UTC))
    demo_group.commit()
    external_id = f"{a}:stay:CT-990"
    tombstone = pii.tombstone(pii.vault_of(demo_group), external_id)
    ((erased),) = _all_records(demo_group, external_id)
    assert (erased.source_version, erased.status, erased.external_id) == (1, RecordStatus.ERASED, tombstone)
    assert guests_on_stay() == {(ouyang_id, "primary")}  # the stay kept its number: she is on it

    done = frontdesk.change_stay(
        factory,
        scope=desk,
        hotel_code=a,
        confirmation_number="CT-990",
        operation="check_out",
        staff_user_id=None,
    )

    ouyang = demo_group.get(Guest, ouyang_id)
    assert ouyang is not None
    assert (done.status, done.guest_public_id) == ("checked_out", ouyang.public_id)
    history = _all_records(demo_group, external_id)
    assert [(r.source_version, r.status, r.is_current, r.external_id) for r in history] == [
        (1, RecordStatus.ERASED, False, tombstone),  # left as erased: not replaced, not revived
        (2, RecordStatus.ACCEPTED, True, external_id),
    ]
    new = history[1]
    assert (new.id, new.batch_id, new.guest_id) == (done.source_record_id, done.batch_id, ouyang_id)
    stay = demo_group.scalars(select(Stay).where(Stay.confirmation_number == "CT-990")).one()
    assert (stay.status, stay.source_record_id, stay.room_number) == (
        StayStatus.CHECKED_OUT,
        new.id,
        "1808",
    )
    mentions = demo_group.execute(
        select(GuestMention.guest_id, GuestMention.link_rule).where(GuestMention.source_record_id == new.id)
    ).all()
    assert [tuple(m) for m in mentions] == [(ouyang_id, "front_desk")]
    opened = pii.open_record(pii.vault_of(demo_group), new)
    payload = (opened.raw or "") + json.dumps(opened.standardised, ensure_ascii=False)
    assert "欧阳可欣" in payload
    for his in (*him.values(), his_id_number, sima.public_id):
        assert his not in payload
    identity.resolve_all(factory)  # the next pass brings nobody back onto the stay
    assert guests_on_stay() == {(ouyang_id, "primary")}
    demo_group.expire_all()
    assert demo_group.get(Guest, sima_id).status is GuestStatus.ERASED  # type: ignore[union-attr]
    names = select(func.count()).select_from(GuestMention).where(GuestMention.full_name == "司马辰逸")
    assert demo_group.scalar(names) == 0
    again = select(func.count()).select_from(Guest).where(Guest.full_name == "司马辰逸")
    assert demo_group.scalar(again) == 0


def test_a_stay_whose_primary_guest_was_erased_is_refused_with_the_way_back(
    demo_group: Session,
    engine,
    group_spec: org.GroupSpec,  # type: ignore[no-untyped-def]
) -> None:
    """Ctrip books CT-991 for 司马辰逸 with 欧阳可欣 as companion; the desk checks him in; he is erased.
    The desk cannot check the room out for nobody: it says the primary guest was erased (a resolve
    pass, which the old message asked for, does not bring one back) and how to get one; once Ctrip
    sends the booking naming her, her check-out lands above the desk's erased version."""
    from guestgraph import privacy
    from guestgraph.db.models import Guest, GuestRole

    a, _b = _codes(group_spec)
    today = _today(demo_group, a)
    without_pms_feed(demo_group, a)
    demo_group.commit()
    factory = make_session_factory(engine)
    desk = DataScope.hotels(hotel(demo_group, a).id)
    him = {"full_name": "司马辰逸", "phone": "+8613700991001"}
    her = {"full_name": "欧阳可欣", "phone": "+8613700991002"}

    def ctrip_sends(version: int, *persons: tuple[str, dict[str, str]]) -> None:
        record = {
            "external_id": "CT-991",
            "record_type": "reservation",
            "version": version,
            "hotel_code": a,
            "fields": {
                "confirmation_number": "CT-991",
                "arrival": today.isoformat(),
                "departure": (today + timedelta(days=2)).isoformat(),
            },
            "persons": [{"role": role, "values": values} for role, values in persons],
        }
        batch = ingest.PushBatch.model_validate({"records": [record]})
        assert ingest.push_records(factory, source="ota_ctrip", batch=batch).quarantined == 0
        identity.resolve_all(factory)

    def check_out() -> frontdesk.OperationResult:
        return frontdesk.change_stay(
            factory, scope=desk, hotel_code=a, confirmation_number="CT-991", operation="check_out",
            staff_user_id=None,
        )  # fmt: skip

    ctrip_sends(1, ("primary", him), ("additional", her))
    frontdesk.change_stay(
        factory,
        scope=desk,
        hotel_code=a,
        confirmation_number="CT-991",
        operation="check_in",
        staff_user_id=None,
        room_number="1809",
        id_type="cn_resident_id",
        id_number=VALID_ID,
    )
    stay_id = demo_group.scalars(select(Stay.id).where(Stay.confirmation_number == "CT-991")).one()
    sima_id = demo_group.scalars(
        select(StayGuest.guest_id).where(StayGuest.stay_id == stay_id, StayGuest.role == GuestRole.PRIMARY)
    ).one()
    privacy.erase_guest(demo_group, guest_id=sima_id, now=datetime.now(UTC))
    demo_group.commit()
    with pytest.raises(frontdesk.StayWithoutPrimaryGuest, match="erased") as refused:
        check_out()
    assert f"Stay CT-991 at {a} has no primary guest" in refused.value.message
    assert "1 companion" in refused.value.message and "send it again" in (refused.value.hint or "")
    assert refused.value.status == 409
    identity.resolve_all(factory)  # what the old message asked for: the stay still has no primary guest
    with pytest.raises(frontdesk.StayWithoutPrimaryGuest, match="erased"):
        check_out()
    ctrip_sends(2, ("primary", her))
    done = check_out()
    demo_group.expire_all()
    # the guest the re-sent booking resolved to: her first profile's only mention sits on the record
    # erased with him, whose key was shredded, so the pass may not match it and make her a new guest
    ouyang = demo_group.scalars(select(Guest).where(Guest.public_id == done.guest_public_id)).one()
    assert ouyang.full_name == "欧阳可欣"
    assert (done.status, done.guest_public_id) == ("checked_out", ouyang.public_id)
    history = _all_records(demo_group, f"{a}:stay:CT-991")
    assert [(r.source_version, r.status) for r in history] == [
        (1, RecordStatus.ERASED),
        (2, RecordStatus.ACCEPTED),
    ]
    assert history[1].guest_id == ouyang.id


@pytest.mark.parametrize(
    "companion",
    [
        {"full_name": "欧阳可欣", "phone": "+8613700992002"},
        {"full_name": "欧阳可欣"},  # an OTA often names a companion and nothing more
    ],
    ids=["with_phone", "name_only"],
)
def test_desk_operations_on_a_stay_with_a_companion_keep_her_on_it_through_a_resolve_pass(
    demo_group: Session,
    engine,  # type: ignore[no-untyped-def]
    group_spec: org.GroupSpec,
    companion: dict[str, str],
) -> None:
    """Ctrip books CT-992 for 司马辰逸 with 欧阳可欣 as companion; the desk checks him in (front-desk
    version 1) and posts a charge; a full resolve pass keeps both on the stay with their roles: the
    desk's version names her as its companion, linked to her, so the stay (pointing at that version,
    its lineage) is still in her profile."""
    from guestgraph.db.models import Guest, GuestMention

    a, _b = _codes(group_spec)
    today = _today(demo_group, a)
    without_pms_feed(demo_group, a)
    demo_group.commit()
    factory = make_session_factory(engine)
    desk = DataScope.hotels(hotel(demo_group, a).id)
    him = {"full_name": "司马辰逸", "phone": "+8613700992001"}
    record = {
        "external_id": "CT-992",
        "record_type": "reservation",
        "version": 1,
        "hotel_code": a,
        "fields": {
            "confirmation_number": "CT-992",
            "arrival": today.isoformat(),
            "departure": (today + timedelta(days=2)).isoformat(),
            "room_type": "DK",
        },
        "persons": [{"role": "primary", "values": him}, {"role": "additional", "values": companion}],
    }
    batch = ingest.PushBatch.model_validate({"records": [record]})
    assert ingest.push_records(factory, source="ota_ctrip", batch=batch).quarantined == 0
    identity.resolve_all(factory)

    def guests_on_stay() -> set[tuple[int, str]]:
        demo_group.expire_all()
        links = demo_group.execute(
            select(StayGuest.guest_id, StayGuest.role)
            .join(Stay, Stay.id == StayGuest.stay_id)
            .where(Stay.confirmation_number == "CT-992")
        )
        return {(guest_id, role.value) for guest_id, role in links}

    booked = guests_on_stay()
    ((sima_id, _p),) = {link for link in booked if link[1] == "primary"}
    ((ouyang_id, _c),) = {link for link in booked if link[1] == "additional"}
    assert sima_id != ouyang_id
    checked_in = frontdesk.change_stay(
        factory,
        scope=desk,
        hotel_code=a,
        confirmation_number="CT-992",
        operation="check_in",
        staff_user_id=None,
        room_number="1810",
        id_type="cn_resident_id",
        id_number=VALID_ID,
    )
    frontdesk.post_charge(
        factory,
        scope=desk,
        hotel_code=a,
        confirmation_number="CT-992",
        outlet="minibar",
        amount=Decimal("30"),
        description=None,
        staff_user_id=None,
    )
    expected = {(sima_id, "primary"), (ouyang_id, "additional")}
    assert guests_on_stay() == expected  # linked at once, before any pass

    identity.resolve_all(factory)

    assert guests_on_stay() == expected
    stay = demo_group.scalars(select(Stay).where(Stay.confirmation_number == "CT-992")).one()
    assert (stay.status, stay.source_record_id) == (StayStatus.IN_HOUSE, checked_in.source_record_id)
    ((version, status, current),) = _records(demo_group, f"{a}:stay:CT-992")
    assert (version, status, current) == (1, "accepted", True)
    on_desk_record = demo_group.execute(
        select(GuestMention.guest_id, GuestMention.role)
        .where(GuestMention.source_record_id == checked_in.source_record_id)
        .order_by(GuestMention.person_index)
    ).all()
    assert [tuple(m) for m in on_desk_record] == [(sima_id, "primary"), (ouyang_id, "additional")]
    for guest_id in (sima_id, ouyang_id):
        guest = demo_group.get(Guest, guest_id)
        assert guest is not None and guest.merged_into_id is None
        profile = profiles.get_profile(demo_group, scope=desk, public_id=guest.public_id)
        assert "CT-992" in {s.confirmation_number for s in profile.stays}
    charge = demo_group.scalars(select(Charge).where(Charge.stay_id == stay.id)).one()
    assert charge.guest_id == sima_id  # the folio stays with the primary guest


def _ctrip_books(
    factory,  # type: ignore[no-untyped-def]
    hotel_code: str,
    conf: str,
    version: int,
    arrival: date,
    nights: int,
    *persons: tuple[str, dict[str, str]],
) -> None:
    """Ctrip pushes version `version` of booking `conf`, then a full resolve pass runs."""
    record = {
        "external_id": conf,
        "record_type": "reservation",
        "version": version,
        "hotel_code": hotel_code,
        "fields": {
            "confirmation_number": conf,
            "arrival": arrival.isoformat(),
            "departure": (arrival + timedelta(days=nights)).isoformat(),
        },
        "persons": [{"role": role, "values": values} for role, values in persons],
    }
    batch = ingest.PushBatch.model_validate({"records": [record]})
    assert ingest.push_records(factory, source="ota_ctrip", batch=batch).quarantined == 0
    identity.resolve_all(factory)


def _on_stay(session: Session, conf: str) -> set[tuple[int, str]]:
    session.expire_all()
    links = session.execute(
        select(StayGuest.guest_id, StayGuest.role)
        .join(Stay, Stay.id == StayGuest.stay_id)
        .where(Stay.confirmation_number == conf)
    )
    return {(guest_id, role.value) for guest_id, role in links}


def test_a_companion_named_alone_stays_one_guest_when_the_channel_sends_the_booking_again(
    demo_group: Session,
    engine,  # type: ignore[no-untyped-def]
    group_spec: org.GroupSpec,
) -> None:
    """The desk checks 司马辰逸 in on CT-994, carrying 欧阳可欣 (named alone) as companion; Ctrip then
    sends the booking again (a night longer): its new version's mention of her is newer than the
    desk's, and no rule joins two bare names on different dates. The pass keeps the desk's carried
    mention with her guest: one guest named 欧阳可欣, on the stay, nobody new."""
    from guestgraph.db.models import Guest, GuestStatus

    a, _b = _codes(group_spec)
    today = _today(demo_group, a)
    without_pms_feed(demo_group, a)
    demo_group.commit()
    factory = make_session_factory(engine)
    him, her = {"full_name": "司马辰逸", "phone": "+8613700994001"}, {"full_name": "欧阳可欣"}
    _ctrip_books(factory, a, "CT-994", 1, today, 2, ("primary", him), ("additional", her))
    booked = _on_stay(demo_group, "CT-994")
    frontdesk.change_stay(
        factory,
        scope=DataScope.hotels(hotel(demo_group, a).id),
        hotel_code=a,
        confirmation_number="CT-994",
        operation="check_in",
        staff_user_id=None,
        room_number="1812",
        id_type="cn_resident_id",
        id_number=VALID_ID,
    )
    _ctrip_books(factory, a, "CT-994", 2, today, 3, ("primary", him), ("additional", her))
    assert _on_stay(demo_group, "CT-994") == booked
    identity.resolve_all(factory)
    assert _on_stay(demo_group, "CT-994") == booked
    named = select(Guest.id).where(Guest.full_name == "欧阳可欣", Guest.status == GuestStatus.ACTIVE)
    assert set(demo_group.scalars(named)) == {g for g, role in booked if role == "additional"}


def test_erasing_a_companion_the_desk_carried_erases_its_version_and_the_desk_goes_on_without_her(
    demo_group: Session,
    engine,  # type: ignore[no-untyped-def]
    group_spec: org.GroupSpec,
) -> None:
    """The desk's check-in of CT-995 names 欧阳可欣 as companion (carried from Ctrip's booking); she has
    herself erased: the desk's version 1 is erased with her (it holds her data, like Ctrip's booking),
    the check-out is version 2 naming him alone, and no resolve pass brings her back."""
    from guestgraph import pii, privacy
    from guestgraph.db.models import Guest

    a, _b = _codes(group_spec)
    today = _today(demo_group, a)
    without_pms_feed(demo_group, a)
    demo_group.commit()
    factory = make_session_factory(engine)
    desk = DataScope.hotels(hotel(demo_group, a).id)
    him = {"full_name": "司马辰逸", "phone": "+8613700995001"}
    her = {"full_name": "欧阳可欣", "phone": "+8613700995002", "email": "kexin.ouyang@example.com"}
    _ctrip_books(factory, a, "CT-995", 1, today, 2, ("primary", him), ("additional", her))
    booked = _on_stay(demo_group, "CT-995")
    ((sima_id, _p),) = {link for link in booked if link[1] == "primary"}
    ((ouyang_id, _c),) = {link for link in booked if link[1] == "additional"}
    frontdesk.change_stay(
        factory,
        scope=desk,
        hotel_code=a,
        confirmation_number="CT-995",
        operation="check_in",
        staff_user_id=None,
        room_number="1813",
        id_type="cn_resident_id",
        id_number=VALID_ID,
    )
    identity.resolve_all(factory)
    assert _on_stay(demo_group, "CT-995") == booked
    ouyang = demo_group.get(Guest, ouyang_id)
    assert ouyang is not None
    public_id = ouyang.public_id
    privacy.erase_guest(demo_group, guest_id=ouyang_id, now=datetime.now(UTC))
    demo_group.commit()
    assert _on_stay(demo_group, "CT-995") == {(sima_id, "primary")}

    done = frontdesk.change_stay(
        factory, scope=desk, hotel_code=a, confirmation_number="CT-995", operation="check_out",
        staff_user_id=None,
    )  # fmt: skip

    external_id = f"{a}:stay:CT-995"
    history = _all_records(demo_group, external_id)
    assert [(r.source_version, r.status, r.external_id) for r in history] == [
        (1, RecordStatus.ERASED, pii.tombstone(pii.vault_of(demo_group), external_id)),
        (2, RecordStatus.ACCEPTED, external_id),
    ]
    opened = pii.open_record(pii.vault_of(demo_group), history[1])
    payload = (opened.raw or "") + json.dumps(opened.standardised, ensure_ascii=False)
    assert "司马辰逸" in payload
    for hers in (*her.values(), public_id):
        assert hers not in payload
    identity.resolve_all(factory)
    assert _on_stay(demo_group, "CT-995") == {(sima_id, "primary")}
    assert done.status == "checked_out"
    again = select(func.count()).select_from(Guest).where(Guest.full_name == "欧阳可欣")
    assert demo_group.scalar(again) == 0


def _desk_does(factory, scope: DataScope, hotel_code: str, conf: str, operation: str) -> None:  # type: ignore[no-untyped-def]
    """One desk operation on stay `conf` (a charge, or a change of its status)."""
    if operation == "charge":
        frontdesk.post_charge(
            factory, scope=scope, hotel_code=hotel_code, confirmation_number=conf, outlet="fnb",
            amount=Decimal("88"), description=None, staff_user_id=None,
        )  # fmt: skip
        return
    frontdesk.change_stay(
        factory, scope=scope, hotel_code=hotel_code, confirmation_number=conf, operation=operation,
        staff_user_id=None, room_number="1816", id_type="cn_resident_id", id_number=VALID_ID,
    )  # fmt: skip


@pytest.mark.parametrize(
    "operations",
    [("check_in", "charge", "check_out"), ("cancel",), ("no_show",)],
    ids=["check_in_charge_check_out", "cancel", "no_show"],
)
def test_desk_operations_keep_a_primary_guest_who_booked_as_the_stays_booker(
    demo_group: Session,
    engine,  # type: ignore[no-untyped-def]
    group_spec: org.GroupSpec,
    operations: tuple[str, ...],
) -> None:
    """司马辰逸 books CT-996 on Ctrip for himself (primary guest and booker) with 欧阳可欣 as companion.
    Every desk operation writes a new version of the stay's record: it names him as booker too, so
    the stay keeps its three links (his two roles, her one) at once and through a resolve pass."""
    a, _b = _codes(group_spec)
    today = _today(demo_group, a)
    without_pms_feed(demo_group, a)
    demo_group.commit()
    factory = make_session_factory(engine)
    desk = DataScope.hotels(hotel(demo_group, a).id)
    him = {"full_name": "司马辰逸", "phone": "+8613700996001"}
    her = {"full_name": "欧阳可欣", "phone": "+8613700996002"}
    _ctrip_books(factory, a, "CT-996", 1, today, 2, ("primary", him), ("booker", him), ("additional", her))
    booked = _on_stay(demo_group, "CT-996")
    assert sorted(role for _g, role in booked) == ["additional", "booker", "primary"]
    assert len({g for g, _role in booked}) == 2  # he is primary guest and booker
    for operation in operations:
        _desk_does(factory, desk, a, "CT-996", operation)
        assert _on_stay(demo_group, "CT-996") == booked, operation  # at once
        identity.resolve_all(factory)
        assert _on_stay(demo_group, "CT-996") == booked, operation  # and through a pass


def test_the_desk_names_a_companion_the_primary_guest_after_his_erasure_and_goes_on(
    demo_group: Session,
    engine,  # type: ignore[no-untyped-def]
    group_spec: org.GroupSpec,
) -> None:
    """Ctrip books CT-997 for 司马辰逸 with 欧阳可欣 as companion, booked by 张伟; the desk checks him in;
    he is erased, and every operation is refused (409) with a hint naming the desk's way out. The clerk
    names her the primary guest, with a reason: a new front-desk version (above the erased one) names
    her primary and 张伟 still booker, she is no longer a companion, the event is audited, and the
    check-out then works and holds through a resolve pass. Hotel B's clerk cannot reach the stay, a
    guest outside the clerk's scope cannot be named, and a stay with a primary guest is left alone."""
    from guestgraph import pii, privacy
    from guestgraph.db.models import Guest, GuestMention

    a, b = _codes(group_spec)
    today = _today(demo_group, a)
    without_pms_feed(demo_group, a)
    without_pms_feed(demo_group, b)
    elsewhere = make_guest(demo_group, full_name="李白")
    make_stay(demo_group, b, elsewhere)  # known at hotel B only
    demo_group.commit()
    factory = make_session_factory(engine)
    desk, desk_b = DataScope.hotels(hotel(demo_group, a).id), DataScope.hotels(hotel(demo_group, b).id)
    him = {"full_name": "司马辰逸", "phone": "+8613700997001"}
    her = {"full_name": "欧阳可欣", "phone": "+8613700997002"}
    booker = {"full_name": "张伟", "phone": "+8613700997003"}
    _ctrip_books(factory, a, "CT-997", 1, today, 2, ("primary", him), ("additional", her), ("booker", booker))
    _desk_does(factory, desk, a, "CT-997", "check_in")
    booked = _on_stay(demo_group, "CT-997")
    ((sima_id, _p),) = {link for link in booked if link[1] == "primary"}
    ((ouyang_id, _c),) = {link for link in booked if link[1] == "additional"}
    ((zhang_id, _b),) = {link for link in booked if link[1] == "booker"}
    privacy.erase_guest(demo_group, guest_id=sima_id, now=datetime.now(UTC))
    demo_group.commit()
    ouyang = demo_group.get(Guest, ouyang_id)
    assert ouyang is not None
    her_id = ouyang.public_id

    with pytest.raises(frontdesk.StayWithoutPrimaryGuest) as refused:
        _desk_does(factory, desk, a, "CT-997", "check_out")
    assert "Name the stay's primary guest" in (refused.value.hint or "")
    assert f"/api/v1/hotels/{a}/stays/CT-997/primary-guest" in (refused.value.hint or "")
    assert refused.value.to_dict()["confirmation_number"] == "CT-997"
    choices = frontdesk.primary_guest_choices(
        demo_group, scope=desk, hotel_code=a, confirmation_number="CT-997"
    )
    assert sorted((c.guest_public_id, c.guest_name, c.role) for c in choices) == sorted(
        [(her_id, "欧**欣", "additional"), (demo_group.get(Guest, zhang_id).public_id, "张*", "booker")]  # type: ignore[union-attr]
    )

    def name(
        scope: DataScope, public_id: str, reason: str = "他已删除数据；同住人出示身份证"
    ) -> frontdesk.OperationResult:
        return frontdesk.name_primary_guest(
            factory, scope=scope, hotel_code=a, confirmation_number="CT-997", guest_public_id=public_id,
            reason=reason, staff_user_id=None,
        )  # fmt: skip

    with pytest.raises(HotelNotFound):  # hotel B's clerk: no such stay for them (404)
        name(desk_b, her_id)
    with pytest.raises(GuestNotFound):  # a guest hotel A's clerk cannot see
        name(desk, elsewhere.public_id)
    with pytest.raises(InvalidInput, match="reason"):
        name(desk, her_id, reason="  ")
    assert _on_stay(demo_group, "CT-997") == {(ouyang_id, "additional"), (zhang_id, "booker")}

    named = name(desk, her_id)

    assert (named.status, named.guest_public_id) == ("in_house", her_id)
    expected = {(ouyang_id, "primary"), (zhang_id, "booker")}
    assert _on_stay(demo_group, "CT-997") == expected
    external_id = f"{a}:stay:CT-997"
    history = _all_records(demo_group, external_id)
    assert [(r.source_version, r.status) for r in history] == [
        (1, RecordStatus.ERASED),
        (2, RecordStatus.ACCEPTED),
    ]
    assert (history[1].id, history[1].guest_id) == (named.source_record_id, ouyang_id)
    opened = pii.open_record(pii.vault_of(demo_group), history[1])
    raw = json.loads(opened.raw or "")
    assert (raw["operation"], raw["reason"]) == ("name_primary_guest", "他已删除数据；同住人出示身份证")
    assert [p["role"] for p in raw["persons"]] == ["primary", "booker"]
    assert "司马辰逸" not in (opened.raw or "")
    mentions = demo_group.execute(
        select(GuestMention.guest_id, GuestMention.link_rule)
        .where(GuestMention.source_record_id == history[1].id)
        .order_by(GuestMention.person_index)
    ).all()
    assert [tuple(m) for m in mentions] == [(ouyang_id, identity.NAMED), (zhang_id, identity.CARRIED)]
    (event,) = audit.search_events(
        demo_group, action="guest.stay.name_primary_guest", paging=PageRequest(page=1, size=5)
    ).items
    assert (event.event.guest_public_id, event.event.object_id, event.event.outcome) == (
        her_id,
        "CT-997",
        "ok",
    )
    assert (event.event.details["hotel"], event.event.details["was"]) == (a, "additional")
    with pytest.raises(frontdesk.StayHasPrimaryGuest):  # a stay with a primary guest is left alone
        name(desk, her_id)

    identity.resolve_all(factory)
    assert _on_stay(demo_group, "CT-997") == expected
    _desk_does(factory, desk, a, "CT-997", "charge")
    done = frontdesk.change_stay(
        factory, scope=desk, hotel_code=a, confirmation_number="CT-997", operation="check_out",
        staff_user_id=None,
    )  # fmt: skip
    assert (done.status, done.guest_public_id) == ("checked_out", her_id)
    identity.resolve_all(factory)
    assert _on_stay(demo_group, "CT-997") == expected
    history = _all_records(demo_group, external_id)
    assert [r.source_version for r in history] == [1, 2, 3]
    stay = demo_group.scalars(select(Stay).where(Stay.confirmation_number == "CT-997")).one()
    assert demo_group.scalars(select(Charge.guest_id).where(Charge.stay_id == stay.id)).all() == [ouyang_id]
    named_so = select(func.count()).select_from(Guest).where(Guest.full_name == "欧阳可欣")
    assert demo_group.scalar(named_so) == 1  # nobody new


def test_the_desk_names_a_guest_it_found_the_primary_guest_of_a_stay_naming_only_its_booker(
    demo_group: Session,
    engine,  # type: ignore[no-untyped-def]
    group_spec: org.GroupSpec,
) -> None:
    """A travel agent's booking CT-998 names only its booker (张伟); the guest in the room is 王小明,
    already a guest of hotel A: the clerk finds him and names him the primary guest (the booker
    stays), and the stay's status is kept (booked); then he is checked in."""
    from guestgraph.db.models import Guest

    a, _b = _codes(group_spec)
    today = _today(demo_group, a)
    without_pms_feed(demo_group, a)
    demo_group.commit()
    factory = make_session_factory(engine)
    desk = DataScope.hotels(hotel(demo_group, a).id)
    wang_values = {"full_name": "王小明", "phone": "+8613812345678"}
    _ctrip_books(factory, a, "CT-990", 1, today - timedelta(days=40), 2, ("primary", wang_values))
    ((wang_id, _p),) = _on_stay(demo_group, "CT-990")  # his stay last month: a guest of hotel A
    wang = demo_group.get(Guest, wang_id)
    assert wang is not None
    zhang = {"full_name": "张伟", "phone": "+8613700998003"}
    _ctrip_books(factory, a, "CT-998", 1, today, 2, ("booker", zhang))
    ((zhang_id, role),) = _on_stay(demo_group, "CT-998")
    assert role == "booker"
    with pytest.raises(frontdesk.StayWithoutPrimaryGuest, match="only a companion or booker"):
        _desk_does(factory, desk, a, "CT-998", "check_in")

    named = frontdesk.name_primary_guest(
        factory, scope=desk, hotel_code=a, confirmation_number="CT-998", guest_public_id=wang.public_id,
        reason="walked in with the agent's voucher", staff_user_id=None,
    )  # fmt: skip

    assert (named.status, named.guest_public_id) == ("booked", wang.public_id)
    assert _on_stay(demo_group, "CT-998") == {(wang_id, "primary"), (zhang_id, "booker")}
    _desk_does(factory, desk, a, "CT-998", "check_in")
    identity.resolve_all(factory)
    assert _on_stay(demo_group, "CT-998") == {(wang_id, "primary"), (zhang_id, "booker")}
    stay = demo_group.scalars(select(Stay).where(Stay.confirmation_number == "CT-998")).one()
    assert (stay.status, stay.room_number) == (StayStatus.IN_HOUSE, "1816")

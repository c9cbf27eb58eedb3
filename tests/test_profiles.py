from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from guestgraph import org, profiles
from guestgraph.access import DataScope
from guestgraph.db.models import GuestStatus, Hotel, StayStatus
from guestgraph.paging import PageRequest
from tests.factories import hotel, make_guest, make_mention, make_stay


def _hotel_id(session: Session, code: str) -> int:
    found = session.scalar(select(Hotel.id).where(Hotel.code == code))
    assert found is not None
    return found


def test_guest_list_pages_through_everyone_once(demo_group: Session, group_spec: org.GroupSpec) -> None:
    made = {make_guest(demo_group).public_id for _ in range(23)}
    seen: list[str] = []
    for n in (1, 2, 3):
        page = profiles.list_guests(demo_group, scope=DataScope.group(), paging=PageRequest(page=n, size=10))
        assert page.total == 23 and page.pages == 3
        seen += [g.public_id for g in page.items]
    assert len(seen) == 23 and set(seen) == made


def test_merged_guests_are_not_listed(demo_group: Session) -> None:
    survivor = make_guest(demo_group)
    make_guest(demo_group, status=GuestStatus.MERGED, merged_into_id=survivor.id)
    page = profiles.list_guests(demo_group, scope=DataScope.group(), paging=PageRequest())
    assert [g.public_id for g in page.items] == [survivor.public_id]


def test_hotel_scope_sees_only_guests_seen_at_its_hotels(
    demo_group: Session, group_spec: org.GroupSpec
) -> None:
    a, b = group_spec.hotels[0].code, group_spec.hotels[1].code
    at_a, at_b, at_both = make_guest(demo_group), make_guest(demo_group), make_guest(demo_group)
    make_stay(demo_group, a, at_a)
    make_stay(demo_group, b, at_b)
    make_stay(demo_group, a, at_both)
    make_stay(demo_group, b, at_both)
    scope_a = DataScope.hotels(_hotel_id(demo_group, a))
    visible = {
        g.public_id for g in profiles.list_guests(demo_group, scope=scope_a, paging=PageRequest()).items
    }
    assert visible == {at_a.public_id, at_both.public_id}
    by_filter = profiles.list_guests(demo_group, scope=DataScope.group(), paging=PageRequest(), hotel_code=b)
    assert {g.public_id for g in by_filter.items} == {at_b.public_id, at_both.public_id}


def test_list_shows_personal_data_masked(demo_group: Session) -> None:
    make_guest(demo_group, full_name="王小明", phone="+8613812345678", email="wang.ming@example.com")
    (row,) = profiles.list_guests(demo_group, scope=DataScope.group(), paging=PageRequest()).items
    assert (row.name, row.phone, row.email) == ("王*明", "+86138****5678", "w********@example.com")


def test_profile_is_scoped_and_shows_only_stays_in_scope(
    demo_group: Session, group_spec: org.GroupSpec
) -> None:
    import pytest

    from guestgraph.errors import GuestNotFound

    a, b, c = (h.code for h in group_spec.hotels[:3])
    both, only_b = make_guest(demo_group), make_guest(demo_group)
    make_stay(demo_group, a, both)
    make_stay(demo_group, b, both)
    make_stay(demo_group, b, only_b)
    scope_a = DataScope.hotels(_hotel_id(demo_group, a))
    profile = profiles.get_profile(demo_group, scope=scope_a, public_id=both.public_id)
    assert [s.hotel for s in profile.stays] == [a]  # hotel A's staff see hotel A's stays only
    assert len(profiles.get_profile(demo_group, scope=DataScope.group(), public_id=both.public_id).stays) == 2
    with pytest.raises(GuestNotFound):
        profiles.get_profile(demo_group, scope=scope_a, public_id=only_b.public_id)
    with pytest.raises(GuestNotFound):
        profiles.get_profile(
            demo_group, scope=DataScope.hotels(_hotel_id(demo_group, c)), public_id=both.public_id
        )


def test_search_finds_a_guest_by_whatever_the_clerk_has(
    demo_group: Session, group_spec: org.GroupSpec
) -> None:
    guest = make_guest(demo_group, full_name="欧阳娜娜", phone="+8613812345678", loyalty_number="YQ123456789")
    other = make_guest(demo_group, full_name="王小明", phone="+8613900001234")
    stay = make_stay(demo_group, group_spec.hotels[0].code, guest, confirmation_number="88001234")
    make_mention(
        demo_group,
        guest,
        full_name="OUYANG/NANA",
        name_key="ouyangnana",
        name_simplified="欧阳娜娜",
        phone="+8613812345678",
        email="nana@qq.com",
        loyalty_number="YQ123456789",
    )
    assert stay.id

    def found(q: str) -> list[str]:
        return [
            g.public_id
            for g in profiles.search_guests(
                demo_group, scope=DataScope.group(), q=q, paging=PageRequest()
            ).items
        ]

    for query in (
        "138-1234-5678",
        "+86 138 1234 5678",
        "5678",
        "欧阳娜娜",
        "歐陽娜娜",
        "Ouyang Nana",
        "nana ouyang",
        "ouyangnana",
        "OUYANG",
        "NANA@QQ.COM",
        "YQ123456789",
        "88001234",
    ):
        assert found(query) == [guest.public_id], query
    assert found("1234") == [other.public_id]  # last four digits of the other guest's phone
    assert found("nobody at all") == []
    for typo in ("ouyangnan", "ouyanggnana", "Ouyang Nnaa", "ouyngnana"):  # dropped, doubled, swapped
        assert found(typo) == [guest.public_id], typo
    assert found("ouyangnana") == [guest.public_id]


def test_search_by_the_room_of_a_guest_in_house_and_by_id_tail_with_a_name(
    demo_group: Session, group_spec: org.GroupSpec
) -> None:
    a, b = group_spec.hotels[0].code, group_spec.hotels[1].code
    here = make_guest(demo_group, full_name="司马光", id_document_number="11010519491231002X")
    gone = make_guest(demo_group, full_name="司马迁", id_document_number="110105194912310053")
    make_mention(demo_group, here, full_name="司马光", name_key="simaguang", name_simplified="司马光")
    make_mention(demo_group, gone, full_name="司马迁", name_key="simaqian", name_simplified="司马迁")
    make_stay(demo_group, a, here, room_number="1508", status=StayStatus.IN_HOUSE)
    make_stay(demo_group, a, gone, room_number="1509", status=StayStatus.CHECKED_OUT)
    make_stay(demo_group, b, gone, room_number="A302", status=StayStatus.IN_HOUSE)
    demo_group.flush()

    def found(q: str, scope: DataScope | None = None) -> list[str]:
        page = profiles.search_guests(demo_group, scope=scope or DataScope.group(), q=q, paging=PageRequest())
        return [g.public_id for g in page.items]

    assert found("1508") == [here.public_id]
    assert found("1509") == []  # checked out: the room is someone else's now
    assert found("a302") == [gone.public_id]
    assert found("A302", DataScope.hotels(hotel(demo_group, a).id)) == []  # in house at another hotel
    assert found("司马光 002x") == [here.public_id]
    assert found("002X simaguang") == [here.public_id]
    assert found("司马光 0053") == []  # that tail is the other guest's
    assert found("司马迁 0053") == [gone.public_id]


def test_search_statements_kept_across_scopes_find_each_scopes_own_guests_in_the_same_order(
    demo_group: Session, group_spec: org.GroupSpec
) -> None:
    """The search keeps its statements per shape of query and level of scope, with the scope's hotels
    and region as parameters: clerks of different hotels or regions searching one after another each
    see only their own guests, with exact identifiers first and a name's guests newest first."""
    a, b = group_spec.hotels[0], next(h for h in group_spec.hotels if h.region != group_spec.hotels[0].region)
    at_a = [make_guest(demo_group, full_name="诸葛亮") for _ in range(3)]
    at_b = [make_guest(demo_group, full_name="诸葛亮") for _ in range(2)]
    for g in at_a + at_b:
        make_stay(demo_group, a.code if g in at_a else b.code, g)
        make_mention(demo_group, g, full_name="诸葛亮", name_key="zhugeliang", name_simplified="诸葛亮")
    make_stay(demo_group, b.code, at_b[0], room_number="2101", status=StayStatus.IN_HOUSE)
    make_stay(demo_group, a.code, at_a[2], room_number="2101", status=StayStatus.IN_HOUSE)
    demo_group.flush()
    hotel_a, hotel_b = hotel(demo_group, a.code), hotel(demo_group, b.code)
    region_a, region_b = DataScope.region(hotel_a.region_id), DataScope.region(hotel_b.region_id)

    def found(q: str, scope: DataScope) -> list[str]:
        page = profiles.search_guests(demo_group, scope=scope, q=q, paging=PageRequest())
        return [g.public_id for g in page.items]

    def newest_first(guests: list[object]) -> list[str]:
        ordered = sorted(guests, key=lambda g: (g.updated_at, g.id), reverse=True)  # type: ignore[attr-defined]
        return [g.public_id for g in ordered]  # type: ignore[attr-defined]

    for _ in range(2):  # the second round runs on the kept statements
        assert found("诸葛亮", DataScope.hotels(hotel_a.id)) == newest_first(at_a)
        assert found("诸葛亮", DataScope.hotels(hotel_b.id)) == newest_first(at_b)
        assert found("诸葛亮", DataScope.hotels(hotel_a.id, hotel_b.id)) == newest_first(at_a + at_b)
        assert set(found("zhuge liang", region_a)) == {g.public_id for g in at_a}
        assert set(found("zhuge liang", region_b)) == {g.public_id for g in at_b}
        assert found("2101", DataScope.hotels(hotel_a.id)) == [at_a[2].public_id]
        assert found("2101", DataScope.hotels(hotel_b.id)) == [at_b[0].public_id]
        assert found("2101", DataScope.group()) == newest_first([at_a[2], at_b[0]])
        assert found("zhugelian", DataScope.hotels(hotel_b.id)) == newest_first(at_b)  # a mistyped name

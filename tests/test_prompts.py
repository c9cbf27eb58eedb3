"""Service prompts and recommendations in the data layer, on both databases: each shipped rule with
its reason, a staff rule on a tag, idempotent generation, withdrawal and reopening when a booking
changes, the hotel's own scope for complaints, rules of one hotel (generation and who may see and
write them), and recommendations with their reasons."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from guestgraph import engage, prompts, recommend
from guestgraph.access import DataScope
from guestgraph.db.models import (
    Guest,
    GuestMetrics,
    GuestTag,
    Offer,
    OfferKind,
    PromptRule,
    PromptStatus,
    Region,
    ServicePrompt,
    StayStatus,
)
from guestgraph.errors import HotelNotFound, InvalidInput
from tests.factories import hotel, make_guest, make_interaction, make_preference, make_stay

DAY = date(2026, 12, 10)
NOW = datetime(2026, 12, 8, 2, 0, tzinfo=UTC)


def _booked(session: Session, code: str, guest: object, **values: object) -> object:
    return make_stay(session, code, guest, arrival=DAY, status=StayStatus.BOOKED, **values)


def _prompts(session: Session) -> dict[tuple[str, str], tuple[str, str | None, str]]:
    """(guest public id, rule code) → (reason, detail, status)."""
    rows = session.execute(
        select(ServicePrompt, PromptRule.code, Guest.public_id)
        .join(PromptRule, PromptRule.id == ServicePrompt.rule_id)
        .join(Guest, Guest.id == ServicePrompt.guest_id)
    ).all()
    details = prompts.prompt_details(session, (p for p, _code, _pid in rows))
    return {
        (pid, code): (prompts.reason_text(p.reason_kind, detail), detail, p.status.value)
        for (p, code, pid), detail in zip(rows, details, strict=True)
    }


def test_every_shipped_rule_with_its_reason_and_a_staff_rule(demo_group: Session) -> None:
    s = demo_group
    assert prompts.ensure_default_rules(s) == 6 and prompts.ensure_default_rules(s) == 0
    a, b = "SHA01", "SHA02"
    family, pet, vip, allergic, birthday, complained, elsewhere, plain, tagged = (
        make_guest(s) for _ in range(9)
    )
    vip.loyalty_tier = "Gold"
    birthday.birth_month, birthday.birth_day = 12, 11
    _booked(s, a, family, children=2, adults=2)
    _booked(s, a, pet)
    make_interaction(s, pet, "Travels with a small Dog", hotel_id=hotel(s, a).id, direction="internal")
    _booked(s, a, vip)
    make_preference(s, allergic, "allergy", "shellfish")
    _booked(s, a, allergic)
    _booked(s, a, birthday)
    for g, where in ((complained, a), (elsewhere, b)):  # a complaint on the last stay, at A or at B
        make_stay(s, where, g, arrival=date(2026, 10, 1))
        make_interaction(s, g, "Noisy room\nsecond line", kind="complaint", hotel_id=hotel(s, where).id,
                         occurred_at=datetime(2026, 10, 2, tzinfo=UTC))  # fmt: skip
        _booked(s, a, g)
    _booked(s, a, plain, children=0)
    s.add(GuestTag(guest_id=tagged.id, tag="high_value", kind="rule", since=NOW))
    _booked(s, a, tagged)
    _booked(s, b, make_guest(s), children=1)  # another hotel, not asked for
    make_stay(s, a, make_guest(s), arrival=DAY, status=StayStatus.CANCELLED, children=3)
    prompts.save_rule(
        s,
        prompts.RuleInput("vip_welcome_card", "欢迎卡", "Welcome card", "front_office",
                          {"type": "tag", "tag": "high_value"}),
        scope=DataScope.group(), by=None,
    )  # fmt: skip
    report = prompts.generate(s, first=DAY, now=NOW, hotel_ids=[hotel(s, a).id])
    got = _prompts(s)
    assert got == {
        (family.public_id, "family_kids_amenities"): ("2 children in the booking", "2", "open"),
        (pet.public_id, "pet_bed"): ("Mentions “dog” in a preference or note", "dog", "open"),
        (vip.public_id, "vip_upgrade_check"): ("VIP / loyalty tier: Gold", "Gold", "open"),
        (allergic.public_id, "allergy_notice"): ("Allergy: shellfish", "shellfish", "open"),
        (birthday.public_id, "birthday_cake"): (
            "Birthday on 2026-12-11, during the stay", "2026-12-11", "open"),
        (complained.public_id, "complaint_follow_up"): (
            "Complaint on the last stay: Noisy room", "Noisy room", "open"),
        (tagged.public_id, "vip_welcome_card"): ("Tagged: high_value", "high_value", "open"),
    }  # fmt: skip
    assert (report.stays, report.created, report.withdrawn) == (9, 7, 0)
    departments = {p.department for p in s.scalars(select(ServicePrompt))}
    assert departments == {"housekeeping", "front_office", "food_beverage", "duty_manager"}
    assert all(p.due_on == DAY for p in s.scalars(select(ServicePrompt)))


def test_generating_again_adds_nothing_and_a_changed_booking_withdraws(demo_group: Session) -> None:
    s = demo_group
    prompts.ensure_default_rules(s)
    guest, other = make_guest(s), make_guest(s)
    stay = _booked(s, "SHA01", guest, children=1)
    moving = _booked(s, "SHA01", other, children=2)
    first = prompts.generate(s, first=DAY, last=DAY + timedelta(days=1), now=NOW)
    again = prompts.generate(s, first=DAY, last=DAY + timedelta(days=1), now=NOW)
    assert (first.created, again.created, again.withdrawn) == (2, 0, 0)
    assert s.scalar(select(func.count()).select_from(ServicePrompt)) == 2
    prompt_id = s.scalar(select(ServicePrompt.id).where(ServicePrompt.stay_id == stay.id))  # type: ignore[attr-defined]

    stay.children = 0  # type: ignore[attr-defined]
    moving.arrival, moving.departure = DAY + timedelta(days=5), DAY + timedelta(days=6)  # type: ignore[attr-defined]
    s.flush()
    changed = prompts.generate(s, first=DAY, last=DAY + timedelta(days=1), now=NOW)
    assert (changed.created, changed.withdrawn) == (0, 2)
    assert set(s.scalars(select(ServicePrompt.status))) == {PromptStatus.WITHDRAWN}

    stay.children = 3  # type: ignore[attr-defined]
    s.flush()
    back = prompts.generate(s, first=DAY, now=NOW)
    row = s.scalars(select(ServicePrompt).where(ServicePrompt.id == prompt_id)).one()
    s.refresh(row)
    assert (back.reopened, row.status, prompts.prompt_details(s, [row])) == (1, PromptStatus.OPEN, ["3"])
    moved = prompts.generate(s, first=DAY + timedelta(days=5), now=NOW)  # generated on its new day
    assert moved.reopened == 1

    group = DataScope.group()
    done = prompts.mark_done(s, scope=group, prompt_id=prompt_id, user_id=None, now=NOW)
    assert done.status == "done"
    stay.status = StayStatus.CANCELLED  # type: ignore[attr-defined]
    s.flush()
    prompts.generate(s, first=DAY, now=NOW)
    s.refresh(row)
    assert row.status == PromptStatus.DONE  # what was done stays done

    rule = next(r for r in prompts.list_rules(s, scope=group) if r.code == "family_kids_amenities")
    prompts.set_rule_active(s, rule.id, scope=group, active=False, by=None)
    retired = prompts.generate(s, first=DAY + timedelta(days=5), now=NOW)
    assert retired.withdrawn == 1


def test_a_rule_with_a_bad_condition_is_refused_naming_the_problem(demo_group: Session) -> None:
    bad = prompts.RuleInput("x", "x", "x", "housekeeping", {"type": "alert", "kind": "moon"})
    with pytest.raises(InvalidInput, match="kind"):
        prompts.save_rule(demo_group, bad, scope=DataScope.group(), by=None)
    with pytest.raises(InvalidInput, match="department"):
        spa = prompts.RuleInput("x", "x", "x", "spa", {"type": "children"})
        prompts.save_rule(demo_group, spa, scope=DataScope.group(), by=None)


def _pet_rule(code: str, hotel_code: str | None) -> prompts.RuleInput:
    return prompts.RuleInput(code, "宠物床", "Pet bed", "housekeeping",
                             {"type": "mentions", "words": ["parrot"]}, hotel_code)  # fmt: skip


def test_a_hotel_rule_prompts_only_the_stays_at_its_hotel(demo_group: Session) -> None:
    s = demo_group
    group = DataScope.group()
    at_sha, at_hgh = make_guest(s), make_guest(s)
    for g, code in ((at_sha, "SHA01"), (at_hgh, "HGH01")):
        make_preference(s, g, "pet", "travels with a parrot")
        _booked(s, code, g)
    one = prompts.save_rule(s, _pet_rule("parrot_sha", "SHA01"), scope=group, by=None)
    assert (one.hotel, one.editable) == ("SHA01", True)
    prompts.save_rule(s, _pet_rule("parrot_all", None), scope=group, by=None)
    report = prompts.generate(s, first=DAY, now=NOW)  # every hotel
    assert set(_prompts(s)) == {
        (at_sha.public_id, "parrot_sha"),
        (at_sha.public_id, "parrot_all"),
        (at_hgh.public_id, "parrot_all"),
    }
    assert report.by_rule == {"parrot_sha": 1, "parrot_all": 2}
    hotels = dict(s.execute(select(PromptRule.code, PromptRule.hotel_id)).all())
    assert (hotels["parrot_sha"], hotels["parrot_all"]) == (hotel(s, "SHA01").id, None)

    moved = prompts.save_rule(s, _pet_rule("parrot_sha", "HGH01"), scope=group, by=None, rule_id=one.id)
    assert moved.hotel == "HGH01"
    again = prompts.generate(s, first=DAY, now=NOW)
    assert (again.created, again.withdrawn) == (1, 1)  # now at HGH01, withdrawn at SHA01
    got = _prompts(s)
    assert (got[(at_sha.public_id, "parrot_sha")][2], got[(at_hgh.public_id, "parrot_sha")][2]) == (
        "withdrawn",
        "open",
    )


def test_hotel_staff_see_group_rules_and_write_only_their_hotels_rules(demo_group: Session) -> None:
    s = demo_group
    group = DataScope.group()
    prompts.ensure_default_rules(s)
    theirs = prompts.save_rule(s, _pet_rule("parrot_hgh", "HGH01"), scope=group, by=None)
    canton = prompts.save_rule(s, _pet_rule("parrot_can", "CAN01"), scope=group, by=None)
    shipped = next(r for r in prompts.list_rules(s, scope=group) if r.code == "pet_bed")
    assert shipped.hotel is None
    sha01 = DataScope.hotels(hotel(s, "SHA01").id)

    mine = prompts.save_rule(s, _pet_rule("parrot_sha", "SHA01"), scope=sha01, by=None)
    seen = {r.code: (r.hotel, r.editable) for r in prompts.list_rules(s, scope=sha01)}
    assert seen["pet_bed"] == (None, False) and seen["parrot_sha"] == ("SHA01", True)
    assert "parrot_hgh" not in seen and "parrot_can" not in seen
    assert len(seen) == 7  # the six shipped rules and its own
    with pytest.raises(prompts.PromptRuleNotFound):
        prompts.save_rule(s, _pet_rule("parrot_hgh", "SHA01"), scope=sha01, by=None, rule_id=theirs.id)
    with pytest.raises(prompts.PromptRuleNotFound):
        prompts.set_rule_active(s, theirs.id, scope=sha01, active=False, by=None)
    with pytest.raises(prompts.PromptRuleGroupWide, match="group-scoped") as refused:
        prompts.save_rule(s, _pet_rule("parrot_everywhere", None), scope=sha01, by=None)
    assert refused.value.status == 403 and "one of your hotels" in (refused.value.hint or "")
    with pytest.raises(prompts.PromptRuleGroupWide):  # a group-wide rule is read-only for them
        prompts.set_rule_active(s, shipped.id, scope=sha01, active=False, by=None)
    with pytest.raises(prompts.PromptRuleGroupWide):  # nor may they make their rule group-wide
        prompts.save_rule(s, _pet_rule("parrot_sha", None), scope=sha01, by=None, rule_id=mine.id)
    with pytest.raises(HotelNotFound):  # nor move it to a hotel outside their scope
        prompts.save_rule(s, _pet_rule("parrot_sha", "HGH01"), scope=sha01, by=None, rule_id=mine.id)
    retired = prompts.set_rule_active(s, mine.id, scope=sha01, active=False, by=None)
    assert (retired.active, retired.hotel) == (False, "SHA01")
    rows = dict(s.execute(select(PromptRule.code, PromptRule.hotel_id)).all())
    assert rows["parrot_hgh"] == hotel(s, "HGH01").id and "parrot_everywhere" not in rows
    assert s.scalar(select(PromptRule.active).where(PromptRule.code == "pet_bed")) is True

    south = s.scalar(select(Region.id).where(Region.code == "SOUTH"))
    assert south is not None
    region = DataScope.region(south)
    codes = {r.code for r in prompts.list_rules(s, scope=region)}
    assert "parrot_can" in codes and not {"parrot_hgh", "parrot_sha"} & codes
    changed = prompts.save_rule(s, _pet_rule("parrot_can", "CAN01"), scope=region, by=None, rule_id=canton.id)
    assert changed.editable
    page = prompts.rules_page(s, scope=sha01)
    assert ([h.code for h in page.hotels], page.all_hotels) == (["SHA01"], False)
    assert prompts.rules_page(s, scope=group).all_hotels


def test_recommendations_with_reasons_in_scope_and_an_offer(demo_group: Session) -> None:
    s = demo_group
    guest = make_guest(s)
    for _ in range(4):
        make_stay(s, "SHA01", guest, room_type="行政大床房")
    make_stay(s, "SHA01", guest, room_type="高级双床房")
    for _ in range(3):
        make_stay(s, "SHA02", guest, room_type="套房")
    s.add(GuestTag(guest_id=guest.id, tag="family", kind="rule", since=NOW))
    s.add(GuestMetrics(guest_id=guest.id, child_stays=3, stage="active", computed_on=DAY))
    s.add(Offer(name_zh="亲子套餐", name_en="Family fun", kind=OfferKind.FAMILY_PACKAGE, value_kind="percent",
                value=Decimal("15"), valid_from=DAY - timedelta(days=30),
                valid_to=DAY + timedelta(days=30)))  # fmt: skip
    s.flush()
    sha01 = DataScope.hotels(hotel(s, "SHA01").id)
    found = recommend.guest_recommendations(s, scope=sha01, public_id=guest.public_id, today=DAY)
    assert [(r.code, r.title_zh, r.reason_en, r.reason_zh) for r in found] == [
        ("room_type", "行政大床房", "4 of 5 stays in a 行政大床房", "5 次入住中有 4 次住行政大床房"),
        ("family_package", "家庭套餐", "stayed with children 3 times", "曾 3 次带儿童入住"),
    ]
    assert found[1].offer_name_en == "Family fun"
    group = recommend.guest_recommendations(s, scope=DataScope.group(), public_id=guest.public_id, today=DAY)
    assert group[0].reason_en == "4 of 8 stays in a 行政大床房"  # every hotel's stays in group scope
    later = recommend.guest_recommendations(
        s, scope=sha01, public_id=guest.public_id, today=DAY + timedelta(days=60)
    )
    assert later[1].offer_id is None  # the offer has ended
    assert recommend.headline(s, guest_id=guest.id, lang="zh", today=DAY) == "亲子套餐"
    fields = engage.guest_fields(s, guest, lang="en", hotel_id=None, unsubscribe_url="u", today=DAY)
    rendered = engage.render("{{ recommendation }}", "Try our {{ recommendation }}", fields, "en")
    assert rendered.subject == "Family fun" and "Try our Family fun" in rendered.text

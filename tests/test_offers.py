"""Offers and coupons at the service level, on both databases: the code format and its check
character (property tests), limits per guest and in total, validity with an injected clock, hotel
scope, and redemption from POS files (idempotent, findings on the rows that cannot redeem)."""

from __future__ import annotations

import csv
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from guestgraph import offers
from guestgraph.access import DataScope
from guestgraph.db.models import (
    AuditEventRow,
    Charge,
    Coupon,
    CouponState,
    OfferStatus,
    RecordIssue,
    SourceRecord,
)
from guestgraph.errors import HotelNotFound
from guestgraph.ingest import import_file
from tests.factories import hotel, make_guest, make_stay
from tests.ingest_helpers import factory

NOW = datetime(2026, 11, 20, 10, tzinfo=UTC)
POS_HEADER = [
    "check_no",
    "posted_at",
    "outlet",
    "room_no",
    "guest_name",
    "amount",
    "currency",
    "conf_no",
    "coupon",
]
codes = st.text(alphabet=offers.ALPHABET, min_size=9, max_size=9).map(lambda b: b + offers.check_character(b))


def _offer(session: Session, scope: DataScope | None = None, **changes: object) -> offers.OfferRow:
    spec = offers.OfferInput(
        name_zh="餐饮抵用券",
        name_en="F&B credit",
        kind="fnb_credit",
        value_kind="amount",
        value="200",
        currency="CNY",
        valid_from=date(2026, 11, 1),
        valid_to=date(2026, 12, 31),
    )
    spec = offers.OfferInput(**{**spec.__dict__, **changes})  # type: ignore[arg-type]
    return offers.create_offer(
        session, scope=scope or DataScope.group(), spec=spec, created_by_id=None, now=NOW
    )


# --- codes -----------------------------------------------------------------------------------


@given(codes)
def test_every_code_with_its_check_character_is_valid_and_typable(code: str) -> None:
    assert offers.is_valid(code) and len(code) == 10
    assert not set(code) & set("ILOUZ")  # nothing to misread
    typed = offers.display(code).lower().replace("0", "o").replace("1", "l")
    assert offers.normalise(" " + typed + " ") == code


@given(codes, st.integers(0, 9), st.sampled_from(offers.ALPHABET))
def test_any_single_wrong_character_is_caught(code: str, position: int, other: str) -> None:
    typo = code[:position] + other + code[position + 1 :]
    assert offers.is_valid(typo) == (typo == code)


@given(codes, st.integers(0, 9), st.integers(0, 9))
def test_any_swap_of_two_different_characters_is_caught(code: str, i: int, j: int) -> None:
    swapped = list(code)
    swapped[i], swapped[j] = swapped[j], swapped[i]
    assert offers.is_valid("".join(swapped)) == (code[i] == code[j])


def test_new_codes_are_random_and_valid() -> None:
    made = {offers.new_code() for _ in range(2000)}
    assert len(made) == 2000 and all(offers.is_valid(c) for c in made)
    with pytest.raises(offers.CouponCodeInvalid, match="swapped"):
        code = next(iter(made))
        offers.parse_code(code[1] + code[0] + code[2:] if code[0] != code[1] else code[:9] + "X")
    with pytest.raises(offers.CouponCodeInvalid, match="10 characters"):
        offers.parse_code("ABC")


# --- issuing and limits ----------------------------------------------------------------------


def test_a_guest_at_the_limit_gets_no_second_coupon_and_the_total_holds(demo_group: Session) -> None:
    s = demo_group
    offer = _offer(s, total_limit=2)
    first, second, third = (make_guest(s) for _ in range(3))
    issued = offers.issue_coupon(s, offer_id=offer.id, guest_id=first.id, via="staff", now=NOW)
    assert issued.code is not None and issued.reason is None
    again = offers.issue_coupon(s, offer_id=offer.id, guest_id=first.id, via="staff", now=NOW)
    assert again == offers.Issued(None, None, offers.COUPON_LIMIT)
    assert offers.issue_coupon(s, offer_id=offer.id, guest_id=second.id, via="staff", now=NOW).code
    sold_out = offers.issue_coupon(s, offer_id=offer.id, guest_id=third.id, via="staff", now=NOW)
    assert sold_out.reason == "offer total limit reached"
    assert offers.get_offer(s, offer.id, scope=DataScope.group()).issued == 2
    # a voided coupon gives its place back
    assert issued.coupon_id is not None
    assert offers.void_coupon(s, issued.coupon_id, reason="refused", now=NOW)
    assert offers.issue_coupon(s, offer_id=offer.id, guest_id=third.id, via="staff", now=NOW).code


def test_issuing_is_idempotent_per_message_and_stops_when_paused_or_ended(demo_group: Session) -> None:
    s = demo_group
    offer = _offer(s, per_guest_limit=3)
    guest = make_guest(s)
    one = offers.issue_coupon(
        s, offer_id=offer.id, guest_id=guest.id, via="journey", now=NOW, enrolment_id=None
    )
    assert one.code
    offers.set_offer_status(s, offer.id, scope=DataScope.group(), status=OfferStatus.PAUSED, now=NOW)
    assert (
        offers.issue_coupon(s, offer_id=offer.id, guest_id=guest.id, via="staff", now=NOW).reason
        == "offer paused"
    )
    offers.set_offer_status(s, offer.id, scope=DataScope.group(), status=OfferStatus.ACTIVE, now=NOW)
    late = datetime(2027, 1, 1, tzinfo=UTC)
    assert (
        offers.issue_coupon(s, offer_id=offer.id, guest_id=guest.id, via="staff", now=late).reason
        == "offer ended"
    )
    actions = set(s.scalars(select(AuditEventRow.action)))
    assert {"offer.create", "offer.pause", "offer.resume"} <= actions


def test_staff_issue_is_scoped_and_audited(demo_group: Session) -> None:
    s = demo_group
    sha, pek = hotel(s, "SHA01"), hotel(s, "PEK01")
    offer = _offer(s, hotel_codes=("SHA01",))
    here, elsewhere = make_guest(s), make_guest(s)
    make_stay(s, "SHA01", here)
    make_stay(s, "PEK01", elsewhere)
    scope = DataScope.hotels(sha.id)
    issued = offers.issue_by_staff(
        s, scope=scope, offer_id=offer.id, guest_public_id=here.public_id, staff_id=None, now=NOW
    )
    assert issued.code
    with pytest.raises(offers.OfferLimitReached):
        offers.issue_by_staff(
            s, scope=scope, offer_id=offer.id, guest_public_id=here.public_id, staff_id=None, now=NOW
        )
    with pytest.raises(Exception, match="No guest"):
        offers.issue_by_staff(
            s, scope=scope, offer_id=offer.id, guest_public_id=elsewhere.public_id, staff_id=None, now=NOW
        )
    with pytest.raises(offers.OfferNotFound):
        offers.get_offer(s, offer.id, scope=DataScope.hotels(pek.id))
    assert [o.id for o in offers.list_offers(s, scope=DataScope.hotels(pek.id))] == []
    event = s.scalars(select(AuditEventRow).where(AuditEventRow.action == "coupon.issue")).one()
    assert event.guest_public_id == here.public_id
    with pytest.raises(Exception, match="some hotels only"):
        _offer(s, scope=scope)  # a hotel's marketer cannot create a group-wide offer


# --- redemption by staff ---------------------------------------------------------------------


def test_staff_redemption_checks_dates_hotel_and_state(demo_group: Session) -> None:
    s = demo_group
    sha, pek = hotel(s, "SHA01"), hotel(s, "PEK01")
    offer = _offer(s, hotel_codes=("SHA01",), valid_from=date(2026, 11, 10), valid_to=date(2026, 11, 30))
    guest = make_guest(s)
    code = offers.issue_coupon(s, offer_id=offer.id, guest_id=guest.id, via="staff", now=NOW).code
    assert code is not None
    group = DataScope.group()
    early = datetime(2026, 11, 9, 12, tzinfo=UTC)
    assert (
        offers.check_coupon(s, code, scope=group, hotel_code="SHA01", now=early).problem
        == "coupon.not_yet_valid"
    )
    assert (
        offers.check_coupon(s, code, scope=group, hotel_code="PEK01", now=NOW).problem == "coupon.wrong_hotel"
    )
    # 30 November 23:30 in Shanghai is still valid; 1 December 00:30 there is not (the hotel's local date)
    last = datetime(2026, 11, 30, 15, 30, tzinfo=UTC)
    after = datetime(2026, 11, 30, 16, 30, tzinfo=UTC)
    assert offers.check_coupon(s, code, scope=group, hotel_code="SHA01", now=last).problem is None
    expired = offers.check_coupon(s, code, scope=group, hotel_code="SHA01", now=after)
    assert expired.problem == "coupon.expired" and expired.state == "expired"
    with pytest.raises(offers.CouponNotRedeemable) as refused:
        offers.redeem_coupon(
            s, code, scope=group, hotel_code="SHA01", amount="388", outlet="fnb", staff_id=None, now=after
        )
    assert refused.value.reason == "coupon.expired"
    with pytest.raises(HotelNotFound):  # a clerk of Beijing cannot redeem at Shanghai
        offers.redeem_coupon(
            s,
            code,
            scope=DataScope.hotels(pek.id),
            hotel_code="SHA01",
            amount="1",
            outlet="fnb",
            staff_id=None,
            now=NOW,
        )
    with pytest.raises(offers.CouponNotFound):  # nor see a Shanghai-only coupon
        offers.check_coupon(s, code, scope=DataScope.hotels(pek.id), hotel_code="PEK01", now=NOW)
    done = offers.redeem_coupon(
        s, offers.display(code).lower(), scope=DataScope.hotels(sha.id), hotel_code="SHA01", amount="388.5",
        outlet="fnb", staff_id=None, now=NOW,
    )  # fmt: skip
    assert done.state == "redeemed" and done.redeemed_amount == "388.50" and done.redeemed_hotel == "SHA01"
    with pytest.raises(offers.CouponNotRedeemable, match="already"):
        offers.redeem_coupon(
            s, code, scope=group, hotel_code="SHA01", amount="1", outlet="fnb", staff_id=None, now=NOW
        )
    assert s.scalar(select(func.count()).where(AuditEventRow.action == "coupon.redeem")) == 1
    assert offers.expire_coupons(s, today=date(2027, 1, 1)) == 0  # redeemed stays redeemed


def test_the_expiry_job_marks_past_coupons(demo_group: Session) -> None:
    s = demo_group
    offer = _offer(s, valid_to=date(2026, 11, 25))
    code = offers.issue_coupon(s, offer_id=offer.id, guest_id=make_guest(s).id, via="staff", now=NOW).code
    assert offers.expire_coupons(s, today=date(2026, 11, 25)) == 0
    assert offers.expire_coupons(s, today=date(2026, 11, 26)) == 1
    assert s.scalar(select(Coupon.state).where(Coupon.code == code)) is CouponState.EXPIRED


# --- redemption from POS files ---------------------------------------------------------------


def write_pos(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=POS_HEADER)
        writer.writeheader()
        for row in rows:
            writer.writerow({k: row.get(k, "") for k in POS_HEADER})
    return path


def pos_row(
    check: str, coupon: str = "", amount: str = "520.00", posted: str = "2026-11-20 19:30"
) -> dict[str, str]:
    return {
        "check_no": check, "posted_at": posted, "outlet": "restaurant", "room_no": "1208",
        "guest_name": "王先生", "amount": amount, "currency": "CNY", "coupon": coupon,
    }  # fmt: skip


def _issues(s: Session, check: str) -> set[str]:
    return set(
        s.scalars(
            select(RecordIssue.rule)
            .join(SourceRecord, SourceRecord.id == RecordIssue.source_record_id)
            .where(SourceRecord.external_id == f"SHA01:{check}")
        )
    )


def test_pos_import_redeems_once_and_reports_the_rest(demo_group: Session, tmp_path: Path) -> None:
    s = demo_group
    offer = _offer(s, per_guest_limit=5, valid_to=date(2026, 11, 25))
    guest = make_guest(s)
    good, other, late = (
        offers.issue_coupon(s, offer_id=offer.id, guest_id=guest.id, via="staff", now=NOW).code
        for _ in range(3)
    )
    assert good and other and late
    s.commit()
    typo = good[1] + good[0] + good[2:] if good[0] != good[1] else good[:9] + ("X" if good[9] != "X" else "Y")
    first = write_pos(
        tmp_path / "SHA01_folio.csv",
        [
            pos_row("A1", offers.display(good).lower()),
            pos_row("A2", good),  # the same code twice in one file
            pos_row("A3", offers.new_code()),
            pos_row("A4", typo),
            pos_row("A5", late, posted="2026-11-26 09:00"),  # after its last day
            pos_row("A6"),
        ],
    )
    result = import_file(factory(s.get_bind()), first, source="pos", today=date(2026, 11, 27))  # type: ignore[arg-type]
    assert result.summary.reconciles and result.summary.quarantined == 0
    assert s.scalar(select(func.count()).select_from(Charge)) == 6  # every check is revenue
    s.expire_all()
    redeemed = s.scalars(select(Coupon).where(Coupon.code == good)).one()
    assert redeemed.state is CouponState.REDEEMED and redeemed.redeemed_via == "import"
    assert redeemed.redeemed_amount == Decimal("520.00") and redeemed.charge_id is not None
    assert _issues(s, "A1") == set()
    assert _issues(s, "A2") == {"coupon.redeemed"}
    assert _issues(s, "A3") == {"coupon.unknown"}
    assert _issues(s, "A4") == {"coupon.invalid"}
    assert _issues(s, "A5") == {"coupon.expired"}
    assert s.scalar(select(Coupon.state).where(Coupon.code == late)) is CouponState.ISSUED

    again = import_file(factory(s.get_bind()), first, source="pos", today=date(2026, 11, 27))  # type: ignore[arg-type]
    assert again.summary.duplicates == 6
    # a corrected version of check A1 (new amount) moves the redemption instead of refusing it
    changed = write_pos(
        tmp_path / "SHA01_folio_v2.csv", [pos_row("A1", good, amount="610.00"), pos_row("B1", good)]
    )
    import_file(factory(s.get_bind()), changed, source="pos", today=date(2026, 11, 27))  # type: ignore[arg-type]
    s.expire_all()
    redeemed = s.scalars(select(Coupon).where(Coupon.code == good)).one()
    assert redeemed.redeemed_amount == Decimal("610.00")
    assert s.get(Charge, redeemed.charge_id).amount == Decimal("610.00")  # type: ignore[union-attr]
    assert _issues(s, "B1") == {"coupon.redeemed"}
    assert s.scalar(select(func.count()).where(AuditEventRow.action == "coupon.redeem")) == 2


# --- privacy ---------------------------------------------------------------------------------


def test_coupons_are_exported_and_erased_a_redeemed_one_kept_without_the_guest(demo_group: Session) -> None:
    from guestgraph import privacy

    s = demo_group
    offer = _offer(s, per_guest_limit=2)
    guest = make_guest(s)
    kept, dropped = (
        offers.issue_coupon(s, offer_id=offer.id, guest_id=guest.id, via="staff", now=NOW).code
        for _ in range(2)
    )
    assert kept and dropped
    offers.redeem_coupon(
        s,
        kept,
        scope=DataScope.group(),
        hotel_code="SHA01",
        amount="100",
        outlet="fnb",
        staff_id=None,
        now=NOW,
    )
    data = privacy.export_guest(s, scope=DataScope.group(), public_id=guest.public_id, actor_id=None, now=NOW)
    assert {row["code"] for row in data["tables"]["coupon"]} == {kept, dropped}
    outcome = privacy.erase_guest(s, guest_id=guest.id, now=NOW)
    assert outcome.counts["coupon"] == 2
    rows = s.execute(select(Coupon.code, Coupon.guest_id, Coupon.redeemed_amount)).all()
    assert rows == [(kept, None, Decimal("100.00"))]
    assert offers.offer_report(s, offer.id, scope=DataScope.group()).totals.revenue == {"CNY": "100.00"}

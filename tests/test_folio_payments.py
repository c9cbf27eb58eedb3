"""Folio payments (issue 6) on SQLite and PostgreSQL: the desk posts a payment to a stay of its hotel
(a front-desk record, audited, scoped in the data layer), the folio has a balance (charges less
payments) in the service's answers, the profile, the API and the statement PDF; a check-out leaves a
balance open and says so; a PMS folio line naming a payment method is a payment; payments never count
as spend or revenue; erasure keeps them for accounting without the person."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from guestgraph import analytics, audit, frontdesk, identity, ingest, privacy, profiles
from guestgraph.access import DataScope
from guestgraph.db import make_session_factory
from guestgraph.db.models import (
    Charge,
    GuestMetrics,
    Hotel,
    Payment,
    PaymentMethod,
    RecordType,
    SourceRecord,
    SourceSystem,
    Stay,
)
from guestgraph.errors import HotelNotFound, InvalidInput
from guestgraph.paging import PageRequest
from tests.conftest import LiveServer
from tests.factories import hotel, make_guest, make_mention, make_stay, without_pms_feed
from tests.ingest_helpers import factory, good_row, write_pms_cn
from tests.test_analytics_late_folio_line import _figures, _primary
from tests.test_documents import pdf_text

VALID_ID = "11010519491231002X"
GROUP = DataScope.group()


def _codes(session: Session) -> tuple[str, str]:
    a, b = list(session.scalars(select(Hotel.code).order_by(Hotel.code)))[:2]
    return a, b


def _booked(session: Session, engine: Engine, code: str) -> tuple[str, str, DataScope]:
    """A guest booked at `code` by the desk, arriving today (room revenue 900 for two nights)."""
    today = datetime.now(ZoneInfo(hotel(session, code).timezone)).date()
    guest = make_guest(session, full_name="王小明", phone="+8613812345678")
    make_mention(session, guest, full_name="王小明", name_key="wangxiaoming", phone="+8613812345678")
    make_stay(session, code, guest)
    without_pms_feed(session, code)
    session.commit()
    scope = DataScope.hotels(hotel(session, code).id)
    booked = frontdesk.create_reservation(
        make_session_factory(engine),
        scope=scope,
        reservation=frontdesk.NewReservation(
            code, guest.public_id, today, today + timedelta(days=2), "DK", amount=Decimal("900")
        ),
        staff_user_id=None,
    )
    return booked.confirmation_number, guest.public_id, scope


def _in_house(session: Session, engine: Engine, code: str) -> tuple[str, str, DataScope]:
    """A guest booked and checked in at `code` by the desk (room revenue 900 for two nights)."""
    conf, public_id, scope = _booked(session, engine, code)
    frontdesk.change_stay(
        make_session_factory(engine),
        scope=scope,
        hotel_code=code,
        confirmation_number=conf,
        operation="check_in",
        staff_user_id=None,
        room_number="1208",
        id_type="cn_resident_id",
        id_number=VALID_ID,
    )
    return conf, public_id, scope


def _pay(
    engine: Engine, scope: DataScope, code: str, conf: str, **values: object
) -> frontdesk.OperationResult:
    args: dict[str, object] = {
        "method": "alipay",
        "amount": Decimal("300"),
        "reference": None,
        "card_last4": None,
    }
    return frontdesk.post_payment(
        make_session_factory(engine),
        scope=scope,
        hotel_code=code,
        confirmation_number=conf,
        staff_user_id=None,
        **(args | values),  # type: ignore[arg-type]
    )


def test_the_desk_posts_payments_and_the_folio_has_a_balance(demo_group: Session, engine: Engine) -> None:
    s = demo_group
    a, b = _codes(s)
    conf, public_id, scope = _in_house(s, engine, a)
    fx = make_session_factory(engine)
    charged = frontdesk.post_charge(
        fx,
        scope=scope,
        hotel_code=a,
        confirmation_number=conf,
        outlet="fnb",
        amount=Decimal("120.50"),
        description="dinner",
        staff_user_id=None,
    )
    assert (charged.balance, charged.currency) == (Decimal("1020.50"), "CNY")  # 900 room + 120.50
    paid = _pay(
        engine,
        scope,
        a,
        conf,
        method="card",
        amount=Decimal("500"),
        reference="POS-77",
        card_last4="4242",
    )
    assert (paid.status, paid.balance, paid.currency) == ("in_house", Decimal("520.50"), "CNY")
    s.expire_all()
    payment = s.scalars(select(Payment)).one()
    assert (payment.method, payment.amount, payment.reference, payment.card_last4) == (
        PaymentMethod.CARD,
        Decimal("500.00"),
        "POS-77",
        "4242",
    )
    stay = s.scalars(select(Stay).where(Stay.confirmation_number == conf)).one()
    assert (payment.stay_id, payment.hotel_id, payment.currency) == (stay.id, stay.hotel_id, "CNY")
    record = s.get(SourceRecord, payment.source_record_id)  # lineage: the desk's record of the payment
    assert record is not None and record.record_type is RecordType.FOLIO
    assert (
        s.scalar(select(SourceSystem.code).where(SourceSystem.id == record.source_system_id)) == "frontdesk"
    )
    assert s.scalar(select(func.count()).select_from(Charge).where(Charge.stay_id == stay.id)) == 1
    events = audit.search_events(s, action="guest.stay.payment", paging=PageRequest(page=1, size=10)).items
    (event,) = events
    assert (event.event.object_id, event.event.details["method"]) == (conf, "card")
    # the profile's stay: what was spent (unchanged by the payment), paid, and the balance
    line = next(
        x
        for x in profiles.get_profile(s, scope=scope, public_id=public_id).stays
        if x.confirmation_number == conf
    )
    assert (line.spend, line.paid, line.balance) == (
        {"fnb": Decimal("120.50")},
        Decimal("500.00"),
        Decimal("520.50"),
    )
    # check-out with the balance open is allowed (city ledger) and the answer shows it
    out = frontdesk.change_stay(
        fx, scope=scope, hotel_code=a, confirmation_number=conf, operation="check_out", staff_user_id=None
    )
    assert (out.status, out.balance) == ("checked_out", Decimal("520.50"))
    settled = _pay(
        engine,
        scope,
        a,
        conf,
        method="city_ledger",
        amount=Decimal("520.50"),
        reference="4111 1111 1111 1111",
    )
    assert settled.balance == Decimal("0.00")
    s.expire_all()  # a card number typed as the reference is never stored
    references = set(s.scalars(select(Payment.reference)))
    assert references == {"POS-77", "[card removed]"}
    # another hotel's stay: the desk of hotel A does not operate hotel B (404)
    with pytest.raises(HotelNotFound):
        _pay(engine, scope, b, conf)


def test_the_arrivals_list_shows_what_each_folio_has_received(demo_group: Session, engine: Engine) -> None:
    s = demo_group
    a, _b = _codes(s)
    conf, _public_id, scope = _in_house(s, engine, a)

    def line() -> frontdesk.ArrivalLine:
        listed = frontdesk.list_arrivals(s, scope=scope, hotel_code=a, day="today").lines
        return next(x for x in listed if x.confirmation_number == conf)

    assert (line().paid, line().balance) == (Decimal("0"), Decimal("900.00"))  # room posted, nothing paid
    _pay(engine, scope, a, conf, method="cash", amount=Decimal("300"))
    s.expire_all()
    assert (line().paid, line().balance, line().currency) == (Decimal("300.00"), Decimal("600.00"), "CNY")


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"amount": Decimal("0")}, "amount"),
        ({"amount": Decimal("-5")}, "amount"),
        ({"method": "bitcoin"}, "method"),
        ({"card_last4": "4111111111111111"}, "card_last4"),
        ({"reference": "x" * 65}, "reference"),
    ],
)
def test_a_payment_that_cannot_be_right_is_refused_naming_the_field(
    demo_group: Session, engine: Engine, values: dict[str, object], field: str
) -> None:
    a, _b = _codes(demo_group)
    conf, _public_id, scope = _in_house(demo_group, engine, a)
    with pytest.raises(InvalidInput) as refused:
        _pay(engine, scope, a, conf, **values)
    assert refused.value.message.startswith(f"{field}:")
    assert demo_group.scalar(select(func.count()).select_from(Payment)) == 0


STAYS = [
    good_row(
        "8101",
        姓名="客人1",
        证件号码="",
        手机="13900000001",
        邮箱="guest1@example.cn",
        到店日期="2026/10/01",
        离店日期="2026/10/03",
    )
]


def _line(engine: Engine, external_id: str, version: int = 1, **fields: str) -> None:
    record = ingest.InboundRecord(
        record_type=RecordType.FOLIO,
        external_id=external_id,
        location="item 1",
        raw="",
        raw_format="api",
        fields={"confirmation_number": "8101", "currency": "CNY", "posted_at": "2026-10-02T20:15:00+08:00"}
        | fields,
        persons=[{"role": "primary", "full_name": "客人1"}],
        source_version=version,
        hotel_code="SHA01",
    )
    request = ingest.ImportRequest(source="pms", channel="api", format="api", hotel_code="SHA01")
    ingest.run_import(factory(engine), [record], request)


def test_a_payment_line_from_the_pms_is_no_spend_and_erasure_keeps_it_without_the_person(
    engine: Engine, demo_group: Session, tmp_path: Path
) -> None:
    s = demo_group
    ingest.import_file(factory(engine), write_pms_cn(tmp_path / "SHA01_stays.csv", STAYS), source="pms")
    identity.resolve_all(factory(engine))
    _line(engine, "SHA01:folio:L-1", outlet="fnb", amount="180.50")
    identity.resolve_all(factory(engine))
    as_of = date(2026, 11, 1)
    analytics.refresh(engine, settings=analytics.AnalyticsSettings(), as_of=as_of)
    guest_id = _primary(s, "8101")
    assert guest_id is not None
    before = _figures(s)
    spent = s.get(GuestMetrics, guest_id)
    assert spent is not None and spent.monetary > 0

    _line(engine, "SHA01:folio:P-1", amount="700.00", payment_method="支付宝", payment_reference="AP-2026-1")
    s.expire_all()
    payment = s.scalars(select(Payment)).one()
    stay = s.scalars(select(Stay).where(Stay.confirmation_number == "8101")).one()
    assert (payment.method, payment.amount, payment.stay_id) == (
        PaymentMethod.ALIPAY,
        Decimal("700.00"),
        stay.id,
    )
    assert s.scalar(select(func.count()).select_from(Charge)) == 1  # the payment is not a folio charge
    analytics.refresh(engine, settings=analytics.AnalyticsSettings(), as_of=as_of, incremental=True)
    assert _figures(s) == before  # monetary, outlet spend and the dashboards are unchanged
    analytics.refresh(engine, settings=analytics.AnalyticsSettings(), as_of=as_of)
    assert _figures(s) == before
    exported = privacy.export_guest(
        s, scope=GROUP, public_id=_public(s, guest_id), actor_id=None, now=datetime.now(UTC)
    )
    assert [p["reference"] for p in exported["tables"]["payment"]] == ["AP-2026-1"]

    privacy.erase_guest(s, guest_id=guest_id, now=datetime.now(UTC))
    s.commit()
    s.expire_all()
    kept = s.scalars(select(Payment)).one()  # kept for accounting, on the anonymised stay
    assert (kept.amount, kept.stay_id, kept.reference, kept.card_last4) == (
        Decimal("700.00"),
        stay.id,
        None,
        None,
    )


def _public(s: Session, guest_id: int) -> str:
    from guestgraph.db.models import Guest

    public_id = s.scalar(select(Guest.public_id).where(Guest.id == guest_id))
    assert public_id is not None
    return public_id


def test_payments_over_http_the_page_and_the_folio_statement(
    live: LiveServer, demo_group: Session, engine: Engine
) -> None:
    s = demo_group
    a, b = _codes(s)
    conf, public_id, scope = _in_house(s, engine, a)
    payments = f"/api/v1/hotels/{a}/stays/{conf}/payments"
    with live.client(role="front_desk", scope=scope) as c:
        made = c.post(payments, json={"method": "wechat_pay", "amount": "250.00", "reference": "WX-1"})
        assert made.status_code == 201, made.text
        assert (made.json()["balance"], made.json()["currency"]) == ("650.00", "CNY")
        zero = c.post(payments, json={"method": "cash", "amount": "0"})
        assert zero.status_code == 422 and "amount" in zero.text
        unknown = c.post(payments, json={"method": "bitcoin", "amount": "10"})
        assert unknown.status_code == 400 and unknown.json()["message"].startswith("method:")
        assert (
            c.post(
                f"/api/v1/hotels/{b}/stays/{conf}/payments", json={"method": "cash", "amount": "1"}
            ).status_code
            == 404
        )
        arrivals = c.get("/arrivals", params={"hotel": a, "lang": "en"})  # the deposit shows at arrival
        assert 'data-paid="250.00"' in arrivals.text
        page = c.get(f"/guests/{public_id}", params={"lang": "en"})
        assert (
            f'action="/stays/{a}/{conf}/payments"' in page.text and 'data-open-balance="650.00"' in page.text
        )
        form = c.post(
            f"/stays/{a}/{conf}/payments",
            data={"method": "cash", "amount": "50", "next": f"/guests/{public_id}"},
        )
        assert form.status_code == 303
        out = c.post(f"/api/v1/hotels/{a}/stays/{conf}/check-out")
        assert (out.json()["status"], out.json()["balance"]) == ("checked_out", "600.00")
        folio = c.get(f"/stays/{a}/{conf}/folio.pdf")
    assert folio.status_code == 200
    text = pdf_text(folio.content)
    assert "微信支付 WeChat Pay WX-1 CNY 250.00" in text and "现金 Cash – CNY 50.00" in text
    assert "已付 Paid CNY 300.00" in text and "余额 Balance due CNY 600.00" in text
    assert "合计 Total CNY 900.00" in text  # the charges' total is unchanged by payments
    with live.client(role="marketing") as c:
        assert c.post(payments, json={"method": "cash", "amount": "1"}).status_code == 403


def _payment(s: Session, external_id: str) -> tuple[int | None, str | None]:
    s.expire_all()
    record = select(SourceRecord.id).where(SourceRecord.external_id == external_id)
    found = s.execute(
        select(Payment.stay_id, Payment.awaited_confirmation_number).where(
            Payment.source_record_id.in_(record)
        )
    )
    stay_id, awaited = found.one()
    return stay_id, awaited


def test_a_payment_imported_before_its_stay_reaches_the_folio_when_the_stay_arrives(
    engine: Engine, demo_group: Session, tmp_path: Path
) -> None:
    s = demo_group
    deposit = {"amount": "500.00", "payment_method": "deposit", "payment_reference": "DEP-8104"}
    _line(engine, "SHA01:folio:D-1", confirmation_number="8104", **deposit)  # the folio export first
    _line(engine, "SHA01:folio:D-2", confirmation_number="X" * 65, **deposit)  # no stay has such a number
    assert _payment(s, "SHA01:folio:D-1") == (None, "8104")
    assert _payment(s, "SHA01:folio:D-2") == (None, None)

    from tests.test_analytics_late_folio_line import _row

    late = [_row("8104", 4, "2026/10/02", "2026/10/03")]
    ingest.import_file(factory(engine), write_pms_cn(tmp_path / "SHA01_late.csv", late), source="pms")
    stay_id = s.scalar(select(Stay.id).where(Stay.confirmation_number == "8104"))
    assert stay_id is not None and _payment(s, "SHA01:folio:D-1") == (stay_id, None)
    balance = profiles.folio_balances(s, [stay_id])[stay_id]
    assert balance.payments == Decimal("500.00")
    assert _payment(s, "SHA01:folio:D-2") == (None, None)  # still on no folio, and still stored

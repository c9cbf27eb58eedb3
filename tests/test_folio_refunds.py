"""Refunds and voids on a stay's folio (issues 4 and 6) on SQLite and PostgreSQL: a refund gives money
back with a reason, never more than the folio holds in that currency; a void marks a payment posted in
error (kept, never deleted: a newer version of its front-desk record, so lineage holds) and the balance,
the profile, the statement PDF and the export reflect both; each is audited; the refusals name the field
and the fix; over HTTP (API and the stay row's HTMX part) with the desk's permission and scope."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from guestgraph import audit, frontdesk, privacy, profiles
from guestgraph.access import DataScope
from guestgraph.db import make_session_factory
from guestgraph.db.models import Guest, Payment, SourceRecord, Stay
from guestgraph.errors import Conflict, InvalidInput
from guestgraph.paging import PageRequest
from tests.conftest import LiveServer
from tests.test_documents import pdf_text
from tests.test_folio_payments import _booked, _codes, _in_house, _line, _pay


def _refund(
    engine: Engine, scope: DataScope, code: str, conf: str, **values: object
) -> frontdesk.OperationResult:
    args: dict[str, object] = {"method": "cash", "amount": Decimal("100"), "reason": "overpaid"}
    return frontdesk.refund_payment(
        make_session_factory(engine),
        scope=scope,
        hotel_code=code,
        confirmation_number=conf,
        staff_user_id=None,
        **(args | values),  # type: ignore[arg-type]
    )


def _void(
    engine: Engine, scope: DataScope, code: str, conf: str, payment_id: int, reason: str = "wrong stay"
) -> frontdesk.OperationResult:
    return frontdesk.void_payment(
        make_session_factory(engine),
        scope=scope,
        hotel_code=code,
        confirmation_number=conf,
        payment_id=payment_id,
        reason=reason,
        staff_user_id=None,
    )


def _payments(s: Session) -> list[Payment]:
    s.expire_all()
    return list(s.scalars(select(Payment).order_by(Payment.id)))


def _events(s: Session, action: str) -> list[audit.AuditRecord]:
    return list(audit.search_events(s, action=action, paging=PageRequest(page=1, size=10)).items)


def test_a_refund_gives_back_at_most_what_the_folio_holds(demo_group: Session, engine: Engine) -> None:
    s = demo_group
    a, _b = _codes(s)
    conf, public_id, scope = _in_house(s, engine, a)  # 900 of room revenue
    _pay(engine, scope, a, conf, method="card", amount=Decimal("500"), card_last4="4242")
    refunded = _refund(engine, scope, a, conf, method="card", amount=Decimal("200"), reason="  room moved ")
    assert (refunded.balance, refunded.currency) == (Decimal("600.00"), "CNY")  # 900 - (500 - 200)
    _paid, refund = _payments(s)
    assert (refund.amount, refund.currency, refund.reason, refund.voided_at) == (
        Decimal("-200.00"),
        "CNY",
        "room moved",
        None,
    )
    (event,) = _events(s, "guest.stay.refund")
    assert (event.event.object_id, event.event.details["method"], event.event.details["currency"]) == (
        conf,
        "card",
        "CNY",
    )
    line = next(
        x
        for x in profiles.get_profile(s, scope=scope, public_id=public_id).stays
        if x.confirmation_number == conf
    )
    assert (line.paid, line.balance) == (Decimal("300.00"), Decimal("600.00"))
    # never more than the folio holds (500 received less 200 refunded), in that currency, with a reason
    with pytest.raises(InvalidInput) as over:
        _refund(engine, scope, a, conf, amount=Decimal("300.01"))
    assert over.value.message.startswith("amount:") and "CNY 300.00" in over.value.message
    assert over.value.hint == "Refund at most CNY 300.00."
    with pytest.raises(InvalidInput) as currency:
        _refund(engine, scope, a, conf, amount=Decimal("10"), currency="USD")
    assert currency.value.message.startswith("currency:") and "USD" in currency.value.message
    assert "CNY 300.00" in currency.value.message
    with pytest.raises(InvalidInput) as reason:
        _refund(engine, scope, a, conf, reason="   ")
    assert reason.value.message.startswith("reason:")
    with pytest.raises(InvalidInput) as method:
        _refund(engine, scope, a, conf, method="bitcoin")
    assert method.value.message.startswith("method:")
    assert len(_payments(s)) == 2  # nothing refused was posted
    assert _refund(engine, scope, a, conf, amount=Decimal("300")).balance == Decimal("900.00")


def test_a_deposit_is_refunded_when_the_booking_is_cancelled(demo_group: Session, engine: Engine) -> None:
    s = demo_group
    a, _b = _codes(s)
    conf, _public_id, scope = _booked(s, engine, a)  # the room is not on the folio before check-in
    assert _pay(engine, scope, a, conf, method="deposit", amount=Decimal("300")).balance == Decimal("-300.00")
    frontdesk.change_stay(
        make_session_factory(engine),
        scope=scope,
        hotel_code=a,
        confirmation_number=conf,
        operation="cancel",
        staff_user_id=None,
    )
    done = _refund(
        engine, scope, a, conf, amount=Decimal("300"), reason="booking cancelled, deposit returned"
    )
    assert (done.status, done.balance) == ("cancelled", Decimal("0.00"))


def test_a_void_keeps_the_payment_marked_and_leaves_it_out_of_the_balance(
    demo_group: Session, engine: Engine
) -> None:
    s = demo_group
    a, _b = _codes(s)
    conf, public_id, scope = _in_house(s, engine, a)
    _pay(engine, scope, a, conf, method="alipay", amount=Decimal("500"))
    _pay(engine, scope, a, conf, method="cash", amount=Decimal("80"), reference="R-9")
    good, wrong = _payments(s)
    first_record = wrong.source_record_id
    voided = _void(engine, scope, a, conf, wrong.id, reason="posted to the wrong stay")
    assert voided.balance == Decimal("400.00")  # 900 - 500: the 80 counts for nothing
    kept = _payments(s)
    assert [p.id for p in kept] == [good.id, wrong.id]  # kept, same row, never deleted
    after = kept[1]
    assert (after.amount, after.reference, after.void_reason) == (
        Decimal("80.00"),
        "R-9",
        "posted to the wrong stay",
    )
    assert after.voided_at is not None and good.voided_at is None
    # lineage: the void is a newer version of the payment's front-desk record; the first is kept
    versions = s.execute(
        select(SourceRecord.id, SourceRecord.source_version, SourceRecord.is_current)
        .where(SourceRecord.external_id == s.get(SourceRecord, first_record).external_id)  # type: ignore[union-attr]
        .order_by(SourceRecord.source_version)
    ).all()
    assert [(v, current) for _id, v, current in versions] == [(1, False), (2, True)]
    assert after.source_record_id == versions[1][0] == voided.source_record_id
    (event,) = _events(s, "guest.stay.void_payment")
    assert (event.event.object_id, event.event.details["payment"]) == (conf, str(wrong.id))
    line = next(
        x
        for x in profiles.get_profile(s, scope=scope, public_id=public_id).stays
        if x.confirmation_number == conf
    )
    assert (line.paid, line.balance) == (Decimal("500.00"), Decimal("400.00"))
    listed = frontdesk.stay_payments(s, scope=scope, hotel_code=a, confirmation_number=conf)
    assert [(p.payment_id, p.voidable, p.void_reason) for p in listed] == [
        (good.id, True, None),
        (wrong.id, False, "posted to the wrong stay"),
    ]
    # refusals name the field and the fix
    with pytest.raises(Conflict) as again:
        _void(engine, scope, a, conf, wrong.id)
    assert again.value.message.startswith("payment_id:") and "already voided" in again.value.message
    with pytest.raises(frontdesk.PaymentNotFound) as unknown:
        _void(engine, scope, a, conf, 987654321)
    assert unknown.value.message.startswith("payment_id:") and "GET" in (unknown.value.hint or "")
    with pytest.raises(InvalidInput) as no_reason:
        _void(engine, scope, a, conf, good.id, reason="")
    assert no_reason.value.message.startswith("reason:")
    # a refund of money received cannot outlive the payment: void the refund first
    _refund(engine, scope, a, conf, amount=Decimal("500"), reason="paid twice")
    with pytest.raises(InvalidInput) as refunded:
        _void(engine, scope, a, conf, good.id)
    assert refunded.value.message.startswith("payment_id:") and "Void the refund" in (
        refunded.value.hint or ""
    )
    refund = _payments(s)[2]
    assert _void(engine, scope, a, conf, refund.id, reason="refund keyed twice").balance == Decimal("400.00")
    assert _void(engine, scope, a, conf, good.id).balance == Decimal("900.00")
    # erasure keeps the payments for accounting (the void still marked) without the free-text reasons
    guest_id = s.scalar(select(Guest.id).where(Guest.public_id == public_id))
    assert guest_id is not None
    privacy.erase_guest(s, guest_id=guest_id, now=datetime.now(UTC))
    s.commit()
    left = _payments(s)
    assert [(p.reason, p.void_reason, p.voided_at is not None) for p in left] == [
        (None, None, True),
        (None, None, True),
        (None, None, True),
    ]


def test_refunds_and_voids_over_http_the_stay_part_and_the_folio_statement(
    live: LiveServer, demo_group: Session, engine: Engine
) -> None:
    s = demo_group
    a, b = _codes(s)
    conf, public_id, scope = _in_house(s, engine, a)
    base = f"/api/v1/hotels/{a}/stays/{conf}"
    with live.client(role="front_desk", scope=scope) as c:
        assert c.post(
            f"{base}/payments", json={"method": "card", "amount": "500", "reference": "POS-1"}
        ).is_success
        assert c.post(f"{base}/payments", json={"method": "cash", "amount": "70"}).is_success
        made = c.post(
            f"{base}/refunds", json={"method": "card", "amount": "120.00", "reason": "minibar disputed"}
        )
        assert made.status_code == 201, made.text
        assert (made.json()["balance"], made.json()["currency"]) == ("450.00", "CNY")  # 900 - 570 + 120
        over = c.post(f"{base}/refunds", json={"method": "cash", "amount": "1000", "reason": "x"})
        assert over.status_code == 400 and over.json()["message"].startswith("amount:")
        usd = c.post(
            f"{base}/refunds", json={"method": "cash", "amount": "1", "reason": "x", "currency": "USD"}
        )
        assert usd.status_code == 400 and usd.json()["message"].startswith("currency:")
        assert (
            c.post(f"{base}/refunds", json={"method": "cash", "amount": "1"}).status_code == 422
        )  # no reason
        listed = c.get(f"{base}/payments")
        assert listed.status_code == 200
        kinds = [(p["kind"], p["amount"], p["voidable"]) for p in listed.json()]
        assert kinds == [("payment", "500.00", True), ("payment", "70.00", True), ("refund", "-120.00", True)]
        cash_id = listed.json()[1]["payment_id"]
        voided = c.post(f"{base}/payments/{cash_id}/void", json={"reason": "keyed twice"})
        assert voided.status_code == 200 and voided.json()["balance"] == "520.00"
        again = c.post(f"{base}/payments/{cash_id}/void", json={"reason": "keyed twice"})
        assert again.status_code == 409 and again.json()["message"].startswith("payment_id:")
        unknown = c.post(f"{base}/payments/987654321/void", json={"reason": "x"})
        assert unknown.status_code == 404 and unknown.json()["error"] == "payment_not_found"
        elsewhere = f"/api/v1/hotels/{b}/stays/{conf}"  # another hotel's desk: not found, as for no stay
        assert c.get(f"{elsewhere}/payments").status_code == 404
        assert (
            c.post(f"{elsewhere}/refunds", json={"method": "cash", "amount": "1", "reason": "x"}).status_code
            == 404
        )
        # the stay row's HTMX part: its payments, a void button each, the refund form; a refusal is said there
        page = c.get(f"/guests/{public_id}", params={"lang": "en"})
        assert f'hx-get="/stays/{a}/{conf}/payments?next=' in page.text
        part = c.get(f"/stays/{a}/{conf}/payments", params={"lang": "en", "next": f"/guests/{public_id}"})
        assert part.status_code == 200 and 'data-voided="true"' in part.text and "keyed twice" in part.text
        assert f'action="/stays/{a}/{conf}/refunds"' in part.text
        hx = {"HX-Request": "true"}
        refused = c.post(
            f"/stays/{a}/{conf}/refunds",
            data={"method": "cash", "amount": "5000", "reason": "x", "next": f"/guests/{public_id}"},
            headers=hx,
        )
        assert refused.status_code == 200 and 'role="alert"' in refused.text and "amount:" in refused.text
        done = c.post(
            f"/stays/{a}/{conf}/refunds",
            data={
                "method": "cash",
                "amount": "20",
                "reason": "late checkout waived",
                "next": f"/guests/{public_id}",
            },
            headers=hx,
        )
        assert done.status_code == 200 and done.headers["HX-Refresh"] == "true"
        refund_id = c.get(f"{base}/payments").json()[-1]["payment_id"]
        struck = c.post(
            f"/stays/{a}/{conf}/payments/{refund_id}/void",
            data={"reason": "", "next": f"/guests/{public_id}"},
            headers=hx,
        )
        assert struck.status_code == 200 and "reason:" in struck.text  # said on the part, nothing voided
        form = c.post(
            f"/stays/{a}/{conf}/payments/{refund_id}/void",
            data={"reason": "wrong amount", "next": f"/guests/{public_id}"},
        )
        assert form.status_code == 303 and form.headers["location"] == f"/guests/{public_id}"
        folio = c.get(f"/stays/{a}/{conf}/folio.pdf")
    assert folio.status_code == 200
    text = " ".join(pdf_text(folio.content).split())  # a cell may wrap
    assert "已作废 Voided · 现金 Cash keyed twice CNY 70.00" in text  # kept, labelled (and struck through)
    assert "退款 Refund · 银行卡 Card minibar disputed CNY -120.00" in text
    assert "已作废 Voided · 退款 Refund · 现金 Cash late checkout waived · wrong amount CNY -20.00" in text
    assert "已付 Paid CNY 380.00" in text and "余额 Balance due CNY 520.00" in text  # 500 - 120; 70, 20 void
    with live.client(role="marketing") as c:
        assert c.get(f"{base}/payments").status_code == 403
        assert (
            c.post(f"{base}/refunds", json={"method": "cash", "amount": "1", "reason": "x"}).status_code
            == 403
        )
    exported = privacy.export_guest(
        s,
        scope=DataScope.group(),
        public_id=public_id,
        actor_id=None,
        now=datetime.now(UTC),
    )
    rows = exported["tables"]["payment"]
    assert sorted((r["amount"], r["void_reason"]) for r in rows) == sorted(
        [
            ("500.00", None),
            ("70.00", "keyed twice"),
            ("-120.00", None),
            ("-20.00", "wrong amount"),
        ]
    )
    assert s.scalar(select(func.count()).select_from(Stay).where(Stay.confirmation_number == conf)) == 1


def test_a_refund_line_from_another_system_needs_its_reason(demo_group: Session, engine: Engine) -> None:
    """Ingest reads `payment_direction` "refund" as money given back (stored below zero) only with a
    `refund_reason`; without one the record is refused; its void is its next version."""
    _line(engine, "SHA01:folio:R-1", amount="50.00", payment_method="cash", payment_direction="refund")
    assert _payments(demo_group) == []  # refused: required.refund_reason
    _line(
        engine,
        "SHA01:folio:R-2",
        amount="50.00",
        payment_method="cash",
        payment_direction="refund",
        refund_reason="deposit returned",
    )
    (refund,) = _payments(demo_group)
    assert (refund.amount, refund.reason, refund.voided_at) == (Decimal("-50.00"), "deposit returned", None)
    _line(
        engine,
        "SHA01:folio:R-2",
        version=2,
        amount="50.00",
        payment_method="cash",
        payment_direction="refund",
        refund_reason="deposit returned",
        void_reason="sent twice",
    )
    (voided,) = _payments(demo_group)
    assert (voided.id, voided.amount, voided.void_reason) == (refund.id, Decimal("-50.00"), "sent twice")
    assert voided.voided_at is not None

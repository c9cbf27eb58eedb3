"""Folio lines that carry a coupon code (the optional `coupon_code` field): the offers package judges
them before the chunk is stored, so that a redeemed, expired, withdrawn, unknown or misplaced code is
a finding on its row (rules `coupon.*`, warn by default: the charge is still revenue), and redeems
the others once their charges are stored, in the chunk's transaction."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from guestgraph import offers
from guestgraph.db.models import Charge, RecordStatus, RecordType
from guestgraph.ingest._context import SourceSettings
from guestgraph.ingest._findings import Finding
from guestgraph.ingest._store import Prepared

APPLIED = (RecordStatus.ACCEPTED, RecordStatus.ACCEPTED_WITH_WARNINGS)


def _applies(p: Prepared) -> bool:
    return (
        not p.duplicate
        and p.is_current
        and p.status in APPLIED
        and p.record.record_type is RecordType.FOLIO
        and bool(p.outcome.standardised["record"].get("coupon_code"))
    )


def _posted(record: dict[str, object]) -> datetime:
    posted = record.get("posted_at")
    return datetime.fromisoformat(str(posted)) if posted else datetime.now(UTC)


def judge(
    session: Session, fresh: list[Prepared], settings: SourceSettings, hotel_ids: dict[str, int]
) -> list[offers.CouponUse]:
    """Add the coupon findings to the records about to be stored; the uses that may redeem."""
    uses = []
    for key, p in enumerate(fresh):
        record = p.outcome.standardised["record"]
        hotel_id = hotel_ids.get(record.get("hotel_code") or "")
        if _applies(p) and hotel_id is not None:
            uses.append(offers.CouponUse(key, record["coupon_code"], hotel_id, _posted(record), p.replaces))
    problems = offers.judge_coupon_uses(session, uses)
    for key, (rule, detail) in problems.items():
        p = fresh[key]
        severity = settings.rules.severity(rule, settings.source)
        code = p.outcome.standardised["record"]["coupon_code"]
        p.outcome.findings.append(Finding(rule, severity, "coupon_code", None, code, None, detail))
        p.status = p.outcome.status
    return [u for u in uses if u.key not in problems]


def redeem(session: Session, fresh: list[Prepared], uses: list[offers.CouponUse]) -> int:
    """Redeem the judged coupons against the charges just stored for their records."""
    items = []
    for use in uses:
        p = fresh[use.key]
        if p.id is None or not _applies(p):
            continue
        record = p.outcome.standardised["record"]
        charge_id = session.scalar(select(Charge.id).where(Charge.source_record_id == p.id).limit(1))
        items.append(
            offers.ChargeRedemption(
                code=use.code,
                hotel_id=use.hotel_id,
                posted_at=use.posted_at,
                amount=Decimal(record["amount"]),
                currency=record.get("currency") or "CNY",
                outlet=record.get("outlet", "other"),
                charge_id=charge_id,
                source_record_id=p.id,
                replaces=p.replaces,
            )
        )
    return offers.redeem_from_charges(session, items)

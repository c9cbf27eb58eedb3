"""Projecting accepted, current records onto stays and folio lines (set-based, per chunk).

Guests are not created here: linking a record's persons to golden guests is identity resolution.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    and_,
    case,
    delete,
    exists,
    func,
    insert,
    or_,
    select,
    true,
    update,
)

from guestgraph import pii
from guestgraph.db import insert_rows
from guestgraph.db.models import Charge, GuestMention, Payment, RecordStatus, RecordType, Stay, StayStatus
from guestgraph.identity import mention_rows, stay_primary_guest
from guestgraph.ingest._store import Prepared, dialect_insert

APPLIED = (RecordStatus.ACCEPTED, RecordStatus.ACCEPTED_WITH_WARNINGS)
ON_PROPERTY = (StayStatus.IN_HOUSE, StayStatus.CHECKED_OUT)  # the hotel's word, not a channel's
STAY_COLUMNS = (
    "arrival",
    "departure",
    "room_number",
    "room_type",
    "rate_plan",
    "channel",
    "adults",
    "children",
    "amount",
    "currency",
    "status",
    "source_record_id",
)


def _applies(p: Prepared) -> bool:
    return p.id is not None and not p.duplicate and p.is_current and p.status in APPLIED


def _makes_stay(p: Prepared) -> bool:
    """A reservation, or a registration at the desk that is a walk-in checking in (its stay status)."""
    kind = p.record.record_type
    walk_in = kind is RecordType.REGISTRATION and bool(p.outcome.standardised["record"].get("stay_status"))
    return kind is RecordType.RESERVATION or walk_in


def project(
    conn: Connection,
    rows: list[Prepared],
    hotel_ids: dict[str, int],
    *,
    source_id: int,
    trust_rank: int,
    channel_source: bool = False,
) -> None:
    reservations = [p for p in rows if _applies(p) and _makes_stay(p)]
    cancellations = [p for p in rows if _applies(p) and p.record.record_type is RecordType.CANCELLATION]
    _stays(conn, reservations, hotel_ids, channel_source=channel_source)
    _cancellations(conn, cancellations, hotel_ids, channel_source=channel_source)
    folio = [p for p in rows if _applies(p) and p.record.record_type is RecordType.FOLIO]
    _charges(conn, [p for p in folio if not _is_payment(p)], hotel_ids)
    _payments(conn, [p for p in folio if _is_payment(p)], hotel_ids)
    _mentions(conn, rows, hotel_ids, source_id, trust_rank, channel_source)


def _mentions(
    conn: Connection,
    rows: list[Prepared],
    hotel_ids: dict[str, int],
    source_id: int,
    trust_rank: int,
    channel_source: bool,
) -> None:
    """The persons of applied records become mentions for identity resolution; a superseded
    version's mentions go (the guest keeps its ID through the new version's mentions)."""
    replaced = [p.replaces for p in rows if p.replaces is not None and p.id is not None]
    carried: dict[tuple[int, int], int | None] = {}  # (replaced record, person) -> its guest: IDs stay stable
    if replaced:
        held = select(GuestMention.source_record_id, GuestMention.person_index, GuestMention.guest_id).where(
            GuestMention.source_record_id.in_(replaced), GuestMention.guest_id.is_not(None)
        )
        carried = {(rid, person): gid for rid, person, gid in conn.execute(held)}
        conn.execute(delete(GuestMention).where(GuestMention.source_record_id.in_(replaced)))
    now = datetime.now(UTC)
    vault = pii.vault_of(conn)
    values = [
        m
        for p in rows
        if _applies(p) and p.id is not None and p.key_ref is not None
        for m in mention_rows(
            p.outcome.standardised,
            vault=vault,
            key_ref=p.key_ref,
            source_record_id=p.id,
            source_system_id=source_id,
            hotel_id=hotel_ids.get(p.outcome.standardised["record"].get("hotel_code") or ""),
            trust_rank=trust_rank,
            seen_at=now,
            external_id=p.external_id,
            channel_source=channel_source,
        )
    ]
    replaces = {p.id: p.replaces for p in rows if p.replaces is not None and p.id is not None}
    for m in values:  # a new version's person stays with the guest its previous version resolved to
        was = replaces.get(m["source_record_id"])
        m["guest_id"] = carried.get((was, m["person_index"])) if was is not None else None
    if values:
        insert_rows(conn, GuestMention.__table__, values)


def _stay_values(p: Prepared, hotel_ids: dict[str, int]) -> dict[str, Any] | None:
    rec = p.outcome.standardised["record"]
    hotel_id = hotel_ids.get(rec.get("hotel_code") or "")
    conf = rec.get("confirmation_number") or p.external_id
    if hotel_id is None or not rec.get("arrival") or not rec.get("departure"):
        return None
    arrival = date.fromisoformat(rec["arrival"])
    return {
        "hotel_id": hotel_id,
        "confirmation_number": conf[:64],
        "arrival": arrival,
        "departure": date.fromisoformat(rec["departure"]),
        "room_number": rec.get("room_number"),
        "room_type": rec.get("room_type"),
        "rate_plan": rec.get("rate_plan"),
        "channel": rec.get("channel"),
        "adults": rec.get("adults"),
        "children": rec.get("children"),
        "amount": Decimal(rec["amount"]) if rec.get("amount") else None,
        "currency": rec.get("currency"),
        "status": rec.get("stay_status", "booked"),
        "source_record_id": p.id,
        "rollup_day": arrival,  # a new stay only (not in STAY_COLUMNS): the day it was counted stays
        "created_at": datetime.now(UTC),
        "updated_at": datetime.now(UTC),
    }


def _stays(
    conn: Connection, rows: list[Prepared], hotel_ids: dict[str, int], *, channel_source: bool
) -> None:
    """Upsert the stays. A channel (OTA) knows the booking, not the hotel's floor: its later versions
    never take a stay that is in house or checked out back to booked, and a version without a room
    number keeps the one the hotel gave. A newer version keeps the stay's `rollup_day` (the day the
    dashboard counted it under, rebuilt by the next incremental refresh if the arrival moved)."""
    by_key: dict[tuple[int, str], dict[str, Any]] = {}
    for p in rows:
        values = _stay_values(p, hotel_ids)
        if values:
            by_key[(values["hotel_id"], values["confirmation_number"])] = values  # last version in chunk wins
    if not by_key:
        return
    stmt = dialect_insert(conn, Stay.__table__)
    stay = Stay.__table__.c
    set_: dict[str, Any] = {c: stmt.excluded[c] for c in (*STAY_COLUMNS, "updated_at")}
    set_["room_number"] = func.coalesce(stmt.excluded.room_number, stay.room_number)
    if channel_source:
        on_property = or_(*(stay.status == status for status in ON_PROPERTY))  # no IN: executemany
        set_["status"] = case((on_property, stay.status), else_=stmt.excluded.status)
    stmt = stmt.on_conflict_do_update(index_elements=["hotel_id", "confirmation_number"], set_=set_)
    conn.execute(stmt, list(by_key.values()))
    _post_waiting_lines(conn, sorted({number for _, number in by_key}))


def awaited_stay(line: type[Charge] | type[Payment] = Charge) -> ColumnElement[bool]:
    """The stay a waiting folio line (a charge, or a payment) named: its hotel, the confirmation number it
    keeps (correlated with the line being updated, in `_post_waiting_lines` and wherever the stays it will
    post to are found)."""
    return and_(Stay.hotel_id == line.hotel_id, Stay.confirmation_number == line.awaited_confirmation_number)


def _awaited(number: str, stay_id: int | None) -> str | None:
    """The number a folio line keeps while its stay is not here (a stay's number is at most 64)."""
    return number if stay_id is None and 0 < len(number) <= 64 else None


def _post_waiting_lines(conn: Connection, numbers: list[str]) -> int:
    """The folio lines imported before the stays of this chunk (the POS file before the PMS file, an OTA
    push after the POS line) are posted to them now, in one statement: matched as `_charge_values` matches
    a line (its hotel, the confirmation number it named), given the stay's primary guest if one is
    resolved (else the next resolve pass links them by their stay). The upsert above marked these stays
    updated, so the next incremental analytics refresh rebuilds their days and recomputes their guests.
    Returns how many lines were posted (`guestgraph repost-folio-lines` counts them)."""
    named = awaited_stay()
    stay = (
        select(Stay.id)
        .where(named)
        .correlate(Charge)  # the updated line, also where `stay_primary_guest` nests this one level down
        .scalar_subquery()
    )
    waiting = Charge.awaited_confirmation_number.in_(numbers)
    posted = {"stay_id": stay, "guest_id": stay_primary_guest(stay), "awaited_confirmation_number": None}
    done = conn.execute(update(Charge).where(waiting, exists().where(named)).values(posted))
    _post_waiting_payments(conn, numbers)
    return int(done.rowcount or 0)


def _post_waiting_payments(conn: Connection, numbers: list[str]) -> int:
    """The payments imported before the stays of this chunk (a deposit in the PMS folio export ahead of
    the reservation feed) are put on their folios now, matched as the waiting charges are. A payment is
    the stay's, not a guest's: no guest to give it. Returns how many were posted."""
    named = awaited_stay(Payment)
    stay = select(Stay.id).where(named).correlate(Payment).scalar_subquery()
    waiting = Payment.awaited_confirmation_number.in_(numbers)
    done = conn.execute(
        update(Payment)
        .where(waiting, exists().where(named))
        .values(stay_id=stay, awaited_confirmation_number=None)
    )
    return int(done.rowcount or 0)


def _cancellations(
    conn: Connection, rows: list[Prepared], hotel_ids: dict[str, int], *, channel_source: bool
) -> None:
    """A cancellation cancels the stay; a channel's cannot cancel a guest already in house or gone."""
    kept = Stay.status.not_in(ON_PROPERTY) if channel_source else true()
    for p in rows:
        rec = p.outcome.standardised["record"]
        hotel_id = hotel_ids.get(rec.get("hotel_code") or "")
        conf = rec.get("confirmation_number") or p.external_id
        if hotel_id is not None:
            conn.execute(
                update(Stay)
                .where(Stay.hotel_id == hotel_id, Stay.confirmation_number == conf[:64], kept)
                .values(status="cancelled", source_record_id=p.id, updated_at=datetime.now(UTC))
            )


def _charges(conn: Connection, rows: list[Prepared], hotel_ids: dict[str, int]) -> None:
    """Folio lines; a newer version of a line replaces the old one, whose stay is marked updated so that
    the next incremental analytics refresh rebuilds that stay's dashboard day (the line may have moved).
    A line posted to a stay whose guest is already resolved is that guest's at once (`_posted_to`); a
    line whose stay is not here yet keeps the number it named until `_post_waiting_lines` posts it."""
    replaced = [p.replaces for p in rows if p.replaces is not None]
    if replaced:
        old = Charge.source_record_id.in_(replaced)
        had = select(Charge.stay_id).where(old, Charge.stay_id.is_not(None))
        conn.execute(update(Stay).where(Stay.id.in_(had)).values(updated_at=datetime.now(UTC)))
        conn.execute(delete(Charge).where(old))
        conn.execute(delete(Payment).where(Payment.source_record_id.in_(replaced)))  # now a charge
    stays = _posted_to(conn, [p.outcome.standardised["record"] for p in rows])
    values = [v for p in rows if (v := _charge_values(p, hotel_ids, stays))]
    if values:
        conn.execute(insert(Charge), values)


def _is_payment(p: Prepared) -> bool:
    """A folio line naming how it was paid is money received, not a charge (not revenue, not spend)."""
    return bool(p.outcome.standardised["record"].get("payment_method"))


def _payments(conn: Connection, rows: list[Prepared], hotel_ids: dict[str, int]) -> None:
    """Payments on folios; a newer version of a line replaces the old one (a charge or a payment). A
    payment's newer version (a void) updates its row in place, so that the payment keeps its id. A
    payment is the stay's, not a guest's: it counts in no guest's figures. One whose stay is not here
    waits without a stay, keeping the number it named, until `_post_waiting_payments` posts it."""
    replaced = [p.replaces for p in rows if p.replaces is not None]
    rows_of: dict[int, int] = {}  # replaced record -> its payment row
    if replaced:
        found = select(Payment.source_record_id, Payment.id).where(Payment.source_record_id.in_(replaced))
        rows_of = {record: row for record, row in conn.execute(found) if record is not None}
        conn.execute(delete(Charge).where(Charge.source_record_id.in_(replaced)))
    stays = _posted_to(conn, [p.outcome.standardised["record"] for p in rows])
    fresh, kept = [], set()
    for p in rows:
        values = _payment_values(p, hotel_ids, stays)
        row = rows_of.get(p.replaces) if p.replaces is not None else None
        if values and row is not None:
            conn.execute(update(Payment).where(Payment.id == row).values(values))
            kept.add(row)
        elif values:
            fresh.append(values)
    if gone := [row for row in rows_of.values() if row not in kept]:
        conn.execute(delete(Payment).where(Payment.id.in_(gone)))
    if fresh:
        conn.execute(insert(Payment), fresh)


def _payment_values(
    p: Prepared, hotel_ids: dict[str, int], stays: dict[tuple[int, str], tuple[int, int | None]]
) -> dict[str, Any] | None:
    rec = p.outcome.standardised["record"]
    hotel_id = hotel_ids.get(rec.get("hotel_code") or "")
    if hotel_id is None or not rec.get("amount") or Decimal(rec["amount"]) <= 0:
        return None
    number = rec.get("confirmation_number") or ""
    stay_id, _guest_id = stays.get((hotel_id, number), (None, None))
    paid, voided = rec.get("posted_at"), rec.get("voided_at")
    refund = rec.get("payment_direction") == "refund"
    return {
        "hotel_id": hotel_id,
        "stay_id": stay_id,
        "awaited_confirmation_number": _awaited(number, stay_id),
        "method": rec["payment_method"],
        "amount": -Decimal(rec["amount"]) if refund else Decimal(rec["amount"]),
        "currency": rec.get("currency") or "CNY",
        "reference": rec.get("payment_reference"),
        "card_last4": rec.get("card_last4"),
        "source_record_id": p.id,
        "paid_at": datetime.fromisoformat(paid) if paid else datetime.now(UTC),
        "reason": rec.get("refund_reason"),
        "void_reason": rec.get("void_reason"),
        "voided_at": (datetime.fromisoformat(voided) if voided else datetime.now(UTC))
        if rec.get("void_reason")
        else None,
    }


def _posted_to(
    conn: Connection, records: list[dict[str, Any]]
) -> dict[tuple[int, str], tuple[int, int | None]]:
    """The stays the chunk's lines name, by (hotel, confirmation number): the stay and its primary guest
    by the rule every resolve pass applies (`identity.stay_primary_guest`), in one query. A line arriving
    after its stay's guest was resolved would otherwise wait for the next pass, and an incremental
    analytics refresh before it (which takes the guests of new lines) would leave its spend out. A stay
    not resolved yet, or whose guest was erased, has no primary guest: a pass links its lines later."""
    numbers = sorted({r["confirmation_number"] for r in records if r.get("confirmation_number")})
    if not numbers:
        return {}
    found = select(Stay.hotel_id, Stay.confirmation_number, Stay.id, stay_primary_guest(Stay.id)).where(
        Stay.confirmation_number.in_(numbers)
    )
    return {(hotel, number): (stay, guest) for hotel, number, stay, guest in conn.execute(found)}


def _charge_values(
    p: Prepared, hotel_ids: dict[str, int], stays: dict[tuple[int, str], tuple[int, int | None]]
) -> dict[str, Any] | None:
    rec = p.outcome.standardised["record"]
    hotel_id = hotel_ids.get(rec.get("hotel_code") or "")
    if hotel_id is None or not rec.get("amount"):
        return None
    number = rec.get("confirmation_number") or ""
    stay_id, guest_id = stays.get((hotel_id, number), (None, None))
    posted = rec.get("posted_at")
    return {
        "hotel_id": hotel_id,
        "stay_id": stay_id,
        "guest_id": guest_id,
        "awaited_confirmation_number": _awaited(number, stay_id),
        "outlet": rec.get("outlet", "other"),
        "description": rec.get("description"),
        "amount": Decimal(rec["amount"]),
        "currency": rec.get("currency") or "CNY",
        "source_record_id": p.id,
        "posted_at": datetime.fromisoformat(posted) if posted else datetime.now(UTC),
    }

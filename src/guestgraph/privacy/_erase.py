"""Erasure everywhere (GDPR 17, PIPL 47): the golden record, its merged IDs, source records and their
raw payloads, quarantined records holding the guest's identifiers, rule findings, mentions (names,
pinyin, name keys, contacts), consents, preferences, interactions and review items. Kept, without
the person: the stays and folio lines accounting law requires (hotel, dates, room, amounts).

The guest row stays with status `erased` and no personal data, so its random public ID answers
404 like an unknown one and a data-subject request can still point at it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    Select,
    String,
    cast,
    delete,
    literal,
    or_,
    select,
    union,
    update,
)
from sqlalchemy.orm import Session

from guestgraph import changes, pii
from guestgraph.db.models import (
    CampaignMessage,
    ChangeKind,
    Charge,
    Consent,
    Conversation,
    Coupon,
    CouponState,
    EnrolmentStatus,
    Guest,
    GuestChange,
    GuestField,
    GuestMention,
    GuestMerge,
    GuestMetrics,
    GuestStageHistory,
    GuestStatus,
    GuestTag,
    Interaction,
    JourneyEnrolment,
    JourneyStepRun,
    LoyaltyMember,
    LoyaltyTierChange,
    MatchReview,
    MemberStatus,
    OtaReview,
    Payment,
    Preference,
    RecordIssue,
    RecordStatus,
    RevealGrant,
    SegmentMember,
    SelfServiceLink,
    SelfServiceRequest,
    ServicePrompt,
    ServiceTicket,
    SourceRecord,
    StayGuest,
    Survey,
    TicketAttachment,
    TicketRating,
)
from guestgraph.privacy._export import subject_of_many
from guestgraph.privacy._purge import purge_after_commit
from guestgraph.privacy._tombstone import tombstone_records, tombstone_stays

RETENTION_BASIS = (
    "Stays and folio lines are kept without the person (hotel, dates, room, rate, amounts) for the "
    "accounting and tax records the law requires (PRC Accounting Archives Measures: accounting vouchers "
    "30 years (memory: check before quoting); GDPR 17(3)(b); PIPL 47: a retention period set by law)."
)
# What erasure does to each table that holds a guest's rows; a guest-linked table missing here fails
# tests/test_privacy_export.py, so a new table cannot silently escape erasure.
HANDLED: dict[str, str] = {
    "guest": "emptied of personal data, status erased (the random ID answers 404)",
    "source_record": "raw payload, standardised values and note wiped, status erased; the source's ID of "
    "it replaced by its tombstone (a keyed MAC: the same version sent again is still a duplicate)",
    "record_issue": "deleted",
    "guest_mention": "deleted",
    "match_review": "deleted",
    "guest_merge": "deleted (merge history: which guest IDs were one person)",
    "reveal_grant": "deleted",
    "guest_metrics": "deleted (derived: scores and lifecycle)",
    "guest_stage_history": "deleted (derived)",
    "guest_tag": "deleted (derived and staff tags)",
    "guest_field": "deleted (values journeys and staff set on the guest)",
    "segment_member": "deleted (the guest leaves every segment)",
    "campaign_message": "deleted (its unsubscribe link then names nothing)",
    "journey_step_run": "deleted (what each journey step did for the guest; its unsubscribe link then "
    "names nothing)",
    "journey_enrolment": "kept without dates, stay or hotel as 'stopped: guest erased', so the journey's "
    "counts show why the guest left; it names only the erased guest row",
    "coupon": "deleted, unless redeemed: a redeemed coupon is kept without the guest (its offer, hotel and "
    "amount count toward the campaign's revenue)",
    "loyalty_member": "kept without the person: guest unlinked, member number replaced by ERASED-<row id>, "
    "status erased (its points entries stay, naming nobody, for the programme's accounts)",
    "loyalty_entry": "kept unchanged: the ledger is append-only and names only the anonymised membership "
    "(points, amounts, hotel and dates of each entry, for the points liability)",
    "loyalty_tier_change": "deleted (the membership's tier history)",
    "consent": "deleted",
    "service_prompt": "deleted (tasks for the hotel about the guest's arrivals, and their reasons; "
    "a reason's detail is sealed under the guest's key, shredded)",
    "preference": "deleted",
    "interaction": "deleted",
    "service_ticket": "its data key (title, description, history) and its files' keys shredded, then "
    "deleted with its history and escalations",
    "conversation": "its data key shredded, then deleted with its messages; also the unlinked ones "
    "from a phone or e-mail address the guest holds",
    "ticket_rating": "deleted, with its answer (its link then names nothing; the comment's key is the "
    "guest's, shredded)",
    "survey": "deleted, with its answer and outlet ratings (its link then names nothing; the comment's key "
    "is the guest's, shredded)",
    "ota_review": "kept without the person (reviewer, booking reference, comment and its key, guest and stay "
    "wiped; the comment's key shredded when it is the guest's or the review's own): "
    "the score stays in the hotel's figures, and importing the export again does not relink it",
    "self_service_link": "deleted (the link then names nothing)",
    "self_service_request": "deleted (with its ticket)",
    "stay_guest": "deleted",
    "stay": "kept for accounting without the person or its confirmation number (a tombstone)",
    "charge": "kept without the person and without its description, for accounting",
    "payment": "kept on the anonymised stay without its reference, card digits or the reasons of a refund or "
    "void (a void stays marked), for accounting",
    "guest_change": "kept without the reasons of corrections; one 'erased' entry per guest ID tells "
    "downstream systems to erase their copies (entries name only the erased guest row)",
    "privacy_request": "kept: the proof that the request was answered; it names only the erased guest row",
}
GUEST_SEALED = (Guest.key_ref, Guest.phone_enc, Guest.email_enc, Guest.id_number_enc, Guest.birth_date_enc)
MENTION_SEALED = (
    GuestMention.key_ref,
    GuestMention.phone_enc,
    GuestMention.email_enc,
    GuestMention.id_number_enc,
    GuestMention.birth_date_enc,
)
KEEP = frozenset({"id", "public_id", "status", "merged_into_id", "created_at", "updated_at", "provenance"})
MIN_IDENTIFIER = 6  # shorter values would match unrelated records


@dataclass(frozen=True)
class ErasureOutcome:
    guest_public_ids: list[str]
    counts: dict[str, int]
    stays_kept_anonymised: int
    basis: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "erased_guest_ids": self.guest_public_ids,
            "counts": self.counts,
            "kept": {"stays_anonymised": self.stays_kept_anonymised, "basis": self.basis},
        }


def _identifiers(session: Session, guest_ids: list[int]) -> set[str]:
    """The guest's strong identifiers as stored and as commonly typed, to find unlinked records."""
    vault = pii.vault_of(session)
    values: set[str] = set()
    guests = session.execute(
        select(Guest.id, Guest.public_id, Guest.loyalty_number, *GUEST_SEALED).where(Guest.id.in_(guest_ids))
    ).all()
    for g in guests:
        opened = pii.open_person(vault, "guest", g.public_id, g)
        values.update(v for v in (opened.phone, opened.email, opened.id_number, g.loyalty_number) if v)
    mentions = session.execute(
        select(
            GuestMention.source_record_id,
            GuestMention.person_index,
            GuestMention.loyalty_number,
            *MENTION_SEALED,
        ).where(GuestMention.guest_id.in_(guest_ids))
    ).all()
    for m, opened in zip(mentions, pii.open_mentions(vault, mentions), strict=True):
        values.update(v for v in (opened.phone, opened.email, opened.id_number, m.loyalty_number) if v)
    more = {v[3:] for v in values if v.startswith("+86")} | {v.lower() for v in values}
    return {v for v in values | more if len(v) >= MIN_IDENTIFIER}


def _holding(session: Session, candidates: Any, identifiers: set[str]) -> list[int]:
    """Ids of the `candidates` records whose payload holds one of `identifiers`: the payloads are
    sealed, so each candidate is opened in memory (unresolved records only: quarantined, discarded)."""
    if not identifiers:
        return []
    vault = pii.vault_of(session)
    found: list[int] = []
    rows = session.execute(candidates).all()
    for start in range(0, len(rows), 5000):
        chunk = rows[start : start + 5000]
        pii.preload(vault, (r.key_ref for r in chunk))
        for r in chunk:
            opened = pii.open_record(vault, r)
            text = (opened.raw or "") + "\n" + json.dumps(opened.standardised, ensure_ascii=False)
            folded = text.lower()
            if any(v in text or v.lower() in folded for v in identifiers):
                found.append(r.id)
    return found


def _records(session: Session, guest_ids: list[int], linked: list[int]) -> list[int]:
    """The guest's records, and unresolved ones (quarantined, discarded) that hold its identifiers."""
    loose = select(
        SourceRecord.id,
        SourceRecord.source_system_id,
        SourceRecord.external_id,
        SourceRecord.version_key,
        SourceRecord.key_ref,
        SourceRecord.raw_sealed,
        SourceRecord.standardised_sealed,
    ).where(SourceRecord.guest_id.is_(None), SourceRecord.key_ref.is_not(None))
    return sorted(set(linked) | set(_holding(session, loose, _identifiers(session, guest_ids))))


def shred_guest_keys(session: Session, guest_ids: list[int], record_ids: list[int]) -> int:
    """THE place for crypto-shredding (checklist CR-04): destroy the data keys of the guests and of
    their source records before the rows are wiped, so backups taken earlier are unreadable too."""
    vault = pii.vault_of(session)
    refs = set(
        session.scalars(select(Guest.key_ref).where(Guest.id.in_(guest_ids), Guest.key_ref.is_not(None)))
    )
    for sealed in (
        Preference,
        Interaction,
        Survey,
        TicketRating,
        OtaReview,
        GuestTag,
        ServicePrompt,
    ):  # rows sealed under the key their guest had when they were written
        refs.update(
            session.scalars(
                select(sealed.key_ref)
                .distinct()
                .where(sealed.guest_id.in_(guest_ids), sealed.key_ref.is_not(None))
            )
        )
    for start in range(0, len(record_ids), 900):
        chunk = record_ids[start : start + 900]
        refs.update(
            session.scalars(
                select(SourceRecord.key_ref).where(
                    SourceRecord.id.in_(chunk), SourceRecord.key_ref.is_not(None)
                )
            )
        )
    return vault.shred_many(r for r in refs if r)


def shred_keys(session: Session, key_refs: Select[str | None] | CompoundSelect[str | None]) -> int:
    """Destroy the data keys `key_refs` names (before their rows are deleted or wiped)."""
    return pii.vault_of(session).shred_many(ref for ref in session.scalars(key_refs) if ref)


def shred_ticket_keys(session: Session, tickets: ColumnElement[bool]) -> int:
    """Destroy the data keys of the tickets matching `tickets` (their description and history) and of
    the files on them, before they are deleted."""
    files = (
        select(TicketAttachment.key_ref)
        .join(ServiceTicket, ServiceTicket.id == TicketAttachment.ticket_id)
        .where(tickets, TicketAttachment.key_ref.is_not(None))
    )
    own = select(ServiceTicket.key_ref).where(tickets, ServiceTicket.key_ref.is_not(None))
    return shred_keys(session, union(files, own))


def erase_conversations(session: Session, guest_ids: list[int]) -> int:
    """The guests' inbox conversations — linked to them, or unlinked from a contact they hold — with
    their keys shredded (so old backups lose the messages too) and their rows deleted."""
    contacts = union(
        select(Guest.email_bidx).where(Guest.id.in_(guest_ids)),
        select(Guest.phone_bidx).where(Guest.id.in_(guest_ids)),
        select(GuestMention.email_bidx).where(GuestMention.guest_id.in_(guest_ids)),
        select(GuestMention.phone_bidx).where(GuestMention.guest_id.in_(guest_ids)),
    ).subquery()
    unlinked = Conversation.guest_id.is_(None) & Conversation.counterpart_bidx.in_(select(contacts.c[0]))
    theirs = or_(Conversation.guest_id.in_(guest_ids), unlinked)
    shred_keys(session, select(Conversation.key_ref).where(theirs, Conversation.key_ref.is_not(None)))
    deleted = session.execute(delete(Conversation).where(theirs).execution_options(synchronize_session=False))
    return int(deleted.rowcount or 0)  # type: ignore[attr-defined]


def erase_coupons(session: Session, guest_ids: list[int], counts: dict[str, int]) -> None:
    """The guests' coupons go; redeemed ones stay without the guest, for the campaigns' revenue."""
    theirs = Coupon.guest_id.in_(guest_ids)
    redeemed = Coupon.state == CouponState.REDEEMED
    kept = session.execute(update(Coupon).where(theirs, redeemed).values(guest_id=None))
    gone = session.execute(delete(Coupon).where(theirs, ~redeemed))
    counts["coupon"] = int(gone.rowcount or 0) + int(kept.rowcount or 0)  # type: ignore[attr-defined]


def erase_memberships(session: Session, guest_ids: list[int], counts: dict[str, int]) -> None:
    """Loyalty memberships lose the guest and the number; their tier history goes; the append-only
    ledger is left as it is (it names only the membership)."""
    theirs = select(LoyaltyMember.id).where(LoyaltyMember.guest_id.in_(guest_ids)).scalar_subquery()
    history = session.execute(delete(LoyaltyTierChange).where(LoyaltyTierChange.member_id.in_(theirs)))
    counts["loyalty_tier_change"] = int(history.rowcount or 0)  # type: ignore[attr-defined]
    anonymous = literal("ERASED-", String).concat(cast(LoyaltyMember.id, String))
    members = session.execute(
        update(LoyaltyMember)
        .where(LoyaltyMember.guest_id.in_(guest_ids))
        .values(guest_id=None, member_number=anonymous, status=MemberStatus.ERASED, tier_since=None)
        .execution_options(synchronize_session=False)
    )
    counts["loyalty_member"] = int(members.rowcount or 0)  # type: ignore[attr-defined]


def wipe_unlinked_records(session: Session, record_ids: list[int]) -> int:
    """Wipe source records that name no guest (quarantined, discarded) as erasure does: their findings
    and mentions deleted, payload, values and steward's note wiped, IDs tombstoned. Their keys are the
    caller's to shred (already shredded, when a restore re-applies an erasure). Returns how many."""
    wiped = 0
    for start in range(0, len(record_ids), 900):
        chunk = record_ids[start : start + 900]
        session.execute(delete(RecordIssue).where(RecordIssue.source_record_id.in_(chunk)))
        mentions = GuestMention.source_record_id.in_(chunk) & GuestMention.guest_id.is_(None)
        session.execute(delete(GuestMention).where(mentions))
        tombstone_records(session, SourceRecord.id.in_(chunk) & SourceRecord.guest_id.is_(None))
        done = session.execute(
            update(SourceRecord)
            .where(SourceRecord.id.in_(chunk), SourceRecord.guest_id.is_(None))
            .values(
                key_ref=None,
                raw_sealed="",
                standardised_sealed=None,
                content_hash="erased",
                status=RecordStatus.ERASED,
                is_current=False,
                steward_note=None,
            )
            .execution_options(synchronize_session=False)
        )
        wiped += int(done.rowcount or 0)  # type: ignore[attr-defined]
    return wiped


def erase_guest(session: Session, *, guest_id: int, now: datetime) -> ErasureOutcome:
    """Erase the guest and everything about them; set-based, in the caller's transaction."""
    return erase_guests(session, guest_ids=[guest_id], now=now)


def erased_tables() -> set[str]:
    """The tables an erasure changes (see HANDLED), whose freed space is purged after it commits."""
    return set(HANDLED) - {"loyalty_entry", "privacy_request"}  # kept unchanged


def erase_guests(
    session: Session, *, guest_ids: list[int], now: datetime, scan_unlinked: bool = True
) -> ErasureOutcome:
    """`erase_guest` for several guests in one pass (the retention job). `scan_unlinked=False` skips
    the search of unresolved records for the guests' identifiers (one LIKE per identifier, too many
    for a batch); the retention schedule wipes those records by age instead. Once the caller commits,
    the freed space is purged (`privacy._purge`: SQLite WAL truncated, PostgreSQL tables vacuumed)."""
    subject = subject_of_many(session, guest_ids)
    ids, stays = subject.guest_ids, subject.stay_ids
    records = _records(session, ids, subject.record_ids) if scan_unlinked else subject.record_ids
    public_ids = list(session.scalars(select(Guest.public_id).where(Guest.id.in_(ids)).order_by(Guest.id)))
    # First, outside the data (like the shred journal): every restore of an older backup erases them again
    pii.vault_of(session).erasures.append(public_ids)
    changes.record_many(session, ChangeKind.ERASED, [(i, None) for i in ids])  # before the links go
    counts: dict[str, int] = {"keys_shredded": shred_guest_keys(session, ids, records)}

    def run(name: str, statement: Any) -> None:
        counts[name] = int(session.execute(statement).rowcount or 0)  # type: ignore[attr-defined]

    counts["conversation"] = erase_conversations(session, ids)
    counts["ticket_keys_shredded"] = shred_ticket_keys(session, ServiceTicket.guest_id.in_(ids))
    run("record_issue", delete(RecordIssue).where(RecordIssue.source_record_id.in_(records)))
    run(
        "guest_mention",
        delete(GuestMention).where(
            or_(
                GuestMention.guest_id.in_(ids),
                GuestMention.source_record_id.in_(records) & GuestMention.guest_id.is_(None),
            )
        ),
    )
    run(
        "match_review",
        delete(MatchReview).where(
            or_(MatchReview.left_guest_id.in_(ids), MatchReview.right_guest_id.in_(ids))
        ),
    )
    run(
        "guest_merge",
        delete(GuestMerge).where(or_(GuestMerge.survivor_id.in_(ids), GuestMerge.merged_id.in_(ids))),
    )
    for model in (
        SelfServiceRequest,
        SelfServiceLink,
        Survey,
        TicketRating,
        ServiceTicket,
        Consent,
        Preference,
        Interaction,
        StayGuest,
        RevealGrant,
        CampaignMessage,
        JourneyStepRun,
        ServicePrompt,
        GuestMetrics,
        GuestStageHistory,
        GuestTag,
        GuestField,
        SegmentMember,
    ):
        run(model.__tablename__, delete(model).where(model.guest_id.in_(ids)))
    run(
        "journey_enrolment",
        update(JourneyEnrolment)
        .where(JourneyEnrolment.guest_id.in_(ids))
        .values(
            status=EnrolmentStatus.STOPPED,
            reason="guest erased",
            step=None,
            next_at=None,
            claimed_by=None,
            claimed_at=None,
            hotel_id=None,
            stay_id=None,
            entered_at=now,
            ended_at=now,
        ),
    )
    erase_coupons(session, ids, counts)
    erase_memberships(session, ids, counts)
    run(
        "guest_change",
        update(GuestChange).where(GuestChange.guest_id.in_(ids)).values(reason=None, source_record_id=None),
    )
    # a review of their stay that matched no guest has a key of its own (a guest's was shredded above)
    unmatched = OtaReview.guest_id.is_(None) & OtaReview.stay_id.in_(stays)
    counts["review_keys_shredded"] = shred_keys(session, select(OtaReview.key_ref).where(unmatched))
    run(
        "ota_review",
        update(OtaReview)
        .where(or_(OtaReview.guest_id.in_(ids), OtaReview.stay_id.in_(stays)))
        .values(
            guest_id=None, stay_id=None, reviewer=None, booking_ref=None, key_ref=None, comment_enc=None,
            matched=None, interaction_id=None, ticket_id=None,
        ),
    )  # fmt: skip
    run(
        "charge",
        update(Charge)
        .where(or_(Charge.guest_id.in_(ids), Charge.stay_id.in_(stays)))
        .values(guest_id=None, description=None),
    )
    run(
        "payment",
        update(Payment)
        .where(Payment.stay_id.in_(stays))
        .values(reference=None, card_last4=None, reason=None, void_reason=None),
    )
    tombstone_records(session, SourceRecord.id.in_(records))
    tombstone_stays(session, list(stays))
    run(
        "source_record",
        update(SourceRecord)
        .where(SourceRecord.id.in_(records))
        .values(
            key_ref=None,
            raw_sealed="",
            standardised_sealed=None,
            content_hash="erased",
            status=RecordStatus.ERASED,
            is_current=False,
            guest_id=None,
            steward_note=None,
        ),
    )
    personal = {c.name: None for c in Guest.__table__.columns if c.nullable and c.name not in KEEP}
    run(
        "guest",
        update(Guest)
        .where(Guest.id.in_(ids))
        .values(**personal, provenance={}, status=GuestStatus.ERASED, merged_into_id=None, updated_at=now),
    )
    purge_after_commit(session, erased_tables())
    return ErasureOutcome(public_ids, counts, len(stays), RETENTION_BASIS)

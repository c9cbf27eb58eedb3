"""The retention schedule (checklist DG-01; PIPL 19, 47; GB/T 35273 6.1; GDPR 5(1)(e)): every data
category has a period, kept as data (`retention_rule` overrides the defaults below), and one job
deletes or anonymises what has outlived it, set-based, in one transaction, with one audit event.

A guest none of whose data is recent (no stay, record, interaction or consent inside the profile
period, no open request or ticket) is erased through `erase_guests`, so crypto-shredding applies
and stays are kept anonymised for accounting, as with a guest's own erasure request. The audit log
has its own retention (`guestgraph audit prune`, LG-04), shown beside the schedule.

Files are in the schedule too: a web import deletes its uploaded file when it finishes, so only a crash
leaves one under `data_dir/uploads`; the `import_upload` period (one day) removes those, in this job
and at start-up (`sweep_upload_leftovers`), when the caller passes the data folder.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, Executable, Select, delete, func, or_, select, union, update
from sqlalchemy.orm import Session, aliased

from guestgraph import audit, ingest
from guestgraph.access import DataScope
from guestgraph.db.models import (
    CampaignMessage,
    Charge,
    Consent,
    Conversation,
    Guest,
    GuestMention,
    GuestStatus,
    Interaction,
    MessageStatus,
    Payment,
    PrivacyRequest,
    RecordIssue,
    RecordStatus,
    RequestStatus,
    RetentionRule,
    ServiceTicket,
    SourceRecord,
    Stay,
    StayGuest,
    TicketStatus,
)
from guestgraph.errors import InvalidInput
from guestgraph.paging import PageRequest
from guestgraph.privacy._audit import privacy_event
from guestgraph.privacy._erase import erase_guests, shred_keys, shred_ticket_keys
from guestgraph.privacy._guests import require_group_scope
from guestgraph.privacy._purge import purge_after_commit
from guestgraph.privacy._tombstone import tombstone_erased_records, tombstone_records
from guestgraph.privacy._transfer import RecipientRow, list_recipients

RUN_ACTION = "guest.retention"
ERASE_CHUNK = 500  # guests per erasure statement set (bound parameters stay well under the limits)
MAX_DAYS = 36_500


class Category(enum.StrEnum):
    PROFILE = "profile"
    IDENTITY_DOCUMENT = "identity_document"
    STAY_LINK = "stay_link"
    INTERACTION = "interaction"
    SERVICE_TICKET = "service_ticket"
    CONVERSATION = "conversation"
    MARKETING = "marketing"
    UNRESOLVED_RECORD = "unresolved_record"
    IMPORT_UPLOAD = "import_upload"


@dataclass(frozen=True)
class Period:
    days: int | None  # None: kept until the guest is erased
    action: str
    applies_to: str
    basis: str


DEFAULTS: dict[Category, Period] = {
    Category.PROFILE: Period(
        1095,
        "erase the guest (erasure path: keys shredded, stays kept anonymised)",
        "guests with no stay, record, interaction or consent for the period, no open request or ticket",
        "PIPL 19, 47(1)(2): the shortest period the purpose needs; 35273 6.1; GDPR 5(1)(e)",
    ),
    Category.IDENTITY_DOCUMENT: Period(
        365,
        "clear the ID document type and number",
        "golden records without a stay or record for the period; mentions seen before it",
        "kept only for check-in registration (public-security rules; the period is set locally, "
        "memory: check the local rule before quoting); PIPL 28 sensitive PI",
    ),
    Category.STAY_LINK: Period(
        1825,
        "unlink the guest from the stay and folio (stay and amounts kept for accounting)",
        "stays that departed before the period; folio lines of those stays",
        "accounting records kept anonymised (Accounting Archives Measures, memory: 30 years); "
        "the person is not needed for them",
    ),
    Category.INTERACTION: Period(
        1095,
        "delete",
        "interactions (calls, messages, notes) older than the period",
        "service history (contract); PIPL 19",
    ),
    Category.SERVICE_TICKET: Period(
        1095,
        "delete, with the ticket's history",
        "tickets resolved or closed before the period",
        "service history (contract); PIPL 19",
    ),
    Category.CONVERSATION: Period(
        365,
        "shred the conversation's key and delete it with its messages",
        "inbox conversations (e-mail, SMS, WeChat, calls) whose last message is older than the period",
        "service history (contract); PIPL 19; GDPR 5(1)(e)",
    ),
    Category.MARKETING: Period(
        1095,
        "delete",
        "campaign messages (sent, skipped, failed) queued before the period",
        "proof of consent-based sending; PIPL 19; GDPR 5(1)(e)",
    ),
    Category.UNRESOLVED_RECORD: Period(
        180,
        "wipe the raw payload and values, delete its findings",
        "quarantined or discarded source records received before the period",
        "kept only for a data steward to fix; PIPL 19",
    ),
    Category.IMPORT_UPLOAD: Period(
        1,
        "delete the file",
        "files uploaded for a web import and left behind by an import that never finished "
        "(a finished import deletes its file at once)",
        "needed only while its import runs (its rows are then stored, sealed); PIPL 19",
    ),
}


@dataclass(frozen=True)
class ScheduleLine:
    category: str
    days: int | None
    default_days: int | None
    action: str
    applies_to: str
    basis: str
    note: str | None
    updated_at: datetime | None

    @property
    def overridden(self) -> bool:
        return self.updated_at is not None


@dataclass(frozen=True)
class RetentionRun:
    now: datetime
    applied: bool
    counts: dict[str, int]
    cutoffs: dict[str, str]
    per_category: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass(frozen=True)
class LastRun:
    at: datetime
    actor: str | None
    counts: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass(frozen=True)
class RetentionOverview:
    """The compliance page: the schedule, what a run would remove now, the last runs, the recipients."""

    schedule: list[ScheduleLine]
    due: RetentionRun
    runs: list[LastRun]
    recipients: list[RecipientRow]


def retention_schedule(session: Session) -> list[ScheduleLine]:
    """Every category with its period in force (the configured one, else the default)."""
    rules = {r.category: r for r in session.scalars(select(RetentionRule))}
    lines = []
    for category, period in DEFAULTS.items():
        rule = rules.get(category.value)
        days = rule.days if rule is not None else period.days
        note, at = (rule.note, rule.updated_at) if rule is not None else (None, None)
        lines.append(
            ScheduleLine(
                category.value, days, period.days, period.action, period.applies_to, period.basis, note, at
            )
        )
    return lines


def set_retention(
    session: Session,
    *,
    category: str,
    days: int | None,
    note: str | None,
    actor_id: int | None,
    now: datetime,
    scope: DataScope | None = None,
) -> ScheduleLine:
    """Configure one period (None keeps the category's data until the guest is erased); audited.
    From a page, `scope` is the staff member's: the schedule covers every hotel, so group-wide only."""
    if scope is not None:
        require_group_scope(scope)
    try:
        known = Category(category)
    except ValueError as e:
        raise InvalidInput(
            f"No retention category {category!r}.", hint="Use one of: " + ", ".join(c.value for c in Category)
        ) from e
    if days is not None and not 1 <= days <= MAX_DAYS:
        raise InvalidInput(
            f"A retention period of {days} days for {category} is out of range.",
            hint=f"Give 1 to {MAX_DAYS} days, or none to keep the data until erasure.",
        )
    rule = session.scalar(select(RetentionRule).where(RetentionRule.category == known.value))
    if rule is None:
        rule = RetentionRule(category=known.value)
        session.add(rule)
    rule.days, rule.note, rule.updated_by_id, rule.updated_at = days, note, actor_id, now
    session.flush()
    privacy_event(session, "retention.configure", actor_id, None, {"category": known.value, "days": days})
    return next(line for line in retention_schedule(session) if line.category == known.value)


# --- the job ---------------------------------------------------------------------------------------

# count key, category, model, WHERE clause, the statement that removes the rows
Step = tuple[str, Category, Any, ColumnElement[bool], Callable[[], Executable]]


def _owners(guest_column: Any, *conditions: ColumnElement[bool]) -> Select[int]:
    """The guests (a merged guest counts for the guest it was merged into) owning a row that meets
    `conditions`: one uncorrelated set, so the planner can hash it once rather than probe per guest."""
    member = aliased(Guest)
    owner = func.coalesce(member.merged_into_id, member.id)
    return select(owner).where(member.id == guest_column, *conditions)


def _active_since(cutoff: datetime) -> list[Select[int]]:
    """Owners of a stay that ended, or a record received, at or after `cutoff`."""
    stayed = _owners(StayGuest.guest_id, Stay.id == StayGuest.stay_id, Stay.departure >= cutoff.date())
    return [stayed, _owners(SourceRecord.guest_id, SourceRecord.received_at >= cutoff)]


def _expired_guests(session: Session, cutoff: datetime) -> list[int]:
    """Active guests none of whose data is newer than `cutoff`, and with nothing open."""
    keep = union(
        *_active_since(cutoff),
        _owners(Interaction.guest_id, Interaction.occurred_at >= cutoff),
        _owners(Consent.guest_id, Consent.recorded_at >= cutoff),
        _owners(PrivacyRequest.guest_id, PrivacyRequest.status == RequestStatus.OPEN),
        _owners(ServiceTicket.guest_id, ServiceTicket.status != TicketStatus.CLOSED),
    )
    query = select(Guest.id).where(
        Guest.status == GuestStatus.ACTIVE, Guest.created_at < cutoff, Guest.id.not_in(keep)
    )
    return list(session.scalars(query.order_by(Guest.id)))


def _steps(cut: dict[Category, datetime]) -> list[Step]:
    """What each category removes, as one WHERE clause per table: counted for a dry run, then applied.
    Each clause selects only rows that still hold the data, so a second run finds nothing."""
    steps: list[Step] = []

    def add(key: str, category: Category, model: Any, where: ColumnElement[bool], values: Any = None) -> None:
        def statement() -> Executable:
            if values is None:
                return delete(model).where(where).execution_options(synchronize_session=False)
            return update(model).where(where).values(**values).execution_options(synchronize_session=False)

        steps.append((key, category, model, where, statement))

    if (c := cut.get(Category.IDENTITY_DOCUMENT)) is not None:
        holds = or_(Guest.id_number_enc.is_not(None), Guest.id_document_type.is_not(None))
        stale = Guest.id.not_in(union(*_active_since(c)))
        cleared = {"id_number_enc": None, "id_number_bidx": None, "id_document_type": None}
        add("identity_documents_cleared", Category.IDENTITY_DOCUMENT, Guest, holds & stale, cleared)
        mention_holds = or_(GuestMention.id_number_enc.is_not(None), GuestMention.id_type.is_not(None))
        add(
            "mention_documents_cleared",
            Category.IDENTITY_DOCUMENT,
            GuestMention,
            mention_holds & (GuestMention.seen_at < c),
            {"id_number_enc": None, "id_number_bidx": None, "id_type": None},
        )
    if (c := cut.get(Category.STAY_LINK)) is not None:
        old_stays = select(Stay.id).where(Stay.departure < c.date())
        add("stay_links_removed", Category.STAY_LINK, StayGuest, StayGuest.stay_id.in_(old_stays))
        charge_holds = or_(Charge.guest_id.is_not(None), Charge.description.is_not(None))
        old_charge = or_(Charge.stay_id.in_(old_stays), Charge.stay_id.is_(None) & (Charge.posted_at < c))
        add(
            "charges_anonymised",
            Category.STAY_LINK,
            Charge,
            charge_holds & old_charge,
            {"guest_id": None, "description": None},
        )
        payment_holds = or_(
            Payment.reference.is_not(None),
            Payment.card_last4.is_not(None),
            Payment.reason.is_not(None),
            Payment.void_reason.is_not(None),
        )
        old_payment = or_(Payment.stay_id.in_(old_stays), Payment.stay_id.is_(None) & (Payment.paid_at < c))
        add(
            "payments_anonymised",
            Category.STAY_LINK,
            Payment,
            payment_holds & old_payment,
            {"reference": None, "card_last4": None, "reason": None, "void_reason": None},
        )
    if (c := cut.get(Category.INTERACTION)) is not None:
        add("interactions_deleted", Category.INTERACTION, Interaction, Interaction.occurred_at < c)
    if (c := cut.get(Category.SERVICE_TICKET)) is not None:
        done = ServiceTicket.status.in_([TicketStatus.RESOLVED, TicketStatus.CLOSED])
        ended = func.coalesce(ServiceTicket.closed_at, ServiceTicket.resolved_at) < c
        add("tickets_deleted", Category.SERVICE_TICKET, ServiceTicket, done & ended)
    if (c := cut.get(Category.CONVERSATION)) is not None:
        add("conversations_deleted", Category.CONVERSATION, Conversation, Conversation.last_message_at < c)
    if (c := cut.get(Category.MARKETING)) is not None:
        finished = CampaignMessage.status.in_(
            [MessageStatus.SENT, MessageStatus.SKIPPED, MessageStatus.FAILED]
        )
        add(
            "campaign_messages_deleted",
            Category.MARKETING,
            CampaignMessage,
            finished & (CampaignMessage.queued_at < c),
        )
    if (c := cut.get(Category.UNRESOLVED_RECORD)) is not None:
        unresolved = SourceRecord.status.in_([RecordStatus.QUARANTINED, RecordStatus.DISCARDED])
        old = select(SourceRecord.id).where(unresolved, SourceRecord.received_at < c)
        add(
            "record_issues_deleted",
            Category.UNRESOLVED_RECORD,
            RecordIssue,
            RecordIssue.source_record_id.in_(old),
        )
        unlinked = GuestMention.source_record_id.in_(old) & GuestMention.guest_id.is_(None)
        add("unresolved_mentions_deleted", Category.UNRESOLVED_RECORD, GuestMention, unlinked)
        wiped = {
            "key_ref": None,
            "raw_sealed": "",
            "standardised_sealed": None,
            "content_hash": "erased",
            "status": RecordStatus.ERASED,
            "is_current": False,
            "steward_note": None,
        }
        add(
            "unresolved_records_wiped",
            Category.UNRESOLVED_RECORD,
            SourceRecord,
            unresolved & (SourceRecord.received_at < c),
            wiped,
        )
    return steps


def _count(session: Session, model: Any, where: ColumnElement[bool]) -> int:
    return int(session.scalar(select(func.count()).select_from(model).where(where)) or 0)


def _shred_keys_of(session: Session, model: Any, where: ColumnElement[bool]) -> int:
    """Destroy the data keys of the rows about to be wiped or deleted (crypto-shredding: old backups too)."""
    return shred_keys(session, select(model.key_ref).where(where, model.key_ref.is_not(None)))


def run_retention(
    session: Session,
    *,
    now: datetime,
    apply: bool,
    actor_id: int | None = None,
    scope: DataScope | None = None,
    data_dir: Path | None = None,
) -> RetentionRun:
    """Count (dry run) or remove (apply) everything past its period at `now`, in the caller's
    transaction. Applied, the counts are what each statement changed; one `guest.retention` audit
    event records them. The guests to erase are chosen before anything is removed, so a dry run
    and the run that follows it give the same counts. With `data_dir`, upload leftovers past the
    `import_upload` period are counted or deleted too (files: not undone by a rollback)."""
    if scope is not None:
        require_group_scope(scope)
    moment = now.astimezone(UTC)  # SQLite compares the stored UTC text
    cut = {
        Category(line.category): moment - timedelta(days=line.days)
        for line in retention_schedule(session)
        if line.days is not None
    }
    expired = _expired_guests(session, cut[Category.PROFILE]) if Category.PROFILE in cut else []
    counts: dict[str, int] = {}
    per_category = dict.fromkeys((c.value for c in Category), 0)
    for key, category, model, where, statement in _steps(cut):
        if apply:
            if model in (SourceRecord, Conversation):  # crypto-shred their keys first: backups lose them
                _shred_keys_of(session, model, where)
            if model is SourceRecord:  # the source's IDs of them too (PR-03)
                tombstone_records(session, where)
            if model is ServiceTicket:  # the tickets' texts and files, as their keys go with them
                shred_ticket_keys(session, where)
            counts[key] = int(session.execute(statement()).rowcount or 0)  # type: ignore[attr-defined]
        else:
            counts[key] = _count(session, model, where)
        per_category[category.value] += counts[key]
    counts["guests_erased"] = per_category[Category.PROFILE.value] = len(expired)
    if apply:
        for start in range(0, len(expired), ERASE_CHUNK):
            erase_guests(
                session, guest_ids=expired[start : start + ERASE_CHUNK], now=now, scan_unlinked=False
            )
    if data_dir is not None and (c := cut.get(Category.IMPORT_UPLOAD)) is not None:
        if apply:
            found = ingest.sweep_uploads(data_dir, before=c)
        else:
            found = len(ingest.upload_leftovers(data_dir, before=c))
        counts["upload_files_deleted"] = per_category[Category.IMPORT_UPLOAD.value] = found
    cutoffs = {c.value: at.date().isoformat() for c, at in cut.items()}
    if apply:
        privacy_event(session, RUN_ACTION, actor_id, None, {**counts, "before": cutoffs})
        tombstone_erased_records(session)  # any erased before tombstones existed (PR-03)
        # Always, even with nothing expired: it also truncates a WAL an earlier erasure found busy
        purge_after_commit(session, {model.__tablename__ for _k, _c, model, _w, _s in _steps(cut)})
    return RetentionRun(now, apply, counts, cutoffs, per_category)


def sweep_upload_leftovers(session: Session, *, data_dir: Path, now: datetime) -> int:
    """At start-up: delete the upload folders a crashed import left, once past the `import_upload`
    period in force (none: kept). Returns how many went."""
    days = next(line.days for line in retention_schedule(session) if line.category == Category.IMPORT_UPLOAD)
    if days is None:
        return 0
    return ingest.sweep_uploads(data_dir, before=now - timedelta(days=days))


def last_runs(session: Session, *, limit: int = 5) -> list[LastRun]:
    """The latest applied runs, from their audit events (the audit log is the run history)."""
    page = audit.search_events(session, action=RUN_ACTION, paging=PageRequest(page=1, size=limit))
    return [
        LastRun(
            r.time,
            r.event.actor_username,
            {k: v for k, v in r.event.details.items() if isinstance(v, int) and not isinstance(v, bool)},
        )
        for r in page.items
    ]


def retention_overview(
    session: Session, *, scope: DataScope, now: datetime, data_dir: Path | None = None
) -> RetentionOverview:
    require_group_scope(scope)
    due = run_retention(session, now=now, apply=False, data_dir=data_dir)
    return RetentionOverview(retention_schedule(session), due, last_runs(session), list_recipients(session))

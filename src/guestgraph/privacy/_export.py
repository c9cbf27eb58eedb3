"""The guest's complete data (GDPR 15/20, PIPL 45): every row of every table that belongs to them,
as JSON for machines and as a page for people.

Which rows belong to a guest is declared per table in `EXPORTED` (or, with the reason, in
`NOT_EXPORTED`); `tests/test_privacy_export.py` enumerates every table with a foreign key to a
guest (directly, or through a source record or a stay) and fails on a table in neither.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import date, datetime
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

from sqlalchemy import ColumnElement, Table, or_, select
from sqlalchemy.orm import Session

from guestgraph import pii
from guestgraph.access import DataScope
from guestgraph.analytics import tag_notes
from guestgraph.crypto import Vault
from guestgraph.db.models import Base, GuestMention, SourceRecord, StayGuest
from guestgraph.privacy._audit import privacy_event
from guestgraph.privacy._consent import current_consents
from guestgraph.privacy._guests import family_of, find_guest, require_group_scope
from guestgraph.privacy._transfer import list_recipients
from guestgraph.profiles import interaction_texts

FORMAT = "guestgraph.subject-export/1"


@dataclass(frozen=True)
class Subject:
    """The guest's rows' keys: the guest and its merged IDs, its source records and its stays."""

    guest_ids: list[int]
    record_ids: list[int]
    stay_ids: list[int]


def subject_of(session: Session, guest_id: int) -> Subject:
    return subject_of_many(session, [guest_id])


def subject_of_many(session: Session, guest_ids: list[int]) -> Subject:
    """The rows' keys of several guests together (the retention job erases them in one pass)."""
    ids = family_of(session, guest_ids)
    records = set(session.scalars(select(SourceRecord.id).where(SourceRecord.guest_id.in_(ids))))
    records |= set(
        session.scalars(select(GuestMention.source_record_id).where(GuestMention.guest_id.in_(ids)))
    )
    stays = set(session.scalars(select(StayGuest.stay_id).where(StayGuest.guest_id.in_(ids))))
    return Subject(ids, sorted(records), sorted(stays))


def _t(name: str) -> Table:
    return Base.metadata.tables[name]


Rule = Callable[[Subject], ColumnElement[bool]]


def _by_guest(table: str, column: str = "guest_id") -> Rule:
    return lambda s: _t(table).c[column].in_(s.guest_ids)


def _memberships(s: Subject) -> Any:
    member = _t("loyalty_member")
    return select(member.c.id).where(member.c.guest_id.in_(s.guest_ids))


EXPORTED: dict[str, Rule] = {
    "guest": _by_guest("guest", "id"),
    "source_record": lambda s: _t("source_record").c.id.in_(s.record_ids),
    "record_issue": lambda s: _t("record_issue").c.source_record_id.in_(s.record_ids),
    "guest_mention": _by_guest("guest_mention"),
    "stay": lambda s: _t("stay").c.id.in_(s.stay_ids),
    "stay_guest": _by_guest("stay_guest"),
    "charge": lambda s: or_(_t("charge").c.guest_id.in_(s.guest_ids), _t("charge").c.stay_id.in_(s.stay_ids)),
    "payment": lambda s: _t("payment").c.stay_id.in_(s.stay_ids),
    "consent": _by_guest("consent"),
    "preference": _by_guest("preference"),
    "interaction": _by_guest("interaction"),
    "guest_metrics": _by_guest("guest_metrics"),
    "guest_stage_history": _by_guest("guest_stage_history"),
    "guest_tag": _by_guest("guest_tag"),
    "guest_field": _by_guest("guest_field"),
    "segment_member": _by_guest("segment_member"),
    "service_ticket": _by_guest("service_ticket"),
    "ticket_rating": _by_guest("ticket_rating"),
    "survey": _by_guest("survey"),
    "ota_review": lambda s: or_(
        _t("ota_review").c.guest_id.in_(s.guest_ids), _t("ota_review").c.stay_id.in_(s.stay_ids)
    ),
    "self_service_link": _by_guest("self_service_link"),
    "self_service_request": _by_guest("self_service_request"),
    "ticket_attachment": lambda s: _t("ticket_attachment").c.ticket_id.in_(
        select(_t("service_ticket").c.id).where(_t("service_ticket").c.guest_id.in_(s.guest_ids))
    ),
    "conversation": _by_guest("conversation"),
    "inbox_message": lambda s: _t("inbox_message").c.conversation_id.in_(
        select(_t("conversation").c.id).where(_t("conversation").c.guest_id.in_(s.guest_ids))
    ),
    "privacy_request": _by_guest("privacy_request"),
    "campaign_message": _by_guest("campaign_message"),
    "journey_enrolment": _by_guest("journey_enrolment"),
    "journey_step_run": _by_guest("journey_step_run"),
    "coupon": _by_guest("coupon"),
    "guest_change": _by_guest("guest_change"),
    "service_prompt": _by_guest("service_prompt"),
    "loyalty_member": _by_guest("loyalty_member"),
    "loyalty_entry": lambda s: _t("loyalty_entry").c.member_id.in_(_memberships(s)),
    "loyalty_tier_change": lambda s: _t("loyalty_tier_change").c.member_id.in_(_memberships(s)),
}
NOT_EXPORTED: dict[str, str] = {
    "reveal_grant": "a record of which member of staff saw a full value and why (staff accountability, "
    "answered from the audit trail); it holds no value of the guest and is deleted on erasure",
    "match_review": "an internal work item comparing two guest IDs; it holds no data of the guest "
    "beyond those IDs and the model's weights, and is deleted on erasure",
    "guest_merge": "the history of guest IDs found to be one person (the merge history on the profile); it "
    "holds record references, no data of the guest, and is deleted on erasure",
}

# What the guest is told about the processing itself (GDPR 15(1), PIPL 17, 44).
PROCESSING: dict[str, Any] = {
    "controller": "the hotel group operating this guestgraph deployment",
    "purposes": {
        "stay": "reservations, check-in registration required by law, billing (contract, legal obligation)",
        "service": "preferences and service history across the group's hotels (contract)",
        "marketing": "offers by e-mail, SMS, WeChat or post, only with consent per channel",
        "profiling": "segments and personalisation, only with consent",
    },
    "recipients": "staff of the group's hotels, by role and hotel; the source systems listed in "
    "source_record; other processors or recipients abroad only with separate consent",
    "retention": "stays and folios: as accounting law requires (kept anonymised after erasure); "
    "profile and contact data: until erasure or the retention schedule removes them",
    "sources": "the systems named in source_record (PMS, channels, loyalty, POS, front desk)",
}


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, enum.Enum):
        return value.value
    return value


SEALED_TABLES = frozenset({"guest", "guest_mention", "source_record"})
KEY_COLUMNS = frozenset({"key_ref", "raw_sealed", "standardised_sealed"})


def _opened(vault: Vault, table: str, row: dict[str, Any]) -> dict[str, Any]:
    """A row of a sealed table as the guest gave it: values opened, ciphertexts and indexes left out."""
    out = {k: v for k, v in row.items() if k not in KEY_COLUMNS and not k.endswith(("_enc", "_bidx"))}
    stored = SimpleNamespace(**row)
    if table == "source_record":
        opened = pii.open_record(vault, stored)
        return out | {"raw_payload": opened.raw, "standardised": opened.standardised}
    name = (
        row["public_id"]
        if table == "guest"
        else pii.mention_row(row["source_record_id"], row["person_index"])
    )
    person = pii.open_person(vault, table, name, stored)
    number = "id_document_number" if table == "guest" else "id_number"
    values = {"phone": person.phone, "email": person.email, number: person.id_number}
    return out | values | {"birth_date": person.birth_date}


def _configured(session: Session) -> dict[str, str]:
    """The recipients and retention periods as configured today (GDPR 15(1)(c)(d), PIPL 17)."""
    from guestgraph.privacy._retention import retention_schedule  # it erases through this package

    recipients = "; ".join(
        f"{r.code} ({r.kind}, {r.country}{', route ' + r.route if r.route else ''})"
        for r in list_recipients(session)
        if r.active
    )
    schedule = "; ".join(
        f"{line.category}: {line.days if line.days is not None else 'until erasure'}"
        + (" days" if line.days is not None else "")
        for line in retention_schedule(session)
    )
    return {"recipients_configured": recipients or "none", "retention_schedule": schedule}


def _opened_issues(session: Session, vault: Vault, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Record issues with the values they quote opened under their records' keys."""
    ids = sorted({r["source_record_id"] for r in rows})
    records = {
        rec.id: rec
        for start in range(0, len(ids), 900)
        for rec in session.execute(
            select(
                SourceRecord.id,
                SourceRecord.source_system_id,
                SourceRecord.external_id,
                SourceRecord.version_key,
                SourceRecord.key_ref,
            ).where(SourceRecord.id.in_(ids[start : start + 900]))
        )
    }
    out = []
    for r in rows:
        rec = records.get(r["source_record_id"])
        opened: dict[str, Any] = {"raw_value": None, "fixed_value": None}
        if rec is not None:
            for column in opened:
                opened[column] = pii.open_issue_value(
                    vault,
                    rec,
                    rule=r["rule"],
                    field=r["field"],
                    person=r["person"],
                    column=column,
                    stored=r.get(f"{column}_enc"),
                )
        out.append({k: v for k, v in r.items() if not k.endswith("_enc")} | opened)
    return out


def _opened_conversations(
    session: Session, vault: Vault, table: str, rows: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Conversations and their messages as the guest wrote them (opened with the conversation's key)."""
    if table == "conversation":
        keys = {r["id"]: r["key_ref"] for r in rows}
    else:
        conv = _t("conversation")
        ids = sorted({r["conversation_id"] for r in rows})
        query = select(conv.c.id, conv.c.key_ref).where(conv.c.id.in_(ids))
        keys = dict(session.execute(query).all())
    pii.preload(vault, keys.values())
    out = []
    for r in rows:
        plain = {k: v for k, v in r.items() if k not in KEY_COLUMNS and not k.endswith(("_enc", "_bidx"))}
        if table == "conversation":
            where = pii.conversation_row(r["id"])
            opened = {
                column: pii.open_value(vault, r["key_ref"], table, f"{column}_enc", where, r[f"{column}_enc"])
                for column in ("counterpart", "subject")
            }
        else:
            key_ref, where = keys.get(r["conversation_id"]), pii.message_row(r["id"])
            opened = {"text": pii.open_value(vault, key_ref, table, "body_enc", where, r["body_enc"])}
        out.append(plain | opened)
    return out


def _opened_preference(vault: Vault, row: dict[str, Any]) -> dict[str, Any]:
    """A preference with its value opened (under the guest's key)."""
    plain = {k: v for k, v in row.items() if k not in ("key_ref", "value_enc")}
    where = pii.preference_row(row["id"])
    return plain | {
        "value": pii.open_value(vault, row["key_ref"], "preference", "value", where, row["value_enc"])
    }


def _opened_interactions(session: Session, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Interactions with their text opened (under the guest's key) by the timeline's reader."""
    texts = interaction_texts(session, [SimpleNamespace(**r) for r in rows])
    return [
        {k: v for k, v in r.items() if k not in ("key_ref", "text_enc")} | {"text": text}
        for r, text in zip(rows, texts, strict=True)
    ]


def _opened_tickets(session: Session, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Tickets with their title and description opened (under each ticket's key) by the service's
    readers."""
    from guestgraph.service import ticket_descriptions, ticket_titles  # service e-mails via engage -> privacy

    tickets = [SimpleNamespace(**r) for r in rows]
    texts = zip(ticket_titles(session, tickets), ticket_descriptions(session, tickets), strict=True)
    sealed = ("key_ref", "title_enc", "description_enc")
    return [
        {k: v for k, v in r.items() if k not in sealed} | {"title": title, "description": description}
        for r, (title, description) in zip(rows, texts, strict=True)
    ]


def _opened_comments(session: Session, table: str, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Surveys, ticket ratings and reviews with their comment opened by their table's reader."""
    from guestgraph.feedback import review_comments, survey_comments  # feedback mails via engage -> privacy
    from guestgraph.service import rating_comments

    reader = {"survey": survey_comments, "ticket_rating": rating_comments, "ota_review": review_comments}
    texts = reader[table](session, [SimpleNamespace(**r) for r in rows])
    return [
        {k: v for k, v in r.items() if k not in ("key_ref", "comment_enc")} | {"comment": text}
        for r, text in zip(rows, texts, strict=True)
    ]


def _opened_tags(session: Session, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The guest's tags with their note opened by the tags' reader."""
    notes = tag_notes(session, [SimpleNamespace(**r) for r in rows])
    return [
        {k: v for k, v in r.items() if k not in ("key_ref", "note_enc")} | {"note": note}
        for r, note in zip(rows, notes, strict=True)
    ]


def _opened_prompts(session: Session, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The service prompts about the guest with their reason's detail opened by the prompts' reader."""
    from guestgraph.prompts import prompt_details

    details = prompt_details(session, [SimpleNamespace(**r) for r in rows])
    return [
        {k: v for k, v in r.items() if k not in ("key_ref", "reason_detail_enc")} | {"reason_detail": d}
        for r, d in zip(rows, details, strict=True)
    ]


def _opened_attachment(vault: Vault, row: dict[str, Any]) -> dict[str, Any]:
    """A file on one of the guest's tickets, its bytes as base64."""
    plain = {k: v for k, v in row.items() if k not in ("key_ref", "content_enc")}
    where = pii.attachment_row(row["id"])
    content = pii.open_value(
        vault, row["key_ref"], "ticket_attachment", "content_enc", where, row["content_enc"]
    )
    return plain | {"content_base64": content}


def table_rows(session: Session, subject: Subject) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    vault = pii.vault_of(session)
    for name, rule in EXPORTED.items():
        table = _t(name)
        query = select(table).where(rule(subject)).order_by(*table.primary_key.columns)
        rows = [dict(row._mapping) for row in session.execute(query)]
        if name in SEALED_TABLES:
            pii.preload(vault, (r.get("key_ref") for r in rows))
            rows = [_opened(vault, name, r) for r in rows]
        elif name == "record_issue":
            rows = _opened_issues(session, vault, rows)
        elif name == "ticket_attachment":
            rows = [_opened_attachment(vault, r) for r in rows]
        elif name == "preference":
            pii.preload(vault, (r["key_ref"] for r in rows))
            rows = [_opened_preference(vault, r) for r in rows]
        elif name == "interaction":
            rows = _opened_interactions(session, rows)
        elif name == "service_ticket":
            rows = _opened_tickets(session, rows)
        elif name in ("survey", "ticket_rating", "ota_review"):
            rows = _opened_comments(session, name, rows)
        elif name == "guest_tag":
            rows = _opened_tags(session, rows)
        elif name == "service_prompt":
            rows = _opened_prompts(session, rows)
        elif name in ("conversation", "inbox_message"):
            rows = _opened_conversations(session, vault, name, rows)
        out[name] = [{k: _plain(v) for k, v in row.items()} for row in rows]
    return out


def export_guest(
    session: Session, *, scope: DataScope, public_id: str, actor_id: int | None, now: datetime
) -> dict[str, Any]:
    """Everything about the guest `public_id`: golden record, source records with their raw payloads,
    stays, charges, payments, mentions, consents with their history, preferences, interactions, requests."""
    require_group_scope(scope)
    guest = find_guest(session, scope=scope, public_id=public_id)
    subject = subject_of(session, guest.id)
    tables = table_rows(session, subject)
    privacy_event(session, "guest.export", actor_id, guest.public_id, {k: len(v) for k, v in tables.items()})
    return {
        "format": FORMAT,
        "generated_at": now.isoformat(),
        "guest": guest.public_id,
        "processing": {**PROCESSING, **_configured(session)},
        "consents_in_force": [
            {k: _plain(v) for k, v in asdict(c).items()}
            for c in current_consents(session, guest_id=guest.id, now=now)
        ],
        "tables": tables,
        "not_exported": NOT_EXPORTED,
    }

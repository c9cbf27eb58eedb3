"""Sealing and opening the sensitive fields of guests, mentions and source records.

Every value is AES-256-GCM (or SM4-GCM) under a data key named by the row's `key_ref`, with the
tenant, table, column and a stable row name as AAD (crypto.FieldContext). Exact search and matching
use keyed blind indexes; nothing here ever stores a sensitive value in the clear.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import orjson

from guestgraph.crypto import FieldContext, IndexKind, KeyShredded, Vault
from guestgraph.errors import InvalidInput

SEALED_FIELDS = ("phone", "email", "id_number", "birth_date")


@dataclass(frozen=True, slots=True)
class Sensitive:
    """A person's sensitive fields in the clear (only ever in memory)."""

    phone: str | None = None
    email: str | None = None
    id_number: str | None = None
    birth_date: date | None = None
    shredded: bool = False  # the key was destroyed: the guest was erased

    def as_dict(self) -> dict[str, Any]:
        return {f: getattr(self, f) for f in SEALED_FIELDS}


def index(vault: Vault, kind: IndexKind, value: str | None) -> str | None:
    """The blind index of `value`, or None when there is no value (or it cannot be normalised)."""
    if not value:
        return None
    try:
        return vault.blind_index(kind, value)
    except InvalidInput:
        return None


def _seal(vault: Vault, key_ref: str, table: str, column: str, row: str, value: str | None) -> str | None:
    if value is None or value == "":
        return None
    return vault.encrypt(key_ref, FieldContext(vault.tenant, table, column, row), value)


def _open(
    vault: Vault, key_ref: str | None, table: str, column: str, row: str, stored: str | None
) -> str | None:
    if stored is None or key_ref is None:
        return None
    return vault.decrypt(key_ref, FieldContext(vault.tenant, table, column, row), stored)


def seal_person(vault: Vault, key_ref: str, table: str, row: str, values: Sensitive) -> dict[str, Any]:
    """The columns of a guest or mention row for `values`: ciphertexts and blind indexes."""
    born = values.birth_date.isoformat() if values.birth_date else None
    clear = {"phone": values.phone, "email": values.email, "id_number": values.id_number, "birth_date": born}
    sealed = vault.encrypt_row(key_ref, table, row, {c: v for c, v in clear.items() if v})
    out: dict[str, Any] = {
        "key_ref": key_ref,
        "phone_enc": sealed.get("phone"),
        "phone_bidx": index(vault, "phone", values.phone),
        "email_enc": sealed.get("email"),
        "email_bidx": index(vault, "email", values.email),
        "id_number_enc": sealed.get("id_number"),
        "id_number_bidx": index(vault, "id_number", values.id_number),
        "birth_date_enc": sealed.get("birth_date"),
    }
    if table == "guest":
        out["phone_tail_bidx"] = index(vault, "phone_tail", values.phone)
        out["birth_month"] = values.birth_date.month if values.birth_date else None
        out["birth_day"] = values.birth_date.day if values.birth_date else None
    else:
        out["birth_bidx"] = index(vault, "birth_date", born)
    return out


def open_person(vault: Vault, table: str, row: str, stored: Any) -> Sensitive:
    """The clear values of a row holding `key_ref` and the `*_enc` columns (ORM object or Row)."""
    key_ref = stored.key_ref
    try:
        born = _open(vault, key_ref, table, "birth_date", row, stored.birth_date_enc)
        return Sensitive(
            phone=_open(vault, key_ref, table, "phone", row, stored.phone_enc),
            email=_open(vault, key_ref, table, "email", row, stored.email_enc),
            id_number=_open(vault, key_ref, table, "id_number", row, stored.id_number_enc),
            birth_date=date.fromisoformat(born) if born else None,
        )
    except KeyShredded:
        return Sensitive(shredded=True)


OPEN_CHUNK = 5_000  # keys unwrapped per key-store query (within the vault's key cache)


def open_mentions(vault: Vault, rows: Sequence[Any]) -> list[Sensitive]:
    """The clear values of many guest mentions (rows with `key_ref`, `source_record_id`,
    `person_index` and the `*_enc` columns), in order; keys are unwrapped a chunk at a time."""
    out: list[Sensitive] = []
    for start in range(0, len(rows), OPEN_CHUNK):
        chunk = rows[start : start + OPEN_CHUNK]
        preload(vault, (r.key_ref for r in chunk))
        out.extend(
            open_person(vault, "guest_mention", mention_row(r.source_record_id, r.person_index), r)
            for r in chunk
        )
    return out


def preload(vault: Vault, key_refs: Iterable[str | None]) -> None:
    """Unwrap many rows' keys in one key-store query before opening them."""
    vault.preload(ref for ref in key_refs if ref)


def mention_row(source_record_id: int, person_index: int) -> str:
    return f"{source_record_id}:{person_index}"


def conversation_row(conversation_id: int) -> str:
    """The AAD row name of a conversation's sealed fields (its key is the conversation's own)."""
    return f"conversation:{conversation_id}"


def message_row(message_id: int) -> str:
    """The AAD row name of an inbox message's sealed body."""
    return f"message:{message_id}"


def preference_row(preference_id: int) -> str:
    """The AAD row name of a preference's sealed value (under its guest's key)."""
    return f"preference:{preference_id}"


def interaction_row(interaction_id: int) -> str:
    """The AAD row name of an interaction's sealed text (under its guest's key)."""
    return f"interaction:{interaction_id}"


def prompt_row(stay_id: int, rule_id: int) -> str:
    """The AAD row name of a service prompt's sealed reason detail (under its guest's key): the prompt's
    natural key (one per stay and rule), known before the row id is."""
    return f"service_prompt:{stay_id}:{rule_id}"


def ticket_row(ticket_id: int) -> str:
    """The AAD row name of a service ticket's sealed description (under the ticket's own key)."""
    return f"ticket:{ticket_id}"


def ticket_event_row(event_id: int) -> str:
    """The AAD row name of a ticket event's sealed text (under its ticket's key)."""
    return f"ticket_event:{event_id}"


def tag_row(tag_id: int) -> str:
    """The AAD row name of a guest tag's sealed note (under its guest's key)."""
    return f"guest_tag:{tag_id}"


def survey_row(survey_id: int) -> str:
    """The AAD row name of a survey's sealed comment (under its guest's key)."""
    return f"survey:{survey_id}"


def rating_row(rating_id: int) -> str:
    """The AAD row name of a ticket rating's sealed comment (under its guest's key)."""
    return f"ticket_rating:{rating_id}"


def review_row(review_id: int) -> str:
    """The AAD row name of an OTA review's sealed comment (its guest's key, else its own)."""
    return f"ota_review:{review_id}"


def attachment_row(attachment_id: int) -> str:
    """The AAD row name of a ticket attachment's sealed bytes (under the attachment's own key)."""
    return f"attachment:{attachment_id}"


def record_row(source_system_id: int, external_id: str, version_key: str) -> str:
    """A source record's AAD row name: its natural key (known before the row id is)."""
    return f"{source_system_id}:{external_id}:{version_key}"


def issue_row(record: str, rule: str, field: str | None, person: int | None) -> str:
    """A record issue's AAD row name: its record's natural key and what the issue is about."""
    return f"{record}:{rule}:{field or ''}:{'' if person is None else person}"


def open_issue_value(
    vault: Vault,
    record: Any,
    *,
    rule: str,
    field: str | None,
    person: int | None,
    column: str,
    stored: str | None,
) -> str | None:
    """A value a record issue quotes, opened under its record's key (`record` has the record's
    `source_system_id`, `external_id`, `version_key` and `key_ref`)."""
    name = record_row(record.source_system_id, record.external_id, record.version_key)
    return open_value(
        vault, record.key_ref, "record_issue", column, issue_row(name, rule, field, person), stored
    )


def seal_value(
    vault: Vault, key_ref: str, table: str, column: str, row: str, value: str | None
) -> str | None:
    """One value sealed for its place (None stays None)."""
    return _seal(vault, key_ref, table, column, row, value)


def open_value(
    vault: Vault, key_ref: str | None, table: str, column: str, row: str, stored: str | None
) -> str | None:
    """One sealed value opened; None when absent or its key was shredded."""
    try:
        return _open(vault, key_ref, table, column, row, stored)
    except KeyShredded:
        return None


def seal_record(
    vault: Vault, key_ref: str, row: str, raw: str, standardised: dict[str, Any]
) -> dict[str, str]:
    doc = orjson.dumps(standardised, default=str)  # sealed as the UTF-8 bytes orjson writes
    sealed = vault.encrypt_row(key_ref, "source_record", row, {"raw": raw, "standardised": doc})
    return {"raw_sealed": sealed["raw"], "standardised_sealed": sealed["standardised"]}


@dataclass(frozen=True, slots=True)
class OpenRecord:
    raw: str | None
    standardised: dict[str, Any]
    shredded: bool = False


def open_record(vault: Vault, record: Any) -> OpenRecord:
    """The payload and standardised form of a source record (ORM object or Row with the columns)."""
    row = record_row(record.source_system_id, record.external_id, record.version_key)
    try:
        raw = _open(vault, record.key_ref, "source_record", "raw", row, record.raw_sealed)
        doc = _open(vault, record.key_ref, "source_record", "standardised", row, record.standardised_sealed)
    except KeyShredded:
        return OpenRecord(None, {}, shredded=True)
    loaded = json.loads(doc) if doc else {}
    return OpenRecord(raw, loaded if isinstance(loaded, dict) else {})


def open_guests(vault: Vault, guests: Iterable[Any]) -> dict[int, Sensitive]:
    """The sensitive fields of many guests (rows with id, public_id, key_ref and `*_enc`)."""
    rows = list(guests)
    preload(vault, (g.key_ref for g in rows))
    return {g.id: open_person(vault, "guest", g.public_id, g) for g in rows}


def guest_values(vault: Vault, guest: Any) -> dict[str, Any]:
    """A guest's sensitive attributes under the golden record's names (`id_document_number`)."""
    opened = open_person(vault, "guest", guest.public_id, guest)
    return {
        "phone": opened.phone,
        "email": opened.email,
        "id_document_number": opened.id_number,
        "birth_date": opened.birth_date,
    }

"""Guest personal data at rest (issue 7, checklist CR-01..CR-04): which vault seals a database's
rows, and how the sensitive fields of guests, mentions and source records are sealed and opened.

Tables hold ciphertext (`*_enc`, `raw_sealed`, `standardised_sealed`) and keyed blind indexes
(`*_bidx`) only; a guest's fields are under the guest's data key and a source record's under its
own, so erasing a guest shreds those keys and every copy of the values, backups included, is gone.
"""

from guestgraph.pii._binding import attach_vault, ensure_vault, open_engine, vault_of
from guestgraph.pii._fields import (
    SEALED_FIELDS,
    OpenRecord,
    Sensitive,
    attachment_row,
    conversation_row,
    guest_values,
    index,
    interaction_row,
    issue_row,
    mention_row,
    message_row,
    open_guests,
    open_issue_value,
    open_mentions,
    open_person,
    open_record,
    open_value,
    preference_row,
    preload,
    prompt_row,
    rating_row,
    record_row,
    review_row,
    seal_person,
    seal_record,
    seal_value,
    survey_row,
    tag_row,
    ticket_event_row,
    ticket_row,
)
from guestgraph.pii._keys import key_refs_of
from guestgraph.pii._rotation import rotate_kek
from guestgraph.pii._texts import open_guest_texts, seal_guest_text
from guestgraph.pii._tombstones import TOMBSTONE_PREFIX, is_tombstone, stay_tombstone, tombstone

__all__ = [
    "TOMBSTONE_PREFIX",
    "is_tombstone",
    "stay_tombstone",
    "tombstone",
    "rotate_kek",
    "SEALED_FIELDS",
    "OpenRecord",
    "Sensitive",
    "attach_vault",
    "attachment_row",
    "preference_row",
    "conversation_row",
    "ensure_vault",
    "guest_values",
    "open_guests",
    "open_issue_value",
    "open_mentions",
    "index",
    "interaction_row",
    "issue_row",
    "key_refs_of",
    "open_guest_texts",
    "rating_row",
    "review_row",
    "seal_guest_text",
    "survey_row",
    "tag_row",
    "open_value",
    "seal_value",
    "mention_row",
    "message_row",
    "open_engine",
    "open_person",
    "open_record",
    "preload",
    "prompt_row",
    "record_row",
    "seal_person",
    "seal_record",
    "ticket_event_row",
    "ticket_row",
    "vault_of",
]

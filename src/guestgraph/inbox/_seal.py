"""Sealing the inbox's fields under the conversation's own data key."""

from __future__ import annotations

from guestgraph import pii
from guestgraph.crypto import Vault
from guestgraph.db.models import Conversation


def _place(conversation_id: int, row: int | None) -> tuple[str, str]:
    if row is None:
        return "conversation", pii.conversation_row(conversation_id)
    return "inbox_message", pii.message_row(row)


def seal(
    vault: Vault, conversation: Conversation, column: str, value: str | None, *, row: int | None = None
) -> str | None:
    assert conversation.key_ref is not None
    table, where = _place(conversation.id, row)
    return pii.seal_value(vault, conversation.key_ref, table, column, where, value)


def unseal(
    vault: Vault,
    key_ref: str | None,
    conversation_id: int,
    column: str,
    stored: str | None,
    *,
    row: int | None = None,
) -> str | None:
    """Opened, or None when absent or the key was shredded."""
    table, where = _place(conversation_id, row)
    return pii.open_value(vault, key_ref, table, column, where, stored)

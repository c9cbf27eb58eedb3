"""The inbox's errors: each says what, where and how to fix."""

from __future__ import annotations

from guestgraph.errors import Conflict, InvalidInput, NotFound


class InvalidMessage(InvalidInput):
    """An inbound or outbound message that cannot be taken (names the field and the fix)."""

    code = "invalid_message"


class ConversationNotFound(NotFound):
    """No such conversation in the caller's data scope (as for an unknown number)."""

    code = "conversation_not_found"


class CannotReply(Conflict):
    """The conversation's channel cannot carry a reply (a logged call) or no gateway is configured."""

    code = "cannot_reply"

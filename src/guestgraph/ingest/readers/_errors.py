"""The one error a reader raises: the input cannot be read at all."""

from __future__ import annotations

from guestgraph.errors import InvalidInput


class ReaderError(InvalidInput):
    """The input is not readable as the format it claims to be; says what, where and how to fix it.

    `source` is the file name (or "push" for a pushed message), `location` the element path,
    item or line/column, `field` the value concerned when there is one.
    """

    code = "unreadable_input"

    def __init__(
        self,
        what: str,
        *,
        source: str,
        fix: str,
        location: str | None = None,
        field: str | None = None,
    ) -> None:
        where = f"{source} at {location}" if location else source
        subject = f" (field {field})" if field else ""
        super().__init__(f"{where}{subject}: {what}. {fix}", hint=fix)
        self.source = source
        self.location = location
        self.field = field


class MessageTooLarge(ReaderError):
    """A pushed message over the size limit, refused before it is read whole (413)."""

    status = 413
    code = "message_too_large"


def too_large(size: int, limit: int, *, source: str) -> MessageTooLarge:
    return MessageTooLarge(
        f"the message is {size:,} bytes or more, over the {limit:,}-byte limit",
        source=source,
        fix="Split the batch into smaller messages (one reservation or a few per message).",
    )

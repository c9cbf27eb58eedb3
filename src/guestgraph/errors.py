"""The one exception hierarchy of guestgraph.

Every error carries its HTTP status as data (Datasette's habit) and a message that says what went
wrong, where, and how to fix it. The web layer translates these in one place
(`guestgraph.web._errors`), rendering JSON under `/api` and a page elsewhere.
"""

from __future__ import annotations


class GuestgraphError(Exception):
    """Base of every error guestgraph raises on purpose."""

    status: int = 500
    code: str = "internal_error"

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def to_dict(self) -> dict[str, object]:
        body: dict[str, object] = {"error": self.code, "message": self.message}
        if self.hint:
            body["hint"] = self.hint
        return body


class ConfigurationError(GuestgraphError):
    """The settings are missing or unsafe; the message names the setting and the fix."""

    code = "configuration_error"


class DatabaseError(GuestgraphError):
    """The database could not be reached or is not at the expected schema revision."""

    status = 503
    code = "database_error"


class InvalidInput(GuestgraphError):
    """A request or file carried a value we cannot accept; the message names the field."""

    status = 400
    code = "invalid_input"


class NotFound(GuestgraphError):
    status = 404
    code = "not_found"


class HotelNotFound(NotFound):
    code = "hotel_not_found"


class GuestNotFound(NotFound):
    code = "guest_not_found"


class Conflict(GuestgraphError):
    status = 409
    code = "conflict"


class DemoDataError(GuestgraphError):
    """The demo group's files are missing or malformed."""

    code = "demo_data_error"

"""The one error the standardisers raise."""

from __future__ import annotations

from guestgraph.errors import InvalidInput


class CleanseError(InvalidInput):
    """A raw value could not be standardised.

    ``message`` says what is wrong with the value (naming it, masked for identity numbers) and
    ``hint`` says how to write it instead. ``what`` names the kind of value ("phone number",
    "date", ...) so an importer can point at the column.
    """

    code = "invalid_value"

    def __init__(self, message: str, *, hint: str, what: str) -> None:
        super().__init__(message, hint=hint)
        self.what = what

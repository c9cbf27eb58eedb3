"""The errors of field encryption: each says what, where, and how to fix it."""

from __future__ import annotations

from guestgraph.errors import GuestgraphError


class FieldTampered(GuestgraphError):
    """A stored ciphertext failed its integrity check: it was altered, or moved to another guest,
    row or column (the AAD binds it to its place). Never returned as garbage."""

    code = "field_tampered"

    def __init__(self, where: str, *, hint: str | None = None) -> None:
        super().__init__(
            f"field tampered: {where}",
            hint=hint
            or "The stored value was altered or does not belong to this row and column; restore it "
            "from a trusted copy and check the audit log for who wrote it.",
        )
        self.where = where


class UnknownKey(GuestgraphError):
    """A ciphertext or a wrapped data key names a key this installation does not have."""

    code = "unknown_key"


class KeyShredded(UnknownKey):
    """The guest's data key was destroyed on erasure (crypto-shredding): the value is gone for good."""

    status = 410
    code = "key_shredded"

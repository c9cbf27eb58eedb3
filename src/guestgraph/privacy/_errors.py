"""Errors of the privacy package; each says what, where and how to fix it."""

from __future__ import annotations

from guestgraph.errors import InvalidInput, NotFound


class ReasonRequired(InvalidInput):
    """A refusal (or an extension) without the reason the guest is owed."""

    status = 422
    code = "reason_required"


class RequestNotFound(NotFound):
    code = "privacy_request_not_found"


class ConsentNotAllowed(InvalidInput):
    """A consent entry that the ledger's rules refuse (a bundled or mis-based consent)."""

    status = 422
    code = "consent_not_allowed"

"""Errors of the privacy package; each says what, where and how to fix it."""

from __future__ import annotations

from guestgraph.errors import InvalidInput, NotFound


class ReasonRequired(InvalidInput):
    """A refusal (or an extension) without the reason the guest is owed."""

    status = 422
    code = "reason_required"


class CorrectionRefused(InvalidInput):
    """A correction whose values the rules refuse (a bad ID check digit, a phone that is no number):
    422 like any invalid request body, naming each refused field as `body.<field>` with the fix."""

    status = 422
    code = "invalid_input"

    def __init__(self, message: str, *, hint: str, problems: list[dict[str, str]]) -> None:
        super().__init__(message, hint=hint)
        self.problems = problems

    def to_dict(self) -> dict[str, object]:
        body = super().to_dict()
        body["field"] = self.problems[0]["field"] if self.problems else "body"
        body["problems"] = self.problems
        return body


class RequestNotFound(NotFound):
    code = "privacy_request_not_found"


class ConsentNotAllowed(InvalidInput):
    """A consent entry that the ledger's rules refuse (a bundled or mis-based consent)."""

    status = 422
    code = "consent_not_allowed"

"""Errors of sign-in and authorisation; each says what happened and what the user can do."""

from __future__ import annotations

from guestgraph.errors import GuestgraphError, InvalidInput


class NotSignedIn(GuestgraphError):
    status = 401
    code = "not_signed_in"


class SecondFactorRequired(NotSignedIn):
    code = "mfa_required"


class InvalidCredentials(GuestgraphError):
    status = 401
    code = "invalid_credentials"


class TooManyAttempts(GuestgraphError):
    status = 429
    code = "too_many_attempts"


class Forbidden(GuestgraphError):
    status = 403
    code = "forbidden"


class CsrfRejected(Forbidden):
    code = "csrf_rejected"


class WeakPassword(InvalidInput):
    status = 422
    code = "weak_password"

"""Errors of the loyalty package; each says what, where and how to fix it."""

from __future__ import annotations

from guestgraph.errors import Conflict, InvalidInput, NotFound


class SchemeNotFound(NotFound):
    code = "loyalty_scheme_not_found"


class MemberNotFound(NotFound):
    """No membership with this number in the caller's scope (an out-of-scope one looks the same)."""

    code = "loyalty_member_not_found"


class SchemeInvalid(InvalidInput):
    """A scheme file (tiers, earn rates) does not describe a scheme we can run."""

    status = 422
    code = "loyalty_scheme_invalid"


class NotEnoughPoints(Conflict):
    """A redemption or an adjustment would take the guest's balance below zero."""

    code = "loyalty_not_enough_points"


class AlreadyMember(Conflict):
    code = "loyalty_already_member"

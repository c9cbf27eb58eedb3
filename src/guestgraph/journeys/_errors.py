"""Errors of the journeys package; each says what, where and how to fix it."""

from __future__ import annotations

from guestgraph.errors import Conflict, InvalidInput, NotFound


class JourneyNotFound(NotFound):
    code = "journey_not_found"


class JourneyInvalid(InvalidInput):
    """A journey definition that does not validate (unknown step, a branch going backwards …)."""

    status = 422
    code = "journey_invalid"


class JourneyStateConflict(Conflict):
    """An activation or pause that does not fit the journey's state."""

    code = "journey_state_conflict"

"""The service package's errors: what went wrong, where, and how to fix it."""

from __future__ import annotations

from guestgraph.errors import Conflict, InvalidInput, NotFound


class InvalidServiceInput(InvalidInput):
    code = "invalid_ticket_input"


class TicketNotFound(NotFound):
    code = "ticket_not_found"


class InvalidTransition(Conflict):
    code = "invalid_transition"

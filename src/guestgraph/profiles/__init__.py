"""Guests as staff see them: lists now, the 360° profile with the front-desk issue."""

from guestgraph.profiles._schemas import GuestSummary
from guestgraph.profiles._service import list_guests

__all__ = ["GuestSummary", "list_guests"]

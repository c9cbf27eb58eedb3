"""Guests as staff see them: lists now, the 360° profile with the front-desk issue."""

from guestgraph.profiles._profile import Attribute, GuestProfile, Identity, Lifetime, StayLine, get_profile
from guestgraph.profiles._reveal import PURPOSES, REVEAL_FIELDS, Revealed, reveal, revealed_again
from guestgraph.profiles._schemas import GuestSummary
from guestgraph.profiles._search import search_guests
from guestgraph.profiles._service import list_guests

__all__ = [
    "PURPOSES",
    "REVEAL_FIELDS",
    "Revealed",
    "reveal",
    "revealed_again",
    "Attribute",
    "GuestProfile",
    "GuestSummary",
    "Identity",
    "Lifetime",
    "StayLine",
    "get_profile",
    "list_guests",
    "search_guests",
]

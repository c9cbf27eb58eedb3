"""Guests as staff see them: search, lists and the 360° profile with preferences, interactions and
alerts, always through the caller's data scope and masked."""

from guestgraph.profiles._alerts import ALERT_KINDS, Alert, Visit, alerts_for, birthday_between
from guestgraph.profiles._folio import FolioBalance, folio_balances
from guestgraph.profiles._guests import visible_guest
from guestgraph.profiles._interactions import (
    INTERACTION_KINDS,
    InteractionLine,
    NewInteraction,
    add_interaction,
    interaction_texts,
    list_interactions,
    store_interactions,
)
from guestgraph.profiles._preferences import (
    PREFERENCE_CATEGORIES,
    PreferenceLine,
    PreferenceNotFound,
    add_preference,
    list_preferences,
    retire_preference,
    store_preference,
)
from guestgraph.profiles._profile import Attribute, GuestProfile, Identity, Lifetime, StayLine, get_profile
from guestgraph.profiles._reveal import PURPOSES, REVEAL_FIELDS, Revealed, reveal, revealed_again
from guestgraph.profiles._schemas import GuestSummary
from guestgraph.profiles._search import search_guests
from guestgraph.profiles._service import list_guests

__all__ = [
    "FolioBalance",
    "folio_balances",
    "PURPOSES",
    "REVEAL_FIELDS",
    "Revealed",
    "reveal",
    "revealed_again",
    "ALERT_KINDS",
    "INTERACTION_KINDS",
    "PREFERENCE_CATEGORIES",
    "Alert",
    "Attribute",
    "GuestProfile",
    "GuestSummary",
    "Identity",
    "InteractionLine",
    "NewInteraction",
    "Lifetime",
    "PreferenceLine",
    "PreferenceNotFound",
    "StayLine",
    "Visit",
    "add_interaction",
    "interaction_texts",
    "store_interactions",
    "add_preference",
    "store_preference",
    "alerts_for",
    "birthday_between",
    "get_profile",
    "list_guests",
    "list_interactions",
    "list_preferences",
    "retire_preference",
    "search_guests",
    "visible_guest",
]

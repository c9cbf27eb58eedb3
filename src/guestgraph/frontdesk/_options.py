"""What the front-desk forms offer (hotels in scope, categories, kinds, documents, outlets, and the
purposes for which a registration card may show full values)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from guestgraph.access import DataScope
from guestgraph.frontdesk._charges import OUTLETS
from guestgraph.frontdesk._hotels import HotelChoice, hotel_choices
from guestgraph.frontdesk._payments import PAYMENT_METHODS
from guestgraph.frontdesk._stay_records import ID_TYPES
from guestgraph.profiles import INTERACTION_KINDS, PREFERENCE_CATEGORIES, PURPOSES


@dataclass(frozen=True)
class DeskOptions:
    hotels: list[HotelChoice]
    categories: tuple[str, ...] = PREFERENCE_CATEGORIES
    kinds: tuple[str, ...] = INTERACTION_KINDS
    id_types: tuple[str, ...] = ID_TYPES
    outlets: tuple[str, ...] = OUTLETS
    payment_methods: tuple[str, ...] = PAYMENT_METHODS
    purposes: tuple[tuple[str, str], ...] = tuple(PURPOSES.items())  # a card with full values: why

    @property
    def operable(self) -> list[HotelChoice]:
        """Hotels whose stays the front desk operates (no PMS feed)."""
        return [h for h in self.hotels if not h.pms_feed]

    @property
    def fed(self) -> frozenset[str]:
        """Codes of the hotels whose stays come from a PMS feed."""
        return frozenset(h.code for h in self.hotels if h.pms_feed)


def desk_options(session: Session, scope: DataScope) -> DeskOptions:
    return DeskOptions(hotels=hotel_choices(session, scope))

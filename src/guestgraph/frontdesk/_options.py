"""What the front-desk forms offer (hotels in scope, categories, kinds, documents, outlets)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from guestgraph.access import DataScope
from guestgraph.frontdesk._hotels import HotelChoice, hotel_choices
from guestgraph.frontdesk._operations import ID_TYPES, OUTLETS
from guestgraph.profiles import INTERACTION_KINDS, PREFERENCE_CATEGORIES


@dataclass(frozen=True)
class DeskOptions:
    hotels: list[HotelChoice]
    categories: tuple[str, ...] = PREFERENCE_CATEGORIES
    kinds: tuple[str, ...] = INTERACTION_KINDS
    id_types: tuple[str, ...] = ID_TYPES
    outlets: tuple[str, ...] = OUTLETS


def desk_options(session: Session, scope: DataScope) -> DeskOptions:
    return DeskOptions(hotels=hotel_choices(session, scope))

"""Act at the front desk: arrivals with each guest's highlights, and stay operations for hotels
without a PMS feed, each recorded as a source record through the import engine (lineage holds)."""

from guestgraph.frontdesk._arrivals import ArrivalLine, Arrivals, Day, list_arrivals
from guestgraph.frontdesk._hotels import (
    HotelChoice,
    first_hotel_code,
    hotel_choices,
    hotel_today,
    scoped_hotel,
)
from guestgraph.frontdesk._operations import (
    ID_TYPES,
    OUTLETS,
    TRANSITIONS,
    NewReservation,
    OperationResult,
    StayNotFound,
    change_stay,
    create_reservation,
    post_charge,
)
from guestgraph.frontdesk._options import DeskOptions, desk_options

__all__ = [
    "ID_TYPES",
    "OUTLETS",
    "TRANSITIONS",
    "ArrivalLine",
    "Arrivals",
    "Day",
    "DeskOptions",
    "HotelChoice",
    "NewReservation",
    "OperationResult",
    "StayNotFound",
    "change_stay",
    "create_reservation",
    "desk_options",
    "first_hotel_code",
    "hotel_choices",
    "hotel_today",
    "list_arrivals",
    "post_charge",
    "scoped_hotel",
]

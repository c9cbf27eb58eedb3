"""Act at the front desk: arrivals with each guest's highlights, stay operations for hotels without a
PMS feed (among them naming the primary guest of a stay left without one), each recorded as a source
record through the import engine (lineage holds) — a folio's payments, refunds and voids too —, and a
stay's registration card and folio statement as PDF."""

from guestgraph.frontdesk._arrivals import ArrivalLine, Arrivals, Day, list_arrivals
from guestgraph.frontdesk._charges import OUTLETS, post_charge
from guestgraph.frontdesk._desk_record import OperationResult
from guestgraph.frontdesk._documents import (
    DocumentKind,
    FolioLine,
    FolioPayment,
    FolioStatement,
    RegistrationCard,
    StayDocument,
    StayHeader,
    stay_document,
)
from guestgraph.frontdesk._fonts import DocumentFont, document_font
from guestgraph.frontdesk._hotels import (
    HotelChoice,
    HotelHasPmsFeed,
    first_hotel_code,
    hotel_choices,
    hotel_today,
    operable_hotel,
    set_pms_feed,
)
from guestgraph.frontdesk._options import DeskOptions, desk_options
from guestgraph.frontdesk._payments import PAYMENT_METHODS, post_payment
from guestgraph.frontdesk._primary_guest import (
    REASON_MAX,
    StayGuestChoice,
    name_primary_guest,
    primary_guest_choices,
)
from guestgraph.frontdesk._refunds import (
    FolioPaymentLine,
    PaymentNotFound,
    refund_payment,
    stay_payments,
    void_payment,
)
from guestgraph.frontdesk._reservations import TRANSITIONS, NewReservation, change_stay, create_reservation
from guestgraph.frontdesk._stay_lookup import StayHasPrimaryGuest, StayNotFound, StayWithoutPrimaryGuest
from guestgraph.frontdesk._stay_records import ID_TYPES

__all__ = [
    "ID_TYPES",
    "OUTLETS",
    "PAYMENT_METHODS",
    "REASON_MAX",
    "TRANSITIONS",
    "ArrivalLine",
    "Arrivals",
    "Day",
    "DeskOptions",
    "DocumentFont",
    "DocumentKind",
    "FolioLine",
    "FolioPayment",
    "FolioPaymentLine",
    "FolioStatement",
    "HotelChoice",
    "HotelHasPmsFeed",
    "NewReservation",
    "OperationResult",
    "PaymentNotFound",
    "RegistrationCard",
    "StayDocument",
    "StayGuestChoice",
    "StayHasPrimaryGuest",
    "StayHeader",
    "StayNotFound",
    "StayWithoutPrimaryGuest",
    "change_stay",
    "create_reservation",
    "desk_options",
    "document_font",
    "first_hotel_code",
    "hotel_choices",
    "hotel_today",
    "list_arrivals",
    "name_primary_guest",
    "operable_hotel",
    "post_charge",
    "post_payment",
    "primary_guest_choices",
    "refund_payment",
    "set_pms_feed",
    "stay_document",
    "stay_payments",
    "void_payment",
]

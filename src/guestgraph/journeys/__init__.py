"""Journeys (automations): a trigger (entered a segment, a lifecycle change, a booking, a check-in or
check-out, a birthday) and steps (wait, condition, e-mail, tag, staff task) as data, shipped templates
in Chinese and English, and a worker (`guestgraph worker`) that enrols guests set-based and runs due
steps exactly once per guest per step, with the consent gate, quiet hours and the frequency cap
before every send and every step on the guest's timeline."""

from guestgraph.journeys._counts import GuestLine, JourneyCounts, journey_counts, journey_guests
from guestgraph.journeys._coupons import add_coupon_step, journey_coupons
from guestgraph.journeys._definition import JourneyDefinition, parse_definition
from guestgraph.journeys._errors import JourneyInvalid, JourneyNotFound, JourneyStateConflict
from guestgraph.journeys._journeys import (
    JourneyRow,
    create_from_template,
    create_journey,
    get_journey,
    list_journeys,
    set_status,
    update_journey,
)
from guestgraph.journeys._policy import JourneyPolicy, QuietHours
from guestgraph.journeys._send import SUPPRESS_TAG
from guestgraph.journeys._templates import TEMPLATES, JourneyTemplate
from guestgraph.journeys._worker import PassReport, run, run_pass

__all__ = [
    "SUPPRESS_TAG",
    "TEMPLATES",
    "add_coupon_step",
    "GuestLine",
    "JourneyCounts",
    "JourneyDefinition",
    "JourneyInvalid",
    "JourneyNotFound",
    "JourneyPolicy",
    "JourneyRow",
    "JourneyStateConflict",
    "JourneyTemplate",
    "PassReport",
    "QuietHours",
    "create_from_template",
    "create_journey",
    "get_journey",
    "journey_counts",
    "journey_coupons",
    "journey_guests",
    "list_journeys",
    "parse_definition",
    "run",
    "run_pass",
    "set_status",
    "update_journey",
]

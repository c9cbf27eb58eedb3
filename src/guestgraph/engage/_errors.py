"""Errors of the engage package; each says what, where and how to fix it."""

from __future__ import annotations

from guestgraph.errors import GuestgraphError, InvalidInput, NotFound


class CampaignNotFound(NotFound):
    code = "campaign_not_found"


class TemplateInvalid(InvalidInput):
    """A subject or body template that does not parse or uses a field that does not exist."""

    status = 422
    code = "template_invalid"


class TextTooLong(TemplateInvalid):
    """An SMS longer than one message may be (guestgraph.engage SMS_LIMIT)."""

    code = "text_too_long"


class InvalidToken(InvalidInput):
    """An unsubscribe link whose signature does not match (altered or from another server)."""

    status = 404
    code = "invalid_unsubscribe_link"


class InvalidTrackingLink(NotFound):
    """An open-pixel or click-tracking link whose signature does not match its message and URL."""

    code = "invalid_tracking_link"


class DeliveryError(GuestgraphError):
    """The SMTP server could not be reached or refused the message."""

    status = 502
    code = "delivery_error"

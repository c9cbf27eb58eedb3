"""Guest self-service: a guest's secret link at one hotel (from a message or a QR code in the room)
opens a public page where they file a request (towels, a repair, late check-out…), which becomes a
service ticket, and follow the status of the requests filed through that link, and nothing else."""

from guestgraph.selfservice._links import (
    KINDS,
    GuestRequest,
    IssuedLink,
    LinkExpired,
    LinkInvalid,
    RequestPage,
    TooManyRequests,
    file_request,
    issue_link,
    rate_request,
    rating_form,
    request_page,
)

__all__ = [
    "KINDS",
    "GuestRequest",
    "IssuedLink",
    "LinkExpired",
    "LinkInvalid",
    "RequestPage",
    "TooManyRequests",
    "file_request",
    "issue_link",
    "rate_request",
    "rating_form",
    "request_page",
]

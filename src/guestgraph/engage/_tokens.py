"""Unsubscribe and tracking tokens: the message id (and a click's URL), signed with the server's key
(no login needed, not guessable)."""

from __future__ import annotations

import base64
import hashlib
import hmac
from urllib.parse import urlencode

from guestgraph.engage._errors import InvalidToken, InvalidTrackingLink

_DOMAIN = b"guestgraph-unsubscribe:"


def _mac(key: bytes, payload: str) -> str:
    digest = hmac.new(key, _DOMAIN + payload.encode(), hashlib.sha256).digest()[:18]
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def sign_message(key: bytes, message_id: int) -> str:
    payload = str(message_id)
    return f"{payload}.{_mac(key, payload)}"


def target_of(key: bytes, token: str) -> tuple[str, int]:
    """What a token names: ("campaign", message id) or ("journey", step run id) for a journey's mail;
    InvalidToken when it was altered or signed by another key."""
    payload, _, mac = token.partition(".")
    kind, digits = ("journey", payload[1:]) if payload.startswith("j") else ("campaign", payload)
    if not digits.isdigit() or len(digits) > 19 or not hmac.compare_digest(mac, _mac(key, payload)):
        raise InvalidToken(
            "This unsubscribe link is not valid.",
            hint="Use the link from the e-mail exactly as it was sent, or ask the hotel to unsubscribe you.",
        )
    return kind, int(digits)


def message_of(key: bytes, token: str) -> int:
    """The campaign message id a token names (see target_of)."""
    kind, message_id = target_of(key, token)
    if kind != "campaign":
        raise InvalidToken("This link is not a campaign's.", hint="Use the link from the e-mail as sent.")
    return message_id


def journey_unsubscribe_url(base_url: str, key: bytes, step_run_id: int) -> str:
    """The link in a journey's e-mail: names the step run (its guest and purpose)."""
    payload = f"j{step_run_id}"
    return f"{base_url}/u/{payload}.{_mac(key, payload)}"


def unsubscribe_url(base_url: str, key: bytes, message_id: int) -> str:
    return f"{base_url}/u/{sign_message(key, message_id)}"


# Tracking: the open pixel and click-tracked links of campaign e-mail. A domain of their own, so a
# tracking token is never an unsubscribe token; a click token signs the message id AND the target
# URL, so the redirect goes only to a URL that was in the mail (no open redirect).
_TRACK = b"guestgraph-track:"


def _track_mac(key: bytes, payload: str) -> str:
    digest = hmac.new(key, _TRACK + payload.encode(), hashlib.sha256).digest()[:18]
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def open_url(base_url: str, key: bytes, message_id: int) -> str:
    """The 1x1 pixel's address for one message."""
    return f"{base_url}/o/{message_id}.{_track_mac(key, f'open:{message_id}')}"


def click_url(base_url: str, key: bytes, message_id: int, url: str) -> str:
    """A link of one message, through the redirect that records the click."""
    token = f"{message_id}.{_track_mac(key, f'click:{message_id}:{url}')}"
    return f"{base_url}/c/{token}?{urlencode({'u': url})}"


def _verified(key: bytes, token: str, kind: str, suffix: str = "") -> int:
    """The message id of `token` when its MAC is that of `{kind}:{id}{suffix}`."""
    digits, _, mac = token.partition(".")
    valid = digits.isdigit() and len(digits) <= 19
    if not valid or not hmac.compare_digest(mac, _track_mac(key, f"{kind}:{digits}{suffix}")):
        raise InvalidTrackingLink(
            "This link is not valid.", hint="Use the link from the e-mail exactly as it was sent."
        )
    return int(digits)


def opened_message(key: bytes, token: str) -> int:
    """The message an open-pixel token names; InvalidTrackingLink when it was altered."""
    return _verified(key, token, "open")


def clicked_message(key: bytes, token: str, url: str) -> int:
    """The message a click token names, provided `url` is exactly the http(s) URL it was signed
    with; InvalidTrackingLink otherwise (an altered token or URL redirects nowhere)."""
    if not url.startswith(("https://", "http://")) or len(url) > 2000:
        raise InvalidTrackingLink("This link is not valid.", hint="Use the link from the e-mail as sent.")
    return _verified(key, token, "click", f":{url}")


# VERP: each campaign e-mail goes out with its own envelope sender (Return-Path), bounce+<id>.<mac>@…,
# so a delivery status notification names the message it is about without our reading the bounced
# mail. Lower-case hex only: some mail servers change the case of a local part.
_BOUNCE = b"guestgraph-bounce:"


def _bounce_mac(key: bytes, message_id: int) -> str:
    return hmac.new(key, _BOUNCE + str(message_id).encode(), hashlib.sha256).hexdigest()[:20]


def verp_address(bounce_address: str, key: bytes, message_id: int) -> str:
    """The envelope sender of one message: bounce+<id>.<mac>@domain for bounce@domain."""
    local, _, domain = bounce_address.partition("@")
    return f"{local}+{message_id}.{_bounce_mac(key, message_id)}@{domain}"


def is_bounce_address(bounce_address: str, address: str) -> bool:
    """Whether `address` is a VERP address of `bounce_address` (bounce+…@domain), signed or not."""
    local, _, domain = bounce_address.lower().partition("@")
    a_local, _, a_domain = address.strip().strip("<>").lower().partition("@")
    base, plus, tag = a_local.partition("+")
    return bool(domain) and a_domain == domain and base == local and bool(plus and tag)


def bounced_message(bounce_address: str, key: bytes, address: str) -> int | None:
    """The message a VERP address names; None when it is not one of ours or was altered."""
    if not is_bounce_address(bounce_address, address):
        return None
    tag = address.strip().strip("<>").lower().partition("@")[0].partition("+")[2]
    digits, _, mac = tag.partition(".")
    if not digits.isdigit() or len(digits) > 19:
        return None
    return int(digits) if hmac.compare_digest(mac, _bounce_mac(key, int(digits))) else None

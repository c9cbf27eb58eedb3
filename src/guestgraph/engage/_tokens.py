"""Unsubscribe tokens: the message id, signed with the server's key (no login needed, not guessable)."""

from __future__ import annotations

import base64
import hashlib
import hmac

from guestgraph.engage._errors import InvalidToken

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

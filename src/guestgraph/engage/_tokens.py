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


def message_of(key: bytes, token: str) -> int:
    """The message id a token names; InvalidToken when it was altered or signed by another key."""
    payload, _, mac = token.partition(".")
    if not payload.isdigit() or len(payload) > 19 or not hmac.compare_digest(mac, _mac(key, payload)):
        raise InvalidToken(
            "This unsubscribe link is not valid.",
            hint="Use the link from the e-mail exactly as it was sent, or ask the hotel to unsubscribe you.",
        )
    return int(payload)


def unsubscribe_url(base_url: str, key: bytes, message_id: int) -> str:
    return f"{base_url}/u/{sign_message(key, message_id)}"

"""What an audit event says, and the exact bytes it is stored (and hashed) as."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from guestgraph.errors import InvalidInput

Outcome = Literal["ok", "denied", "failed"]
Category = Literal["security", "sensitive"]

GENESIS = b"\x00" * 32  # the "previous hash" of seq 1
MAX_DETAILS_BYTES = 2048
MAX_USERNAME = 80  # the search column's length
_ACTION = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")
# Processing of sensitive personal information (PIPL 56): kept three years, not six months.
SENSITIVE_PREFIXES = ("guest.", "export.", "dsr.")
# Keys that would carry personal data or secrets; details hold counts, filters and reasons only.
_FORBIDDEN_DETAIL_KEYS = frozenset(
    {"password", "secret", "token", "otp", "totp", "totp_code", "cookie", "session", "api_key"}
    | {"name", "full_name", "phone", "mobile", "email", "id_number", "passport", "birth_date", "address"}
)
TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


@dataclass(frozen=True)
class AuditEvent:
    """One thing that happened, said without personal data values.

    `action` is dotted (`auth.login`, `guest.reveal`, `export.guests`). `category` defaults to
    "sensitive" for guest reads, reveals, exports and data-subject requests (any `guest.`, `export.`,
    `dsr.` action or an event naming a guest) and to "security" otherwise. `details` is a small JSON
    object of counts, filters and reasons; keys that name personal data or secrets are refused.
    """

    action: str
    outcome: Outcome = "ok"
    actor_user_id: int | None = None
    actor_username: str | None = None
    actor_role: str | None = None
    scope: str | None = None
    object_type: str | None = None
    object_id: str | None = None
    guest_public_id: str | None = None
    purpose: str | None = None
    source_ip: str | None = None
    request_id: str | None = None
    details: dict[str, Any] = field(default_factory=dict)
    category: Category | None = None

    def __post_init__(self) -> None:
        if len(self.action) > 64 or not _ACTION.match(self.action):
            raise InvalidInput(
                f"Audit action {self.action!r} is not a dotted lower-case name of at most 64 characters.",
                hint="Use area.verb, for example auth.login, guest.reveal or export.guests.",
            )
        if self.outcome not in ("ok", "denied", "failed"):
            raise InvalidInput(f"Audit outcome {self.outcome!r} is not ok, denied or failed.")
        if self.category not in (None, "security", "sensitive"):
            raise InvalidInput(f"Audit category {self.category!r} is not security or sensitive.")
        if self.category is None:
            sensitive = self.action.startswith(SENSITIVE_PREFIXES) or self.guest_public_id is not None
            object.__setattr__(self, "category", "sensitive" if sensitive else "security")
        if self.actor_username is not None and len(self.actor_username) > MAX_USERNAME:
            # a failed login may carry any text as a username: keep it, shortened, never refuse
            object.__setattr__(self, "actor_username", self.actor_username[: MAX_USERNAME - 1] + "…")
        if self.guest_public_id is not None and not _GUEST_ID.match(self.guest_public_id):
            raise InvalidInput(
                f"Audit guest_public_id {self.guest_public_id!r} is not a guest public id.",
                hint="Pass Guest.public_id (letters, digits, - and _; at most 20).",
            )
        _check_details(self.details)

    def body(self) -> dict[str, Any]:
        """Every field, as stored in the payload (category resolved)."""
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


def _check_details(details: dict[str, Any]) -> None:
    for key in _walk_keys(details):
        if key.lower() in _FORBIDDEN_DETAIL_KEYS:
            raise InvalidInput(
                f"Audit details key {key!r} looks like personal data or a secret.",
                hint="Put identifiers in object_id/guest_public_id and keep values out of the audit log.",
            )
    size = len(json.dumps(details, ensure_ascii=False, default=str).encode("utf-8"))
    if size > MAX_DETAILS_BYTES:
        raise InvalidInput(
            f"Audit details are {size} bytes, more than {MAX_DETAILS_BYTES}.",
            hint="Record counts and filters, not lists of rows.",
        )


def _walk_keys(value: Any) -> list[str]:
    if isinstance(value, dict):
        keys = [str(k) for k in value]
        for v in value.values():
            keys.extend(_walk_keys(v))
        return keys
    if isinstance(value, list | tuple):
        return [k for item in value for k in _walk_keys(item)]
    return []


def format_time(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise InvalidInput("Audit time must be timezone-aware.", hint="Pass datetime.now(UTC).")
    return moment.astimezone(UTC).strftime(TIME_FORMAT)


# The payload starts with seq and time, then the fields the database copies into the search columns.
HEADER_FIELDS = ("action", "outcome", "category", "actor_user_id", "guest_public_id", "actor_username")
_GUEST_ID = re.compile(r"^[A-Za-z0-9_-]{1,20}$")


def encode(seq: int, moment: datetime, event: AuditEvent) -> bytes:
    """The canonical bytes, stored as is and never rebuilt: UTF-8 compact JSON that starts with seq,
    time and the search fields (`HEADER_FIELDS`, in that order), then the other fields with sorted
    keys. `verify` checks the `{"seq":N,` prefix, so each event's bytes are bound to their position."""
    body = _without_nul(event.body())
    head = {"seq": seq, "time": format_time(moment)} | {name: body.pop(name) for name in HEADER_FIELDS}
    try:
        first = json.dumps(head, separators=(",", ":"), ensure_ascii=False)
        rest = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError) as e:
        raise InvalidInput(
            f"Audit details of {event.action} are not plain JSON: {e}",
            hint="Use strings, numbers, booleans, lists and objects only.",
        ) from e
    return (first[:-1] + "," + rest[1:]).encode("utf-8")


def _without_nul(value: Any) -> Any:
    """`value` with every NUL character in its texts (keys too) replaced by U+FFFD: PostgreSQL's jsonb,
    which the search columns are generated through, cannot hold one, and a sent name may carry it."""
    if isinstance(value, str):
        return value.replace("\x00", "\ufffd")
    if isinstance(value, dict):
        return {_without_nul(k): _without_nul(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_without_nul(v) for v in value]
    return value


def seq_prefix(seq: int) -> bytes:
    return b'{"seq":%d,' % seq


def decode(payload: bytes) -> dict[str, Any]:
    value: dict[str, Any] = json.loads(payload)
    return value


def parse_time(text: str) -> datetime:
    return datetime.strptime(text, TIME_FORMAT).replace(tzinfo=UTC)

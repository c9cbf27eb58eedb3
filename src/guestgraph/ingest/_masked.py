"""Problem rows shown masked (MK-01): an import report, its API and its CSV quote the row as received
and the values a rule refused, so the identifying values the row was sent with are masked wherever
they appear in that text, with the same masks as every other page. A steward who must see a full
value opens the record in the quarantine, where it is corrected."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from guestgraph.access import mask_document, mask_email, mask_name, mask_phone


def _whole(value: str) -> str:
    return "*" * len(value)


MASKS: dict[str, Callable[[str], str | None]] = {
    "full_name": mask_name,
    "family_name": mask_name,
    "given_name": mask_name,
    "middle_name": mask_name,
    "alt_name": mask_name,
    "birth_date": _whole,
    "phone": mask_phone,
    "phone_alt": mask_phone,
    "email": mask_email,
    "id_number": mask_document,
    "loyalty_number": mask_document,
    "address_line": _whole,
    "postal_code": _whole,
}
SHORTEST = 2  # a one-character value (a surname alone) would mask every such character in the row


def row_masker(sent: dict[str, Any]) -> Callable[[str], str]:
    """A function masking, in any text, the identifying values of every person of a row as sent."""
    found: dict[str, str] = {}
    for person in sent.get("persons") or []:
        for name, mask in MASKS.items():
            value = str(person.get(name) or "").strip()
            if len(value) >= SHORTEST:
                found[value] = mask(value) or _whole(value)
    longest_first = sorted(found.items(), key=lambda pair: -len(pair[0]))

    def masked(text: str) -> str:
        for value, shown in longest_first:
            text = text.replace(value, shown)
        return text

    return masked

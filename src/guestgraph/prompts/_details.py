"""The reason's detail of a service prompt ("peanuts", an allergy's or a complaint's text, "2" children):
sealed under the guest's data key, so `service_prompt` holds no allergy, do-not-rent or complaint text
in the clear (CR-01) and erasing the guest shreds it. `seal_details` is the one writer, `prompt_details`
the one reader; the place (AAD) is the prompt's natural key, stay and rule."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy.orm import Session

from guestgraph import pii
from guestgraph.db.models import Guest

TABLE, COLUMN = "service_prompt", "reason_detail"  # the detail's place (stored in `reason_detail_enc`)


def seal_details(
    session: Session, details: Sequence[tuple[int, int, int, str | None]]
) -> list[tuple[str | None, str | None]]:
    """(key_ref, ciphertext) for each (stay id, rule id, guest id, detail), in order, under the guests'
    keys (a guest without one gets one); (None, None) without a detail."""
    keys = pii.key_refs_of(session, Guest, {guest for _s, _r, guest, text in details if text})
    vault = pii.vault_of(session)
    pii.preload(vault, keys.values())
    out: list[tuple[str | None, str | None]] = []
    for stay, rule, guest, text in details:
        if not text:
            out.append((None, None))
            continue
        key = keys[guest]
        out.append((key, pii.seal_value(vault, key, TABLE, COLUMN, pii.prompt_row(stay, rule), text)))
    return out


def prompt_details(session: Session, prompts: Iterable[Any]) -> list[str | None]:
    """The details of prompts (ORM objects or rows with `stay_id`, `rule_id`, `key_ref` and
    `reason_detail_enc`), in order; None without one, or when the guest was erased (a backup's copy)."""
    rows = list(prompts)
    vault = pii.vault_of(session)
    pii.preload(vault, (p.key_ref for p in rows))
    return [
        pii.open_value(
            vault, p.key_ref, TABLE, COLUMN, pii.prompt_row(p.stay_id, p.rule_id), p.reason_detail_enc
        )
        for p in rows
    ]

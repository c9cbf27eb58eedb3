"""Who wrote: the counterpart's canonical form, its blind index, and the guest it identifies.

A contact identifies a guest only when exactly one active guest holds it (on the golden record or on
any of the guest's source mentions); a household phone or a corporate booker's address shared by
several guests is "ambiguous" and left for the agent to link, never guessed."""

from __future__ import annotations

from sqlalchemy import select, union
from sqlalchemy.orm import Session

from guestgraph import cleanse, pii
from guestgraph.crypto import IndexKind, Vault
from guestgraph.db.models import Channel, Guest, GuestMention, GuestStatus
from guestgraph.inbox._errors import InvalidMessage

KIND: dict[str, IndexKind] = {
    Channel.EMAIL: "email",
    Channel.SMS: "phone",
    Channel.PHONE: "phone",
    Channel.WECHAT: "handle",
}
MAX_CONTACT = 254


def canonical(channel: str, value: str) -> str:
    """The contact as stored and compared: an e-mail lower-cased, a phone in E.164, an account as sent."""
    text = (value or "").strip()
    if not text or len(text) > MAX_CONTACT:
        raise InvalidMessage(
            f"The sender of the {channel} message is missing or longer than {MAX_CONTACT} characters.",
            hint="Send the sender's address, phone number or account in `from`.",
        )
    if channel == Channel.EMAIL:
        if "@" not in text:
            raise InvalidMessage(f"The sender {text!r} is not an e-mail address.", hint="Use name@domain.")
        return text.lower()
    if KIND[channel] == "phone":
        try:
            return cleanse.parse_phone(text).e164
        except cleanse.CleanseError as e:
            raise InvalidMessage(
                f"The sender {text!r} of the {channel} message is not a phone number: {e}",
                hint="Send the number in international form, e.g. +8613800138000.",
            ) from e
    return text


def contact_index(vault: Vault, channel: str, contact: str) -> str:
    return vault.blind_index(KIND[channel], contact)


def match_guest(session: Session, vault: Vault, channel: str, contact: str) -> tuple[int | None, str, int]:
    """(guest id, how: matched | ambiguous | unknown, how many guests hold the contact)."""
    kind = KIND[channel]
    if kind == "handle":  # no guest record carries a WeChat account: the agent links the first time
        return None, "unknown", 0
    idx = pii.index(vault, kind, contact)
    if idx is None:
        return None, "unknown", 0
    golden, mention = (
        (Guest.email_bidx, GuestMention.email_bidx)
        if kind == "email"
        else (Guest.phone_bidx, GuestMention.phone_bidx)
    )
    holders = union(
        select(Guest.id.label("gid")).where(golden == idx),
        select(GuestMention.guest_id.label("gid")).where(mention == idx, GuestMention.guest_id.is_not(None)),
    ).subquery()
    rows = session.execute(
        select(Guest.id, Guest.status, Guest.merged_into_id).where(Guest.id.in_(select(holders.c.gid)))
    ).all()
    guests = {
        (merged_into if status is GuestStatus.MERGED and merged_into is not None else gid)
        for gid, status, merged_into in rows
        if status is not GuestStatus.ERASED
    }
    if len(guests) == 1:
        return guests.pop(), "matched", 1
    return None, ("ambiguous" if guests else "unknown"), len(guests)

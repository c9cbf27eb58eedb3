"""What became of a campaign message after it left: delivered, bounced or failed.

E-mail: a message is `delivered` as soon as the SMTP server we hand it to accepts it — that is all we
know without a receipt. It becomes `bounced` when a delivery status notification (RFC 3464,
multipart/report; report-type=delivery-status) with `Action: failed` comes back to its VERP envelope
sender (bounce+<id>.<mac>@…, served by `guestgraph inbox smtp`). A permanent failure (status 5.x.x, a
hard bounce) also records the blind index of the address that bounced: while the guest's e-mail
address is still that one, later campaigns and journeys skip it ("address bounced"). Mail to the
bounce address that is not a DSN (an auto-reply, a provider's own bounce format) is accepted and
ignored; so is a DSN that only says `delayed`.

SMS and WeChat: the gateway POSTs a signed receipt `{"reference", "status": "delivered"|"failed",
"error"?}` naming the reference we sent the message with (campaign-<c>.message-<m>).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from email import policy as email_policy
from email.message import Message
from email.parser import BytesParser

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from guestgraph import pii
from guestgraph.db.models import Campaign, CampaignMessage, Delivery, MessageStatus
from guestgraph.engage._policy import EngagePolicy
from guestgraph.engage._tokens import bounced_message
from guestgraph.errors import InvalidInput

_STATUS = re.compile(r"^[245]\.\d{1,3}\.\d{1,3}$")
_REFERENCE = re.compile(r"^campaign-(\d{1,19})\.message-(\d{1,19})$")
_GONE = (MessageStatus.SENDING, MessageStatus.SENT)  # a receipt may beat the sender's own commit


@dataclass(frozen=True)
class Receipt:
    message_id: int
    delivery: str  # delivered, bounced or failed
    detail: str | None = None  # the DSN status (5.1.1) or the gateway's error code
    hard: bool = False  # a permanent failure: the address is skipped from now on


def _recipient_fields(mail: Message) -> list[Message]:
    """The per-recipient field blocks of the report's message/delivery-status part."""
    for part in mail.walk():
        if part.get_content_type() == "message/delivery-status":
            blocks = part.get_payload()
            if isinstance(blocks, list):
                return [b for b in blocks[1:] if isinstance(b, Message)]  # [0] is the per-message block
    return []


def read_dsn(raw: bytes) -> tuple[str, str | None, str | None] | None:
    """(action, status, final recipient) of the first recipient a DSN reports on, or None when the
    mail is not a delivery status notification."""
    mail = BytesParser(policy=email_policy.compat32).parsebytes(raw)
    if mail.get_content_type() != "multipart/report":
        return None
    if str(mail.get_param("report-type") or "").lower() != "delivery-status":
        return None
    for block in _recipient_fields(mail):
        action = str(block.get("Action") or "").strip().lower()
        if not action:
            continue
        status = str(block.get("Status") or "").strip().split(" ")[0]
        final = str(block.get("Final-Recipient") or block.get("Original-Recipient") or "")
        address = final.partition(";")[2].strip() or None
        return action, status if _STATUS.match(status) else None, address
    return None


def record_bounce(
    session: Session, raw: bytes, *, recipients: list[str], policy: EngagePolicy, now: datetime
) -> Receipt | None:
    """A mail to the bounce address: when it is a DSN about one of our messages (named by the VERP
    recipient), note what it says; None when there is nothing to note (not ours, not a DSN, delayed)."""
    if not policy.bounce_address:
        return None
    ids = [bounced_message(policy.bounce_address, policy.signing_key, r) for r in recipients]
    message_id = next((i for i in ids if i is not None), None)
    report = read_dsn(raw) if message_id is not None else None
    if message_id is None or report is None:
        return None
    action, status, address = report
    if action == "delivered":
        values: dict[str, object] = {"delivery": Delivery.DELIVERED, "delivery_detail": status}
        receipt = Receipt(message_id, Delivery.DELIVERED.value, status)
    elif action == "failed":
        hard = status is None or status.startswith("5")  # failed without a status: permanent (RFC 3464)
        bidx = pii.index(pii.vault_of(session), "email", address) if hard and address else None
        values = {"delivery": Delivery.BOUNCED, "delivery_detail": status, "bounced_bidx": bidx}
        receipt = Receipt(message_id, Delivery.BOUNCED.value, status, hard)
    else:  # delayed, relayed, expanded: not an outcome
        return None
    done = session.execute(
        update(CampaignMessage)
        .where(CampaignMessage.id == message_id, CampaignMessage.status.in_(_GONE))
        .values(**values, delivery_at=now)
        .execution_options(synchronize_session=False)
    )
    return receipt if done.rowcount else None  # type: ignore[attr-defined]


def record_receipt(
    session: Session, channel: str, *, reference: str, status: str, error: str | None, now: datetime
) -> Receipt | None:
    """A gateway's delivery receipt for an SMS or WeChat campaign message (see the module); None when
    the reference names no campaign message of that channel (e.g. a journey's, or an inbox reply)."""
    if status not in ("delivered", "failed"):
        raise InvalidInput(
            f"A receipt's status is delivered or failed, not {status!r}.",
            hint='Send {"reference": "campaign-1.message-2", "status": "delivered"}.',
        )
    found = _REFERENCE.match(reference.strip())
    if found is None:
        return None
    campaign_id, message_id = int(found[1]), int(found[2])
    delivery = Delivery.DELIVERED if status == "delivered" else Delivery.FAILED
    detail = ((error or "").strip()[:40] or None) if delivery is Delivery.FAILED else None
    done = session.execute(
        update(CampaignMessage)
        .where(
            CampaignMessage.id == message_id,
            CampaignMessage.campaign_id == campaign_id,
            CampaignMessage.status.in_(_GONE),
            CampaignMessage.campaign_id.in_(select(Campaign.id).where(Campaign.channel == channel)),
        )
        .values(delivery=delivery, delivery_at=now, delivery_detail=detail)
        .execution_options(synchronize_session=False)
    )
    return Receipt(message_id, delivery.value, detail) if done.rowcount else None  # type: ignore[attr-defined]

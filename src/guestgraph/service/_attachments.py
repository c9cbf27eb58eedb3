"""Files on a ticket: a photo of the damage, a receipt, a guest's written complaint. At most 5 MB
each, of a type found from the bytes themselves (JPEG, PNG, WebP, GIF, PDF, plain text), sealed under
the attachment's own data key; deleting the ticket (erasure, retention) shreds that key first."""

from __future__ import annotations

import base64
import hashlib
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from guestgraph import audit, pii
from guestgraph.access import DataScope
from guestgraph.crypto import Vault
from guestgraph.db.models import Guest, TicketAttachment
from guestgraph.service._errors import InvalidServiceInput, TicketNotFound
from guestgraph.service._sealed import NewEvent, record_events
from guestgraph.service._views import ticket_row

MAX_BYTES = 5 * 1024 * 1024
TABLE, COLUMN = "ticket_attachment", "content_enc"
MAX_PER_TICKET = 20
SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"%PDF-", "application/pdf"),
)


@dataclass(frozen=True)
class AttachmentLine:
    id: int
    filename: str
    content_type: str
    size: int
    uploaded_by: str | None
    uploaded_at: datetime


def sniff(content: bytes) -> str | None:
    """The file's type from its first bytes, or None when it is none we take."""
    for magic, kind in SIGNATURES:
        if content.startswith(magic):
            return kind
    if content[:4] == b"RIFF" and content[8:12] == b"WEBP":
        return "image/webp"
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        return None
    printable = all(ch.isprintable() or ch in "\r\n\t" for ch in text[:4096])
    return "text/plain" if printable else None


def safe_name(filename: str) -> str:
    """The file's own name, without folders or control characters, at most 120 characters."""
    base = re.split(r"[\\/]", filename or "")[-1]
    cleaned = "".join(ch for ch in unicodedata.normalize("NFC", base) if unicodedata.category(ch)[0] != "C")
    return cleaned.strip(" .")[:120] or "attachment"


def _seal(vault: Vault, key_ref: str, attachment_id: int, content: bytes) -> str | None:
    encoded = base64.b64encode(content).decode()
    return pii.seal_value(vault, key_ref, TABLE, COLUMN, pii.attachment_row(attachment_id), encoded)


def add_attachment(
    session: Session,
    *,
    scope: DataScope,
    ticket_id: int,
    filename: str,
    content: bytes,
    actor_id: int | None,
    now: datetime,
) -> AttachmentLine:
    """Keep the file on the ticket (a `attachment` event names it)."""
    ticket = ticket_row(session, scope, ticket_id)
    if not content or len(content) > MAX_BYTES:
        raise InvalidServiceInput(
            f"The file {safe_name(filename)!r} has {len(content):,} bytes; a ticket takes 1 byte to 5 MB.",
            hint="Send a smaller photo or a PDF.",
        )
    kind = sniff(content)
    if kind is None:
        raise InvalidServiceInput(
            f"The file {safe_name(filename)!r} is not a JPEG, PNG, WebP, GIF, PDF or plain-text file.",
            hint="Save it as one of those types and upload it again.",
        )
    full = session.scalar(
        select(TicketAttachment.id)
        .where(TicketAttachment.ticket_id == ticket.id)
        .offset(MAX_PER_TICKET - 1)
        .limit(1)
    )
    if full is not None:
        raise InvalidServiceInput(
            f"Ticket {ticket.id} already has {MAX_PER_TICKET} files.",
            hint="Open a follow-up ticket for more files.",
        )
    vault = pii.vault_of(session)
    row = TicketAttachment(
        ticket_id=ticket.id, filename=safe_name(filename), content_type=kind, size=len(content),
        sha256=hashlib.sha256(content).hexdigest(), key_ref=vault.new_guest_key(), uploaded_by_id=actor_id,
        uploaded_at=now,
    )  # fmt: skip
    session.add(row)
    session.flush()
    assert row.key_ref is not None
    row.content_enc = _seal(vault, row.key_ref, row.id, content)
    record_events(session, [NewEvent(ticket.id, now, "attachment", row.filename, actor_id=actor_id)])
    ticket.updated_at = now
    session.flush()
    return AttachmentLine(row.id, row.filename, row.content_type, row.size, None, now)


def list_attachments(session: Session, *, scope: DataScope, ticket_id: int) -> list[AttachmentLine]:
    from guestgraph.db.models import StaffUser

    ticket_row(session, scope, ticket_id)
    rows = session.execute(
        select(TicketAttachment, StaffUser.display_name)
        .join(StaffUser, StaffUser.id == TicketAttachment.uploaded_by_id, isouter=True)
        .where(TicketAttachment.ticket_id == ticket_id)
        .order_by(TicketAttachment.id)
    ).all()
    return [AttachmentLine(a.id, a.filename, a.content_type, a.size, who, a.uploaded_at) for a, who in rows]


def read_attachment(
    session: Session, *, scope: DataScope, ticket_id: int, attachment_id: int
) -> tuple[AttachmentLine, bytes]:
    """The file's bytes (checked against the hash taken on upload); reading a guest's ticket file is
    a `ticket.attachment` audit event."""
    ticket = ticket_row(session, scope, ticket_id)
    row = session.scalar(
        select(TicketAttachment).where(
            TicketAttachment.id == attachment_id, TicketAttachment.ticket_id == ticket.id
        )
    )
    if row is None or row.content_enc is None or row.key_ref is None:
        raise TicketNotFound(
            f"No file {attachment_id} on ticket {ticket_id}.", hint="Open the ticket to see its files."
        )
    opened = pii.open_value(
        pii.vault_of(session), row.key_ref, TABLE, COLUMN, pii.attachment_row(row.id), row.content_enc
    )
    if opened is None:  # its key was shredded (the ticket is being erased)
        raise TicketNotFound(f"No file {attachment_id} on ticket {ticket_id}.", hint="It was erased.")
    content = base64.b64decode(opened)
    if hashlib.sha256(content).hexdigest() != row.sha256:
        raise InvalidServiceInput(
            f"File {attachment_id} does not match its hash.", hint="Restore it from a backup."
        )
    if ticket.guest_id is not None:
        public_id = session.scalar(select(Guest.public_id).where(Guest.id == ticket.guest_id))
        audit.log_event(
            session, "ticket.attachment", guest_public_id=public_id, object_type="ticket_attachment",
            object_id=str(row.id),
        )  # fmt: skip
    return AttachmentLine(row.id, row.filename, row.content_type, row.size, None, row.uploaded_at), content

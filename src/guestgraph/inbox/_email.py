"""Inbound e-mail: parse an RFC 5322 message into an `Inbound`, and an SMTP server (aiosmtpd) that
takes mail for the inbox address and its hotel plus-addresses (service+sha01@…). A recipient that
is not ours is refused at RCPT (550), a message that cannot be taken at DATA (550 with the reason),
a failure on our side is a temporary 451 so the sending server retries: nothing is lost silently.
Mail to a campaign's VERP bounce address (bounce+<token>@…, when configured) is a bounce report: it
marks the campaign message bounced (guestgraph.engage.record_bounce) and never enters the inbox."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
from collections.abc import Callable
from datetime import UTC, datetime
from email import policy as email_policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import parseaddr
from html.parser import HTMLParser
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from guestgraph.db import session_scope
from guestgraph.engage import record_bounce
from guestgraph.errors import GuestgraphError
from guestgraph.inbox._errors import InvalidMessage
from guestgraph.inbox._policy import InboxPolicy
from guestgraph.inbox._receive import MAX_BODY, Inbound, Received, receive

log = logging.getLogger(__name__)
MSGID = re.compile(r"<[^<>\s]{1,250}>")
MAX_MAIL_BYTES = 10 * 1024 * 1024


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag in ("br", "p", "div", "li", "tr"):
            self.parts.append("\n")


def _html_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return re.sub(r"\n{3,}", "\n\n", "".join(parser.parts)).strip()


def _body(mail: EmailMessage) -> str:
    part = mail.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    try:
        content = part.get_content()
    except (LookupError, ValueError):  # an unknown charset: keep what decodes
        payload = part.get_payload(decode=True)
        content = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else str(payload)
    text = _html_text(content) if part.get_content_type() == "text/html" else str(content)
    if len(text) > MAX_BODY:
        text = text[: MAX_BODY - 40] + "\n[… the rest of the message was cut]"
    return text.strip()


def parse_email(raw: bytes, *, recipients: list[str], policy: InboxPolicy, received_at: datetime) -> Inbound:
    """The message as the inbox takes it; `recipients` are the envelope's (else the To header's)."""
    mail = BytesParser(policy=email_policy.default).parsebytes(raw)
    assert isinstance(mail, EmailMessage)
    sender = parseaddr(str(mail.get("Reply-To") or mail.get("From") or ""))[1]
    if "@" not in sender:
        raise InvalidMessage("The e-mail has no sender address (From).", hint="Send it from a mailbox.")
    to = recipients or [parseaddr(a)[1] for a in str(mail.get("To") or "").split(",")]
    hotel = policy.hotel_for(to)
    if hotel is None:
        raise InvalidMessage(
            f"The e-mail is not addressed to the inbox ({policy.address}).",
            hint="Write to the hotel's address, e.g. " + policy.hotel_address("SHA01") + ".",
        )
    found = MSGID.findall(str(mail.get("Message-ID") or ""))
    external_id = found[0] if found else "sha256:" + hashlib.sha256(raw).hexdigest()
    references = tuple(MSGID.findall(f"{mail.get('References') or ''} {mail.get('In-Reply-To') or ''}"))
    subject = " ".join(str(mail.get("Subject") or "").split())[:200] or None
    return Inbound(
        channel="email", hotel_code=hotel, sender=sender, body=_body(mail), external_id=external_id,
        at=received_at, subject=subject, references=references,
    )  # fmt: skip


def receive_email(
    session: Session, raw: bytes, *, recipients: list[str], policy: InboxPolicy, now: datetime
) -> Received:
    message = parse_email(raw, recipients=recipients, policy=policy, received_at=now)
    return receive(session, message, default_hours=policy.default_hours)


class InboundHandler:
    """aiosmtpd handler: RCPT checks the address is one of ours, DATA stores the message."""

    def __init__(
        self,
        factory: sessionmaker[Session],
        policy: InboxPolicy,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.factory, self.policy, self.clock = factory, policy, clock

    async def handle_RCPT(  # noqa: N802 - aiosmtpd's hook name
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        if self.policy.is_bounce(address):  # a bounce (DSN) of a campaign message
            envelope.rcpt_tos.append(address)
            return "250 OK"
        if self.policy.hotel_for([address]) is None:
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        raw = envelope.original_content or envelope.content
        if len(raw) > MAX_MAIL_BYTES:
            return "552 5.3.4 Message too big for the inbox"
        bounces = [r for r in envelope.rcpt_tos if self.policy.is_bounce(r)]
        if bounces:
            try:
                await asyncio.to_thread(self._bounce, bytes(raw), bounces)
            except Exception:  # the sending server keeps the report and retries
                log.exception("a bounce could not be recorded")
                return "451 4.3.0 Temporary failure; try again later"
            return "250 OK bounce noted"
        try:
            received = await asyncio.to_thread(self._store, bytes(raw), list(envelope.rcpt_tos))
        except InvalidMessage as e:
            return f"550 5.6.0 {e.message}"[:500]
        except GuestgraphError as e:
            log.warning("inbound mail refused for now: %s", e)  # masked by the log formatter
            return "451 4.3.0 Temporary failure; try again later"
        except Exception:  # the sending server keeps the message and retries
            log.exception("inbound mail could not be stored")
            return "451 4.3.0 Temporary failure; try again later"
        return f"250 OK conversation {received.conversation_id}"

    def _bounce(self, raw: bytes, recipients: list[str]) -> None:
        assert self.policy.bounces is not None
        with session_scope(self.factory) as session:
            record_bounce(session, raw, recipients=recipients, policy=self.policy.bounces, now=self.clock())

    def _store(self, raw: bytes, recipients: list[str]) -> Received:
        with session_scope(self.factory) as session:
            return receive_email(session, raw, recipients=recipients, policy=self.policy, now=self.clock())


def inbound_server(
    factory: sessionmaker[Session], policy: InboxPolicy, *, host: str, port: int, **kwargs: Any
) -> Any:
    """An aiosmtpd Controller (call .start() / .stop()) serving the inbox address."""
    from aiosmtpd.controller import Controller

    return Controller(
        InboundHandler(factory, policy, **kwargs), hostname=host, port=port, data_size_limit=MAX_MAIL_BYTES
    )

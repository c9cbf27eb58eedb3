"""E-mail over real SMTP: one connection reused across messages, STARTTLS and AUTH when configured."""

from __future__ import annotations

import base64
import secrets
import smtplib
import ssl
from datetime import timedelta
from email.header import Header
from email.message import EmailMessage
from email.utils import formataddr, formatdate, parseaddr
from functools import partial
from types import TracebackType

from guestgraph.access import ResetMail
from guestgraph.config import Settings
from guestgraph.engage._errors import DeliveryError
from guestgraph.engage._policy import EngagePolicy, SmtpConfig
from guestgraph.engage._render import Rendered


def build_mail(
    rendered: Rendered, *, sender: str, to: str, unsubscribe: str, message_id: str
) -> EmailMessage:
    """A multipart mail (text and HTML) with one-click unsubscribe headers (RFC 2369, RFC 8058)."""
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = to
    mail["Subject"] = rendered.subject
    mail["Date"] = formatdate(localtime=False)
    mail["Message-ID"] = message_id
    mail["List-Unsubscribe"] = f"<{unsubscribe}>"
    mail["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    label = "退订" if rendered.lang == "zh" else "Unsubscribe"
    mail.set_content(f"{rendered.text.rstrip()}\n\n--\n{label}: {unsubscribe}\n")
    mail.add_alternative(rendered.html, subtype="html")
    return mail


def _b64(content: str) -> str:
    return base64.encodebytes(content.encode("utf-8")).decode("ascii").replace("\n", "\r\n")


def _header(value: str) -> str:
    """A header value as sent: ASCII as is, anything else as RFC 2047 encoded words (folded)."""
    return value if value.isascii() else Header(value, "utf-8").encode(linesep="\r\n")


def _address(value: str) -> str:
    name, address = parseaddr(value)
    return formataddr((name, address), charset="utf-8") if name else address


def mail_bytes(rendered: Rendered, *, sender: str, to: str, unsubscribe: str, message_id: str) -> bytes:
    """The same mail as `build_mail` (multipart/alternative, text and HTML in UTF-8 base64, the
    one-click unsubscribe headers), written straight to the bytes sent: the campaign sender's hot
    path, where the email package's header objects cost more than everything else per message."""
    if any(c in f"{to}{unsubscribe}{message_id}" for c in "\r\n\0"):  # never a header of our making
        raise ValueError("A line break in an address or link of the mail.")
    label = "退订" if rendered.lang == "zh" else "Unsubscribe"
    boundary = "=_gg_" + secrets.token_hex(12)
    plain = f"{rendered.text.rstrip()}\n\n--\n{label}: {unsubscribe}\n"
    part = 'Content-Type: text/{}; charset="utf-8"\r\nContent-Transfer-Encoding: base64\r\n\r\n{}'
    lines = [
        f"From: {_address(sender)}",
        f"To: {to}",
        f"Subject: {_header(rendered.subject)}",
        f"Date: {formatdate(localtime=False)}",
        f"Message-ID: {message_id}",
        f"List-Unsubscribe: <{unsubscribe}>",
        "List-Unsubscribe-Post: List-Unsubscribe=One-Click",
        "MIME-Version: 1.0",
        f'Content-Type: multipart/alternative; boundary="{boundary}"',
        "",
        f"--{boundary}",
        part.format("plain", _b64(plain)),
        f"--{boundary}",
        part.format("html", _b64(rendered.html)),
        f"--{boundary}--",
        "",
    ]
    return "\r\n".join(lines).encode("ascii")


class SmtpTransport:
    """Use as a context manager; connects on the first send and reconnects once if dropped."""

    def __init__(self, config: SmtpConfig) -> None:
        self.config = config
        self._smtp: smtplib.SMTP | None = None

    def __enter__(self) -> SmtpTransport:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def _connect(self) -> smtplib.SMTP:
        c = self.config
        try:
            smtp = smtplib.SMTP(c.host, c.port, timeout=c.timeout)
            if c.starttls:
                smtp.starttls(context=ssl.create_default_context())
            if c.user:
                smtp.login(c.user, c.password or "")
        except (OSError, smtplib.SMTPException) as e:
            raise DeliveryError(
                f"Cannot reach the SMTP server {c.host}:{c.port}: {e}",
                hint="Check GUESTGRAPH_SMTP_HOST, _PORT, _STARTTLS, _USER and _PASSWORD.",
            ) from e
        return smtp

    def send(self, mail: EmailMessage) -> None:
        """Raises smtplib.SMTPRecipientsRefused / SMTPDataError for a refused message,
        DeliveryError when the server cannot be reached."""
        if self._smtp is None:
            self._smtp = self._connect()
        try:
            self._smtp.send_message(mail)
        except smtplib.SMTPServerDisconnected:
            self._smtp = self._connect()
            self._smtp.send_message(mail)

    def send_raw(self, envelope_from: str, to: str, raw: bytes) -> None:
        """Send prepared bytes with this envelope sender (Return-Path); errors as `send`."""
        options = [] if envelope_from.isascii() and to.isascii() else ["SMTPUTF8"]
        if self._smtp is None:
            self._smtp = self._connect()
        try:
            self._smtp.sendmail(envelope_from, [to], raw, options)
        except smtplib.SMTPServerDisconnected:
            self._smtp = self._connect()
            self._smtp.sendmail(envelope_from, [to], raw, options)

    def close(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (OSError, smtplib.SMTPException):
                self._smtp.close()
            self._smtp = None


def send_one(config: SmtpConfig, mail: EmailMessage) -> None:
    """Send one message on its own connection (a transactional mail sent while a page waits): an
    unreachable server or a refused message raises DeliveryError, so the caller can roll back."""
    try:
        with SmtpTransport(config) as smtp:
            smtp.send(mail)
    except (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError, smtplib.SMTPSenderRefused) as e:
        raise DeliveryError(
            f"The mail server refused the message to {mail['To']}: {e}",
            hint="Check the address, and GUESTGRAPH_SMTP_FROM.",
        ) from e


def staff_link_mail(settings: Settings) -> ResetMail:
    """How staff password links travel (access.send_password_reset): this product's SMTP transport,
    links to the public address, valid for `password_reset_hours`."""
    smtp = EngagePolicy.from_settings(settings).smtp
    return ResetMail(
        send=partial(send_one, smtp),
        sender=smtp.sender,
        base_url=settings.public_base_url,
        valid=timedelta(hours=settings.password_reset_hours),
    )

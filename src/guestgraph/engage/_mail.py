"""E-mail over real SMTP: one connection reused across messages, STARTTLS and AUTH when configured."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate
from types import TracebackType

from guestgraph.engage._errors import DeliveryError
from guestgraph.engage._policy import SmtpConfig
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

    def close(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (OSError, smtplib.SMTPException):
                self._smtp.close()
            self._smtp = None

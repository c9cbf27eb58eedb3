"""Password links go to the staff member, never to the admin (AU-01): an admin reset, and the welcome
link of a new account, are e-mailed to the address on the account. The admin learns only that a link
was sent and when it expires; an account without an address cannot be reset until one is added."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from sqlalchemy.orm import Session

from guestgraph.access._errors import Forbidden
from guestgraph.access._users import get_user, issue_password_reset
from guestgraph.db.models import StaffUser
from guestgraph.errors import InvalidInput

NO_ADDRESS_HINT = "Add one under “Change an e-mail address” (a second admin approves it), then reset again."


@dataclass(frozen=True)
class ResetMail:
    """How reset links travel: `send` delivers one message (the product's SMTP transport) and raises
    a GuestgraphError when it cannot; links start with `base_url` and work for `valid`."""

    send: Callable[[EmailMessage], None]
    sender: str
    base_url: str
    valid: timedelta


@dataclass(frozen=True)
class ResetSent:
    """What the admin is told: whose link left and until when it works (never the link)."""

    username: str
    expires_at: datetime


def send_password_reset(
    db: Session, username: str, *, by: str, now: datetime, mail: ResetMail, welcome: bool = False
) -> ResetSent:
    """Issue a one-time, expiring link for the user and e-mail it to them; the caller's transaction
    holds the token, so a message that cannot be sent leaves nothing behind when it rolls back."""
    user = get_user(db, username)
    address = (user.email or "").strip()
    if not address:
        raise InvalidInput(
            "The account has no e-mail address, so no reset link can be sent to it.",
            hint=NO_ADDRESS_HINT,
        )
    if not user.is_active:
        raise Forbidden(
            f"The account {user.username} is disabled.", hint="Re-enable it first (a second admin approves)."
        )
    token = issue_password_reset(db, user.username, by=by, now=now, valid=mail.valid)
    expires_at = now + mail.valid
    link = f"{mail.base_url.rstrip('/')}/reset/{token}"
    english = (user.locale or "").lower().startswith("en")
    mail.send(_message(user, address, link, expires_at, sender=mail.sender, english=english, welcome=welcome))
    return ResetSent(user.username, expires_at)


def _message(
    user: StaffUser, to: str, link: str, expires_at: datetime, *, sender: str, english: bool, welcome: bool
) -> EmailMessage:
    until = expires_at.strftime("%Y-%m-%d %H:%M UTC")
    if english:
        subject = "guestgraph: your staff account" if welcome else "guestgraph: choose a new password"
        opening = (
            f"A guestgraph staff account {user.username} was created for you."
            if welcome
            else f"An administrator started a password reset for your account {user.username}."
        )
        lines = [
            f"Hello {user.display_name},",
            opening,
            f"Open this link to choose your password yourself. It works once, until {until}:",
            link,
            "Signing in still asks for the code of your authenticator app"
            + (" (you set it up at your first sign-in)." if welcome else "."),
            "If you did not expect this message, do not open the link and tell your IT administrator.",
        ]
    else:
        subject = "guestgraph：您的员工账号已开通" if welcome else "guestgraph：请设置新密码"
        opening = (
            f"已为您开通 guestgraph 员工账号 {user.username}。"
            if welcome
            else f"管理员为您的账号 {user.username} 发起了密码重置。"
        )
        lines = [
            f"{user.display_name}，您好：",
            opening,
            f"请打开以下链接自行设置密码。链接仅可使用一次，{until} 前有效：",
            link,
            "登录时仍需输入验证器应用中的动态验证码" + ("（首次登录时设置）。" if welcome else "。"),
            "如果您没有预期收到此邮件，请勿打开链接，并告知 IT 管理员。",
        ]
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, to, subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain="guestgraph")
    message.set_content("\n\n".join(lines) + "\n")
    return message

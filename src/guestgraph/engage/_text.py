"""Text messages (SMS, WeChat): text only, in the guest's language, handed to the channel's gateway.

No SMS or WeChat message leaves except through the gateway configured for its channel; without one
the message is skipped (`no gateway configured`), never sent some other way. WeChat is addressed by
the guest's mobile number: guests carry no WeChat openid, and template-message gateways commonly key
on the mobile the WeChat account is bound to. An SMS ends with the opt-out line (回复TD退订 / Reply TD
to unsubscribe); its text is limited to SMS_LIMIT characters, checked when it is written and again
once filled in."""

from __future__ import annotations

import socket
import urllib.error

from guestgraph.engage._errors import DeliveryError, TemplateInvalid, TextTooLong
from guestgraph.engage._gate import GATEWAY_NO_ANSWER, GATEWAY_REFUSED
from guestgraph.engage._render import GuestFields, Lang, check_template, render
from guestgraph.gateway import Gateway, GatewayError
from guestgraph.privacy import Channel

SMS_LIMIT = 300  # characters of the text before the opt-out line
OPT_OUT: dict[Lang, str] = {"zh": "回复TD退订", "en": "Reply TD to unsubscribe"}
TEXT_CHANNELS = frozenset({Channel.SMS, Channel.WECHAT})


def check_text(source: str, where: str, channel: Channel) -> None:
    """Refuse a text template that does not parse, or (SMS) is longer than SMS_LIMIT characters."""
    if not source.strip():
        raise TemplateInvalid(f"The {where} is empty.", hint="Write the message in both languages.")
    check_template(source, where)
    if channel is Channel.SMS and len(source) > SMS_LIMIT:
        raise TextTooLong(
            f"The {where} has {len(source)} characters; an SMS takes at most {SMS_LIMIT}.",
            hint="Shorten the text (the opt-out line 回复TD退订 / Reply TD to unsubscribe is added for you).",
        )


def render_text(body: str, fields: GuestFields, lang: Lang, channel: Channel) -> str:
    """The message as the guest gets it; TemplateInvalid when it cannot be filled in, TextTooLong
    when an SMS comes out longer than SMS_LIMIT."""
    text = render("", body, fields, lang).text.strip()
    if channel is Channel.SMS:
        if len(text) > SMS_LIMIT:
            raise TextTooLong(
                f"The SMS has {len(text)} characters once filled in; at most {SMS_LIMIT} are sent.",
                hint="Shorten the text.",
            )
        text = f"{text}\n{OPT_OUT[lang]}"
    return text


def hand_over(
    gateway: Gateway, *, to: str, text: str, reference: str, template: str | None = None
) -> str | None:
    """Give the message to the gateway: None when it took it, the reason to record when it refused
    it or gave no answer (the message may have left: never retried). Raises DeliveryError when the
    gateway cannot be reached at all (the message did not leave: it may be sent later)."""
    try:
        gateway.send(to=to, text=text, reference=reference, template=template)
    except GatewayError as e:
        cause = e.__cause__
        if isinstance(cause, urllib.error.HTTPError):
            return GATEWAY_REFUSED
        unreachable = cause is None or (
            isinstance(cause, urllib.error.URLError)
            and isinstance(cause.reason, ConnectionRefusedError | socket.gaierror)
        )
        if unreachable:
            raise DeliveryError(e.message, hint=e.hint) from e
        return GATEWAY_NO_ANSWER
    return None

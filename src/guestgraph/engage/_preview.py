"""Preview a campaign with a real guest, and send that preview to a staff address as a test."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from guestgraph.access import DataScope, guest_visible
from guestgraph.cleanse import parse_phone
from guestgraph.db.models import Guest
from guestgraph.engage._campaigns import load_campaign
from guestgraph.engage._coupons import sample_coupon
from guestgraph.engage._errors import DeliveryError
from guestgraph.engage._mail import SmtpTransport, build_mail
from guestgraph.engage._policy import EngagePolicy
from guestgraph.engage._render import Lang, Rendered, guest_fields, language_of, render
from guestgraph.engage._text import TEXT_CHANNELS, hand_over, render_text
from guestgraph.errors import GuestNotFound, InvalidInput
from guestgraph.privacy import Channel


def preview(
    session: Session,
    campaign_id: int,
    *,
    scope: DataScope,
    guest_public_id: str,
    policy: EngagePolicy,
    lang: Lang | None = None,
) -> Rendered:
    """The campaign as this guest would get it (in their language unless `lang` is given)."""
    campaign = load_campaign(session, campaign_id, scope=scope)
    guest = session.scalar(
        select(Guest).where(Guest.public_id == guest_public_id.strip(), guest_visible(scope))
    )
    if guest is None:
        raise GuestNotFound(
            f"No guest {guest_public_id!r} in your scope.", hint="Copy a guest ID from the Guests page."
        )
    lang = lang or language_of(guest)
    link = f"{policy.public_base_url}/u/preview"
    fields = guest_fields(session, guest, lang=lang, hotel_id=campaign.hotel_id, unsubscribe_url=link)
    fields = sample_coupon(session, campaign.id, fields)
    channel = Channel(campaign.channel)
    if channel in TEXT_CHANNELS:
        body = campaign.body_zh if lang == "zh" else campaign.body_en
        return Rendered(lang, "", render_text(body, fields, lang, channel), "")
    subject, body = (
        (campaign.subject_zh, campaign.body_zh) if lang == "zh" else (campaign.subject_en, campaign.body_en)
    )
    return render(subject, body, fields, lang)


def send_test(
    session: Session,
    campaign_id: int,
    *,
    scope: DataScope,
    guest_public_id: str,
    to: str,
    policy: EngagePolicy,
    lang: Lang | None = None,
) -> Rendered:
    """Send the preview to a staff address (never to the guest), subject marked [TEST]; for an SMS
    or WeChat campaign, to a staff mobile number through the channel's gateway."""
    campaign = load_campaign(session, campaign_id, scope=scope)
    if campaign.channel in TEXT_CHANNELS:
        return _send_test_text(
            session, campaign_id, Channel(campaign.channel), scope=scope, guest_public_id=guest_public_id,
            to=to, policy=policy, lang=lang,
        )  # fmt: skip
    address = to.strip()
    if "@" not in address or any(c.isspace() for c in address) or len(address) > 254:
        raise InvalidInput(f"{to!r} is not an e-mail address.", hint="Enter your own work address.")
    shown = preview(
        session, campaign_id, scope=scope, guest_public_id=guest_public_id, policy=policy, lang=lang
    )
    test = Rendered(shown.lang, f"[TEST] {shown.subject}", shown.text, shown.html)
    mail = build_mail(
        test,
        sender=policy.smtp.sender,
        to=address,
        unsubscribe=f"{policy.public_base_url}/u/preview",
        message_id=f"<campaign-{campaign_id}.test@guestgraph>",
    )
    with SmtpTransport(policy.smtp) as smtp:
        smtp.send(mail)
    return test


def _send_test_text(
    session: Session,
    campaign_id: int,
    channel: Channel,
    *,
    scope: DataScope,
    guest_public_id: str,
    to: str,
    policy: EngagePolicy,
    lang: Lang | None,
) -> Rendered:
    number = parse_phone(to).e164  # CleanseError (400) names what is wrong with it
    gateway = policy.gateways.get(channel.value)
    if gateway is None:
        raise InvalidInput(
            f"No {channel.value} gateway is configured, so nothing can be sent over {channel.value}.",
            hint="Set GUESTGRAPH_GATEWAY_SECRET and GUESTGRAPH_SMS_GATEWAY_URL / _WECHAT_GATEWAY_URL.",
        )
    shown = preview(
        session, campaign_id, scope=scope, guest_public_id=guest_public_id, policy=policy, lang=lang
    )
    test = Rendered(shown.lang, "", f"[TEST] {shown.text}", "")
    refused = hand_over(gateway, to=number, text=test.text, reference=f"campaign-{campaign_id}.test")
    if refused:
        raise DeliveryError(
            f"The {channel.value} gateway did not take the test: {refused}.", hint="See the gateway's log."
        )
    return test

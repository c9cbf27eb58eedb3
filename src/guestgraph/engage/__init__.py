"""Engage: one-off campaigns that ask consent before every send, by e-mail over real SMTP (with a
signed one-click unsubscribe link that writes a consent withdrawal, an open pixel and click-tracked
links) or by SMS / WeChat through the channel's HTTP gateway (none configured: nothing is sent)."""

from guestgraph.engage._audience import audience, queue_campaign
from guestgraph.engage._campaigns import (
    ATTRIBUTION_DAYS,
    CampaignInput,
    CampaignResults,
    CampaignRow,
    campaign_results,
    create_campaign,
    get_campaign,
    list_campaigns,
)
from guestgraph.engage._errors import (
    CampaignNotFound,
    DeliveryError,
    InvalidToken,
    InvalidTrackingLink,
    TemplateInvalid,
    TextTooLong,
)
from guestgraph.engage._gate import NO_GATEWAY, REASONS, reason_to_skip
from guestgraph.engage._mail import SmtpTransport, send_one, staff_link_mail
from guestgraph.engage._policy import EngagePolicy, SmtpConfig, gateways_of
from guestgraph.engage._preview import preview, send_test
from guestgraph.engage._receipts import Receipt, read_dsn, record_bounce, record_receipt
from guestgraph.engage._render import (
    FIELDS,
    GuestFields,
    Lang,
    Rendered,
    check_template,
    guest_fields,
    language_of,
    render,
)
from guestgraph.engage._schedule import (
    campaign_zone,
    local_time,
    release_due,
    schedule_campaign,
    unschedule_campaign,
)
from guestgraph.engage._sender import SendReport, claim, recover_interrupted, send_queued
from guestgraph.engage._text import OPT_OUT, SMS_LIMIT, TEXT_CHANNELS, check_text, hand_over, render_text
from guestgraph.engage._tokens import (
    bounced_message,
    click_url,
    is_bounce_address,
    open_url,
    sign_message,
    unsubscribe_url,
    verp_address,
)
from guestgraph.engage._track import PIXEL, record_click, record_open
from guestgraph.engage._unsubscribe import Unsubscription, opt_out_by_reply, unsubscribe, unsubscription

__all__ = [
    "ATTRIBUTION_DAYS",
    "campaign_zone",
    "local_time",
    "release_due",
    "schedule_campaign",
    "unschedule_campaign",
    "FIELDS",
    "NO_GATEWAY",
    "OPT_OUT",
    "PIXEL",
    "Receipt",
    "bounced_message",
    "is_bounce_address",
    "read_dsn",
    "record_bounce",
    "record_receipt",
    "verp_address",
    "REASONS",
    "SMS_LIMIT",
    "TEXT_CHANNELS",
    "CampaignInput",
    "CampaignNotFound",
    "CampaignResults",
    "CampaignRow",
    "DeliveryError",
    "EngagePolicy",
    "GuestFields",
    "InvalidToken",
    "InvalidTrackingLink",
    "Lang",
    "Rendered",
    "SendReport",
    "SmtpConfig",
    "SmtpTransport",
    "send_one",
    "staff_link_mail",
    "TemplateInvalid",
    "TextTooLong",
    "Unsubscription",
    "audience",
    "campaign_results",
    "check_template",
    "check_text",
    "claim",
    "click_url",
    "create_campaign",
    "get_campaign",
    "gateways_of",
    "guest_fields",
    "hand_over",
    "language_of",
    "list_campaigns",
    "open_url",
    "opt_out_by_reply",
    "preview",
    "queue_campaign",
    "reason_to_skip",
    "record_click",
    "record_open",
    "recover_interrupted",
    "render",
    "render_text",
    "send_queued",
    "send_test",
    "sign_message",
    "unsubscribe",
    "unsubscribe_url",
    "unsubscription",
]

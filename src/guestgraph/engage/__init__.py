"""Engage: one-off e-mail campaigns that ask consent before every send, over real SMTP, with a
signed one-click unsubscribe link that writes a consent withdrawal."""

from guestgraph.engage._audience import audience, queue_campaign
from guestgraph.engage._campaigns import (
    CampaignInput,
    CampaignResults,
    CampaignRow,
    campaign_results,
    create_campaign,
    get_campaign,
    list_campaigns,
)
from guestgraph.engage._errors import CampaignNotFound, DeliveryError, InvalidToken, TemplateInvalid
from guestgraph.engage._gate import REASONS, reason_to_skip
from guestgraph.engage._mail import SmtpTransport
from guestgraph.engage._policy import EngagePolicy, SmtpConfig
from guestgraph.engage._preview import preview, send_test
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
from guestgraph.engage._sender import SendReport, claim, recover_interrupted, send_queued
from guestgraph.engage._tokens import sign_message, unsubscribe_url
from guestgraph.engage._unsubscribe import Unsubscription, unsubscribe, unsubscription

__all__ = [
    "FIELDS",
    "REASONS",
    "CampaignInput",
    "CampaignNotFound",
    "CampaignResults",
    "CampaignRow",
    "DeliveryError",
    "EngagePolicy",
    "GuestFields",
    "InvalidToken",
    "Lang",
    "Rendered",
    "SendReport",
    "SmtpConfig",
    "SmtpTransport",
    "TemplateInvalid",
    "Unsubscription",
    "audience",
    "campaign_results",
    "check_template",
    "claim",
    "create_campaign",
    "get_campaign",
    "guest_fields",
    "language_of",
    "list_campaigns",
    "preview",
    "queue_campaign",
    "reason_to_skip",
    "recover_interrupted",
    "render",
    "send_queued",
    "send_test",
    "sign_message",
    "unsubscribe",
    "unsubscribe_url",
    "unsubscription",
]

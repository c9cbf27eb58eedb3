"""The unified inbox: messages from e-mail (an inbound SMTP address), SMS and WeChat gateways (signed
HTTP webhooks) and logged phone calls land in one list per hotel, matched to the guest by their
contact's blind index, threaded per conversation, sealed under the conversation's own key. An agent
replies through the same channel, fills a reply template, turns a conversation into a ticket in one
action, or links it to the right guest; a complaint opens a ticket by itself."""

from guestgraph.gateway import HEADER, Gateway, GatewayError, SignatureRejected, sign, verify
from guestgraph.inbox._act import Sent, link_guest, log_call, reply, set_status, to_ticket
from guestgraph.inbox._contact import match_guest
from guestgraph.inbox._demo import seed_demo_conversations
from guestgraph.inbox._email import InboundHandler, inbound_server, parse_email, receive_email
from guestgraph.inbox._errors import CannotReply, ConversationNotFound, InvalidMessage
from guestgraph.inbox._policy import InboxPolicy
from guestgraph.inbox._receive import CHANNELS, Inbound, Received, receive
from guestgraph.inbox._templates import ReplyTemplate, fill_template, reply_templates
from guestgraph.inbox._views import (
    STATUSES,
    ConversationLine,
    ConversationView,
    MessageLine,
    get_conversation,
    list_conversations,
)

__all__ = [
    "CHANNELS",
    "HEADER",
    "STATUSES",
    "CannotReply",
    "ConversationLine",
    "ConversationNotFound",
    "ConversationView",
    "Gateway",
    "GatewayError",
    "Inbound",
    "InboundHandler",
    "InboxPolicy",
    "InvalidMessage",
    "MessageLine",
    "Received",
    "ReplyTemplate",
    "Sent",
    "SignatureRejected",
    "fill_template",
    "get_conversation",
    "inbound_server",
    "link_guest",
    "list_conversations",
    "log_call",
    "match_guest",
    "parse_email",
    "receive",
    "receive_email",
    "reply",
    "reply_templates",
    "seed_demo_conversations",
    "set_status",
    "sign",
    "to_ticket",
    "verify",
]

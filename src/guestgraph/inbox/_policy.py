"""The inbox's settings, read once from `Settings` and passed in."""

from __future__ import annotations

from dataclasses import dataclass

from guestgraph.config import Settings
from guestgraph.engage import EngagePolicy, SmtpConfig, is_bounce_address
from guestgraph.gateway import Gateway


@dataclass(frozen=True)
class InboxPolicy:
    smtp: SmtpConfig
    address: str  # the inbound address; a hotel's is its plus-address: service+sha01@…
    default_hotel: str | None  # where mail to the bare address goes
    gateway_secret: str | None
    gateways: dict[str, Gateway]
    default_hours: str
    # campaign bounces: DSNs to its VERP bounce address mark campaign messages bounced (engage)
    bounces: EngagePolicy | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> InboxPolicy:
        secret = settings.gateway_secret.get_secret_value() if settings.gateway_secret else None
        urls = {"sms": settings.sms_gateway_url, "wechat": settings.wechat_gateway_url}
        gateways = {ch: Gateway(ch, url, secret) for ch, url in urls.items() if url and secret}
        engage = EngagePolicy.from_settings(settings)
        return cls(
            smtp=engage.smtp,
            address=settings.inbox_address,
            default_hotel=settings.inbox_default_hotel,
            gateway_secret=secret,
            gateways=gateways,
            default_hours=settings.service_hours_default,
            bounces=engage if engage.bounce_address else None,
        )

    def is_bounce(self, address: str) -> bool:
        """A campaign's VERP bounce address (bounce+<token>@…), when bounces are configured."""
        bounce = self.bounces.bounce_address if self.bounces else None
        return bool(bounce) and is_bounce_address(bounce or "", address)

    def hotel_address(self, hotel_code: str) -> str:
        local, _, domain = self.address.partition("@")
        return f"{local}+{hotel_code.lower()}@{domain}"

    def hotel_for(self, recipients: list[str]) -> str | None:
        """The hotel a mail is for: the plus-tag of the first recipient at our address, else the default."""
        local, _, domain = self.address.lower().partition("@")
        for rcpt in recipients:
            r_local, _, r_domain = rcpt.strip().strip("<>").lower().partition("@")
            base, plus, tag = r_local.partition("+")
            if r_domain == domain and base == local:
                if plus and tag:
                    return tag.upper()
                return self.default_hotel
        return None

"""What the engage package needs from the settings, as one value passed in."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta

from guestgraph.config import Settings, ensure_secret_key
from guestgraph.gateway import Gateway


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    user: str | None
    password: str | None
    starttls: bool
    sender: str
    timeout: float


@dataclass(frozen=True)
class EngagePolicy:
    smtp: SmtpConfig
    frequency_cap: int  # most marketing messages per guest within `frequency_window`
    frequency_window: timedelta
    public_base_url: str  # for unsubscribe links
    signing_key: bytes  # signs unsubscribe and tracking tokens
    # SMS / WeChat gateways by channel; a channel without one sends nothing (skipped: no gateway)
    gateways: Mapping[str, Gateway] = field(default_factory=dict)
    tracking: bool = True  # campaign e-mail carries an open pixel and click-tracked links
    # envelope sender of campaign e-mail, VERP-tagged per message (bounce+<token>@…), served by
    # `guestgraph inbox smtp` so DSNs mark messages bounced; None: the From address, no bounce tracking
    bounce_address: str | None = None
    timezone: str = "Asia/Shanghai"  # of a schedule typed for a campaign to all hotels

    @classmethod
    def from_settings(cls, settings: Settings) -> EngagePolicy:
        password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
        smtp = SmtpConfig(
            settings.smtp_host,
            settings.smtp_port,
            settings.smtp_user,
            password,
            settings.smtp_starttls,
            settings.smtp_from,
            settings.smtp_timeout_seconds,
        )
        return cls(
            smtp=smtp,
            frequency_cap=settings.campaign_frequency_cap,
            frequency_window=timedelta(days=settings.campaign_frequency_days),
            public_base_url=settings.public_base_url.rstrip("/"),
            signing_key=ensure_secret_key(settings).get_secret_value().encode(),
            gateways=gateways_of(settings),
            bounce_address=settings.campaign_bounce_address,
            timezone=settings.journey_timezone,
        )


def gateways_of(settings: Settings) -> dict[str, Gateway]:
    """The configured outbound gateways: a channel needs its URL and the shared secret."""
    secret = settings.gateway_secret.get_secret_value() if settings.gateway_secret else None
    urls = {"sms": settings.sms_gateway_url, "wechat": settings.wechat_gateway_url}
    return {channel: Gateway(channel, url, secret) for channel, url in urls.items() if url and secret}

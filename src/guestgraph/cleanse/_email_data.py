"""Steward-maintained domain and local-part lists for e-mail classification.

Edit these sets (and add a test case) when a new OTA relay or placeholder habit turns up in the
files. Every entry is lower case. Domains match exactly or as a parent: an entry ``guest.booking.com``
also covers ``x.guest.booking.com``.
"""

from __future__ import annotations

OTA_RELAY_DOMAINS = frozenset(
    {
        "guest.booking.com",  # Booking.com masks guest addresses: jsmith.123456@guest.booking.com
        "m.expediapartnercentral.com",  # Expedia Partner Central guest relay
        "expediapartnercentral.com",
        "expedia.com",  # Expedia reply-to relays; a guest's own address is never @expedia.com here
        "guest.airbnb.com",  # Airbnb relay
        "agoda-messaging.com",  # Agoda relay
        "ctrip-relay.example",  # Ctrip relay as written by our test fixtures and demo data
        "trip.com",  # Trip.com and Ctrip relay / reply-to addresses
        "ctrip.com",
        "hotels.com",
        "fliggy.com",  # Alibaba's Fliggy
        "meituan.com",
        "qunar.com",
        "ly.com",  # Tongcheng
        "elong.com",
    }
)
"""OTA-owned domains: an address under one of these reaches the OTA's relay, not the guest."""

OTA_RELAY_LABEL_WORDS = frozenset({"relay"})
"""A domain label (other than the top-level one) containing one of these words is a relay:
``ctrip-relay.example``, ``relay.trip.com``, ``guest-relay.agoda.com``."""

PLACEHOLDER_LOCAL_PARTS = frozenset(
    {
        "noemail", "no-email", "no_email", "no.email", "nomail", "no-mail", "no_mail", "none", "no",
        "null", "nil", "na", "n.a", "n-a", "n/a", "test", "testing", "xxx", "xx", "x", "abc", "abcd", "asdf",
        "qwerty", "123", "1234", "12345", "123456", "000", "0000", "111", "guest", "unknown", "noreply",
        "no-reply", "donotreply", "do-not-reply", "email", "mail", "nobody", "dummy", "fake", "wu", "meiyou",
        "空", "无", "没有",
    }
)  # fmt: skip
"""Local parts typed when a form demands an e-mail the guest did not give (``noemail@hotel.com``)."""

PLACEHOLDER_DOMAINS = frozenset(
    {
        "no.com", "none.com", "noemail.com", "nomail.com", "test.com", "example.com", "example.org",
        "example.net", "xxx.com", "xx.com", "abc.com", "123.com", "hotel", "hotel.com", "localhost",
        "invalid", "test", "example", "a.com", "b.com", "x.com", "email", "mail",
    }
)  # fmt: skip
"""Domains that only ever appear on made-up addresses (``guest@hotel``, ``no@no.com``)."""

FREE_MAIL_DOMAINS = frozenset(
    {
        "qq.com", "vip.qq.com", "foxmail.com", "163.com", "vip.163.com", "126.com", "vip.126.com",
        "yeah.net", "188.com", "sina.com", "sina.cn", "vip.sina.com", "sohu.com", "139.com", "189.cn",
        "wo.cn", "aliyun.com", "tom.com", "21cn.com", "gmail.com", "googlemail.com", "outlook.com",
        "msn.com", "icloud.com", "me.com", "mac.com", "aol.com", "proton.me", "protonmail.com",
        "mail.ru", "naver.com", "daum.net", "hanmail.net", "netvigator.com", "ymail.com", "rocketmail.com",
        "zoho.com", "web.de", "t-online.de", "orange.fr", "free.fr", "laposte.net", "libero.it",
        "seznam.cz", "qq.cn",
    }
)  # fmt: skip
"""Free-mail providers: an address there is the guest's personal address."""

FREE_MAIL_BRANDS = frozenset({"yahoo", "hotmail", "live", "outlook", "gmx", "yandex", "gmail"})
"""Providers with a domain per country (``yahoo.co.jp``, ``hotmail.co.uk``): matched on the first label."""

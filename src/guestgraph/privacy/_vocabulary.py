"""The consent ledger's words: purposes, channels, lawful bases, and which purposes need a
separate consent of their own (PIPL 14, 23, 29, 39; GDPR 7)."""

from __future__ import annotations

import enum
from typing import Literal

from guestgraph.privacy._errors import ConsentNotAllowed


class Purpose(enum.StrEnum):
    MARKETING = "marketing"  # direct marketing, per channel
    PROFILING = "profiling"  # segments, scores, personalisation (PIPL 24)
    SENSITIVE_PI = "sensitive_pi"  # processing of sensitive personal information beyond check-in (PIPL 29)
    CROSS_BORDER = "cross_border"  # transfer outside mainland China (PIPL 39)
    THIRD_PARTY = "third_party_sharing"  # giving data to another processor (PIPL 23)


class Channel(enum.StrEnum):
    EMAIL = "email"
    SMS = "sms"
    WECHAT = "wechat"
    POST = "post"
    NONE = "none"  # a purpose that is not about a channel


class LawfulBasis(enum.StrEnum):
    CONSENT = "consent"
    CONTRACT = "contract"
    LEGAL_OBLIGATION = "legal_obligation"
    LEGITIMATE_INTERESTS = "legitimate_interests"  # GDPR only; PIPL has no such basis


# One ledger entry per purpose x channel: marketing is asked per channel, the others once.
TOPICS: dict[Purpose, tuple[Channel, ...]] = {
    Purpose.MARKETING: (Channel.EMAIL, Channel.SMS, Channel.WECHAT, Channel.POST),
    Purpose.PROFILING: (Channel.NONE,),
    Purpose.SENSITIVE_PI: (Channel.NONE,),
    Purpose.CROSS_BORDER: (Channel.NONE,),
    Purpose.THIRD_PARTY: (Channel.NONE,),
}
# What may stand behind a "granted" entry; every purpose but profiling needs the guest's own consent.
ALLOWED_BASES: dict[Purpose, frozenset[LawfulBasis]] = {
    Purpose.MARKETING: frozenset({LawfulBasis.CONSENT}),
    Purpose.PROFILING: frozenset({LawfulBasis.CONSENT, LawfulBasis.LEGITIMATE_INTERESTS}),
    Purpose.SENSITIVE_PI: frozenset({LawfulBasis.CONSENT}),
    Purpose.CROSS_BORDER: frozenset({LawfulBasis.CONSENT}),
    Purpose.THIRD_PARTY: frozenset({LawfulBasis.CONSENT}),
}
# Front-desk staff (stay.operate) may record these grants, given on the registration card at check-in;
# anyone who can see the guest may record a withdrawal (it must take effect the moment it is heard).
FRONT_DESK_GRANTS = frozenset({Purpose.MARKETING})

Answer = Literal["granted", "denied", "unknown"]


def check_topic(purpose: Purpose, channel: Channel) -> None:
    """Refuse a channel that does not belong to the purpose (no bundling across purposes)."""
    if channel not in TOPICS[purpose]:
        allowed = ", ".join(c.value for c in TOPICS[purpose])
        raise ConsentNotAllowed(
            f"Consent for {purpose.value} is not recorded per channel {channel.value!r}.",
            hint=f"Use channel {allowed}; each purpose and channel is its own entry.",
        )


def check_basis(purpose: Purpose, basis: LawfulBasis) -> None:
    if basis not in ALLOWED_BASES[purpose]:
        allowed = ", ".join(sorted(b.value for b in ALLOWED_BASES[purpose]))
        raise ConsentNotAllowed(
            f"{purpose.value} cannot rest on {basis.value}.",
            hint=f"Record it with lawful basis {allowed} (separate consent, PIPL 14/23/29/39).",
        )

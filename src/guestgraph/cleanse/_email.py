"""E-mail addresses: normalised, and classified so relays and placeholders never link guests."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from email_validator import SPECIAL_USE_DOMAIN_NAMES, EmailNotValidError, validate_email

from guestgraph.cleanse._email_data import (
    FREE_MAIL_BRANDS,
    FREE_MAIL_DOMAINS,
    OTA_RELAY_DOMAINS,
    OTA_RELAY_LABEL_WORDS,
    PLACEHOLDER_DOMAINS,
    PLACEHOLDER_LOCAL_PARTS,
)
from guestgraph.cleanse._errors import CleanseError
from guestgraph.cleanse._text import prepare, require, show

EmailKind = Literal["personal", "business", "ota_relay", "placeholder"]

_WHAT = "e-mail address"
_HINT = "Write it as name@example.com, or leave the field empty when the guest gave none."
_LOOSE = re.compile(r"([^@\s]+)@([^@\s]+)")
_REPEATED = re.compile(r"([^\d])\1{2,}")


@dataclass(frozen=True, slots=True)
class Email:
    """A standardised e-mail address (lower case, NFKC) with its domain and kind."""

    address: str
    domain: str
    kind: EmailKind
    non_identifying: bool


def parse_email(raw: str) -> Email:
    """``raw`` as an :class:`Email`; placeholders are returned (marked), malformed addresses raise."""
    text = require(prepare(raw, what=_WHAT, hint=_HINT), what=_WHAT, hint=_HINT).lower()
    result = _parse(text)
    if isinstance(result, str):
        raise CleanseError(f"The e-mail address {show(text)} is not valid: {result}", hint=_HINT, what=_WHAT)
    return result


_SIMPLE = re.compile(
    r"[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,24}"
)


@lru_cache(maxsize=16384)
def _parse(text: str) -> Email | str:
    loose = _LOOSE.fullmatch(text)
    if loose and _is_placeholder(loose[1], loose[2]) and classify_domain(loose[2]) != "ota_relay":
        return Email(text, loose[2], "placeholder", True)
    if len(text) <= 254 and text.find("@") <= 64 and _SIMPLE.fullmatch(text):
        # Plain ASCII addresses (nearly all of them) need none of email_validator's IDNA and quoting
        # work; the pattern is strict enough that anything it accepts, email_validator accepts too.
        domain = text.rsplit("@", 1)[1]
        if "--" not in domain and not _special_use(domain):
            kind = classify_domain(domain)
            return Email(text, domain, kind, kind in ("ota_relay", "placeholder"))
    try:
        valid = validate_email(text, check_deliverability=False)
    except EmailNotValidError as e:
        return str(e)
    address = valid.normalized.lower()
    domain = valid.domain.lower()
    kind = classify_domain(domain)
    return Email(address, domain, kind, kind in ("ota_relay", "placeholder"))


def _special_use(domain: str) -> bool:
    return any(domain == d or domain.endswith("." + d) for d in SPECIAL_USE_DOMAIN_NAMES)


def _is_placeholder(local: str, domain: str) -> bool:
    if domain in PLACEHOLDER_DOMAINS or local in PLACEHOLDER_LOCAL_PARTS:
        return True
    # xxx@..., ----@...; repeated digits are left alone (88888@qq.com is a real QQ number).
    return _REPEATED.fullmatch(local) is not None


def _under(domain: str, parents: frozenset[str]) -> bool:
    labels = domain.split(".")
    return any(".".join(labels[i:]) in parents for i in range(len(labels) - 1))


def classify_domain(domain: str) -> EmailKind:
    """The kind of address a (lower-case) domain gives: OTA relay, free-mail personal, or business."""
    if _under(domain, OTA_RELAY_DOMAINS):
        return "ota_relay"
    labels = domain.split(".")
    if any(word in label for label in labels[:-1] for word in OTA_RELAY_LABEL_WORDS):
        return "ota_relay"
    if domain in PLACEHOLDER_DOMAINS:
        return "placeholder"
    if domain in FREE_MAIL_DOMAINS or (labels[0] in FREE_MAIL_BRANDS and len(labels) <= 3):
        return "personal"
    return "business"

"""Masking of personal data for display (GB/T 35273 de-identification on screen).

Full values are shown only where a permission and a stated reason allow it (protect issue); by
default every list and profile shows the masked form.
"""

from __future__ import annotations


def mask_phone(value: str | None) -> str | None:
    """+8613812345678 -> +86138****5678; keeps the first 3 and last 4 digits of the national number."""
    if not value:
        return value
    digits = value.lstrip("+")
    if len(digits) <= 7:
        return "*" * len(value)
    head = len(value) - len(digits)
    keep_front = min(head + (len(digits) - 8 if len(digits) > 11 else 3), len(value) - 8)
    return value[:keep_front] + "*" * (len(value) - keep_front - 4) + value[-4:]


def mask_email(value: str | None) -> str | None:
    """wang.ming@example.com -> w********@example.com"""
    if not value or "@" not in value:
        return value
    local, _, domain = value.partition("@")
    return local[:1] + "*" * max(len(local) - 1, 1) + "@" + domain


def mask_document(value: str | None) -> str | None:
    """310101199001011234 -> 3101**********1234"""
    if not value:
        return value
    if len(value) <= 8:
        return "*" * (len(value) - 2) + value[-2:]
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def mask_name(value: str | None) -> str | None:
    """王小明 -> 王*明, 王明 -> 王*, Zhang Wei -> Zhang W**"""
    if not value:
        return value
    if value.isascii():
        cut = min((i for i in (value.find(" "), value.find("/"), value.find(",")) if i > 0), default=-1)
        if cut < 0:
            return value[:1] + "*" * (len(value) - 1)  # one word: it could be the whole name
        head, sep, tail = value[:cut], value[cut], value[cut + 1 :].lstrip()
        return head + sep + (tail[:1] + "*" * (len(tail) - 1) if tail else "")
    if len(value) == 2:
        return value[0] + "*"
    return value[0] + "*" * (len(value) - 2) + value[-1]

"""Masking of personal data for display (GB/T 35273 de-identification on screen).

Full values are shown only where a permission and a stated reason allow it; by default every list,
profile, export and message shows the masked form. Every mask hides at least one character of any
non-empty value (a short value is masked whole), so no mask returns its input unchanged.
"""

from __future__ import annotations

CN_ID_LENGTH = 18


def mask_phone(value: str | None) -> str | None:
    """+8613812345678 -> +86138****5678; at most the first 3 and last 4 digits of the national number;
    a number of 7 digits or fewer is masked whole."""
    if not value:
        return value
    digits = value.lstrip("+")
    if len(digits) <= 7:
        return "*" * len(value)
    head = len(value) - len(digits)
    # with "+", the country code (up to 3 digits) and 3 more; without it, 3 digits
    front = min(len(digits) - 8, 6) if head and len(digits) > 11 else 3
    keep_front = min(head + front, len(value) - 8)
    return value[:keep_front] + "*" * (len(value) - keep_front - 4) + value[-4:]


def mask_email(value: str | None) -> str | None:
    """wang.ming@example.com -> w********@example.com; a local part of 1–2 characters is masked whole."""
    if not value or "@" not in value:
        return "*" * len(value) if value else value
    local, _, domain = value.partition("@")
    shown = local[:1] if len(local) > 2 else ""
    return shown + "*" * max(len(local) - len(shown), 1) + "@" + domain


def mask_document(value: str | None) -> str | None:
    """310101199001011234 -> 3101**********1234 (the birth date, digits 7–14, never shown);
    passport E12345678 -> E1****678; 5–8 characters keep the last 2; 4 or fewer are masked whole."""
    if not value:
        return value
    n = len(value)
    if n == CN_ID_LENGTH:
        return value[:4] + "*" * 10 + value[-4:]
    if n >= 9:
        return value[:2] + "*" * (n - 5) + value[-3:]
    if n >= 5:
        return "*" * (n - 2) + value[-2:]
    return "*" * n


def mask_name(value: str | None) -> str | None:
    """王小明 -> 王*明, 王明 -> 王*, 王 -> *, Zhang Wei -> Zhang W**, Zhangwei -> Z*******"""
    if not value:
        return value
    if len(value) == 1:
        return "*"
    if value.isascii():
        cut = min((i for i in (value.find(" "), value.find("/"), value.find(",")) if i > 0), default=-1)
        if cut < 0:
            return value[:1] + "*" * (len(value) - 1)  # one word: it could be the whole name
        head, sep, tail = value[:cut], value[cut], value[cut + 1 :].lstrip()
        if not tail.strip():
            return head[:1] + "*" * (len(value) - 1)
        return head + sep + tail[:1] + "*" * max(len(tail) - 1, 1)
    if len(value) == 2:
        return value[0] + "*"
    return value[0] + "*" * (len(value) - 2) + value[-1]

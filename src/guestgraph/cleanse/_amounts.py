"""Money: amounts as Decimal, currencies as ISO 4217 codes."""

from __future__ import annotations

import re
from decimal import Decimal
from functools import lru_cache

from babel.numbers import list_currencies

from guestgraph.cleanse._errors import CleanseError
from guestgraph.cleanse._text import prepare, require, show

CURRENCY_ALIASES: dict[str, str] = {
    "rmb": "CNY", "人民币": "CNY", "人民幣": "CNY", "元": "CNY", "¥": "CNY", "cn¥": "CNY", "rmb¥": "CNY",
    "块": "CNY", "hk$": "HKD", "港币": "HKD", "港元": "HKD", "港幣": "HKD", "us$": "USD", "$": "USD",
    "usd$": "USD", "美元": "USD", "美金": "USD", "€": "EUR", "欧元": "EUR", "歐元": "EUR", "£": "GBP",
    "英镑": "GBP", "jp¥": "JPY", "円": "JPY", "日元": "JPY", "日圆": "JPY", "₩": "KRW", "韩元": "KRW",
    "nt$": "TWD", "新台币": "TWD", "台币": "TWD", "mop$": "MOP", "澳门币": "MOP", "澳门元": "MOP",
    "s$": "SGD", "新加坡元": "SGD", "新币": "SGD", "a$": "AUD", "澳元": "AUD", "c$": "CAD", "加元": "CAD",
    "฿": "THB", "泰铢": "THB", "₫": "VND", "rm": "MYR", "₹": "INR", "₽": "RUB", "卢布": "RUB", "chf": "CHF",
}  # fmt: skip
"""Symbols and names (case-folded) -> ISO 4217. ¥ alone means CNY here (a Chinese hotel's books);
a Japanese amount must say JPY, JP¥ or 円. $ alone means USD."""

_WHAT = "amount"
_HINT = "Write amounts as 1280.00; a currency mark (¥, RMB, 元, HK$) and thousands commas are fine."
_MARK = r"[^\d\s()+\-−.,]{1,8}"
_AMOUNT = re.compile(
    rf"(?P<open>\()?\s*(?P<pre>{_MARK})?\s*(?P<sign>[-+−])?\s*(?P<pre2>{_MARK})?\s*"
    r"(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)"
    rf"\s*(?P<post>{_MARK})?\s*(?P<close>\))?",
    re.ASCII,
)


LARGEST = Decimal(10) ** 12


def parse_amount(raw: str) -> Decimal:
    """``raw`` as a Decimal: "1,280.00", "¥1280", "1280元", "RMB 1280", "-50" and "(50)" (negative)."""
    text = require(prepare(raw, what=_WHAT, hint=_HINT), what=_WHAT, hint=_HINT)
    match = _AMOUNT.fullmatch(text)
    if match is None or bool(match["open"]) != bool(match["close"]):
        raise CleanseError(f"The amount {show(text)} is not a number we read.", hint=_HINT, what=_WHAT)
    marks = [mark for mark in (match["pre"], match["pre2"], match["post"]) if mark]
    if len(marks) > 1 or any(_currency_code(mark) is None for mark in marks):
        raise CleanseError(
            f"The amount {show(text)} has {' and '.join(map(repr, marks))} around the number, "
            "which is not one currency mark we know.",
            hint=_HINT,
            what=_WHAT,
        )
    value = Decimal(match["num"].replace(",", ""))
    if abs(value) >= LARGEST:  # a folio column holds 14 digits, 2 of them after the point
        raise CleanseError(
            f"The amount {show(text)} is larger than any bill (at most 999,999,999,999.99).",
            hint="Check the column: it may hold an account or card number, not an amount.",
            what=_WHAT,
        )
    negative = match["open"] is not None or match["sign"] in ("-", "−")
    return -value if negative else value


def parse_currency(raw: str) -> str:
    """``raw`` (an ISO code, a symbol such as ¥ or HK$, or a name such as 人民币) as an ISO 4217 code."""
    hint = "Write the currency as its ISO 4217 code, e.g. CNY, HKD, USD."
    text = require(prepare(raw, what="currency", hint=hint), what="currency", hint=hint)
    code = _currency_code(text)
    if code is None:
        raise CleanseError(f"The currency {show(text)} is not one we know.", hint=hint, what="currency")
    return code


def _currency_code(mark: str) -> str | None:
    folded = mark.replace(" ", "").casefold()
    code = CURRENCY_ALIASES.get(folded)
    if code is None and folded.upper() in _iso_codes():
        code = folded.upper()
    return code


@lru_cache(maxsize=1)
def _iso_codes() -> frozenset[str]:
    return frozenset(list_currencies())

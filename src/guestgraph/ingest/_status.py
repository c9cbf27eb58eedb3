"""Stay statuses and outlets as hotels and channels write them, mapped to ours."""

from __future__ import annotations

STATUS_WORDS: dict[str, str] = {
    # English PMS and OTA (OpenTravel TransactionActionType / HotelResStatusType)
    "reserved": "booked",
    "booked": "booked",
    "book": "booked",
    "commit": "booked",
    "confirmed": "booked",
    "modify": "booked",
    "modified": "booked",
    "requested": "booked",
    "waitlisted": "booked",
    "new": "booked",
    "in house": "in_house",
    "in-house": "in_house",
    "inhouse": "in_house",
    "checked in": "in_house",
    "checked out": "checked_out",
    "checked-out": "checked_out",
    "checkedout": "checked_out",
    "departed": "checked_out",
    "cancel": "cancelled",
    "cancelled": "cancelled",
    "canceled": "cancelled",
    "no show": "no_show",
    "no-show": "no_show",
    "noshow": "no_show",
    # Mews reservation states
    "created": "booked",
    "optional": "booked",
    "inquired": "booked",
    "enquired": "booked",
    "started": "in_house",
    "processed": "checked_out",
    # Chinese PMS
    "预订": "booked",
    "预定": "booked",
    "确认": "booked",
    "已确认": "booked",
    "在住": "in_house",
    "入住": "in_house",
    "已入住": "in_house",
    "离店": "checked_out",
    "已离店": "checked_out",
    "退房": "checked_out",
    "已退房": "checked_out",
    "取消": "cancelled",
    "已取消": "cancelled",
    "未到": "no_show",
    "no show未到": "no_show",
    "应到未到": "no_show",
}
STATUSES = frozenset({"booked", "in_house", "checked_out", "cancelled", "no_show"})

OUTLETS: dict[str, str] = {
    "room": "room",
    "rooms": "room",
    "客房": "room",
    "房费": "room",
    "restaurant": "fnb",
    "bar": "fnb",
    "f&b": "fnb",
    "fnb": "fnb",
    "food": "fnb",
    "lounge": "fnb",
    "餐厅": "fnb",
    "酒吧": "fnb",
    "中餐厅": "fnb",
    "西餐厅": "fnb",
    "大堂吧": "fnb",
    "餐饮": "fnb",
    "spa": "spa",
    "水疗": "spa",
    "minibar": "minibar",
    "mini bar": "minibar",
    "迷你吧": "minibar",
    "other": "other",
    "其他": "other",
    "laundry": "other",
    "洗衣": "other",
}

# How a folio line says it was paid, mapped to our methods (`PaymentMethod`).
PAYMENT_METHODS: dict[str, str] = {
    "cash": "cash",
    "现金": "cash",
    "card": "card",
    "credit card": "card",
    "debit card": "card",
    "信用卡": "card",
    "银行卡": "card",
    "alipay": "alipay",
    "支付宝": "alipay",
    "wechat_pay": "wechat_pay",
    "wechat pay": "wechat_pay",
    "wechat": "wechat_pay",
    "微信": "wechat_pay",
    "微信支付": "wechat_pay",
    "bank_transfer": "bank_transfer",
    "bank transfer": "bank_transfer",
    "转账": "bank_transfer",
    "city_ledger": "city_ledger",
    "city ledger": "city_ledger",
    "挂账": "city_ledger",
    "deposit": "deposit",
    "押金": "deposit",
    "预付": "deposit",
}


def stay_status(raw: str | None, extra: dict[str, str]) -> tuple[str, bool]:
    """Our status for a raw status word, and whether we recognised it (unknown -> booked)."""
    if not raw:
        return "booked", True
    word = raw.strip().lower().replace("_", " ")
    if word in STATUSES or raw in STATUSES:
        return raw.strip().lower(), True
    mapped = extra.get(raw.strip()) or extra.get(word) or STATUS_WORDS.get(word)
    if mapped in STATUSES:
        return mapped, True
    return "booked", False

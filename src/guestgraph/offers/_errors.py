"""Errors of the offers package; each says what, where and how to fix it."""

from __future__ import annotations

from guestgraph.errors import Conflict, InvalidInput, NotFound


class OfferNotFound(NotFound):
    code = "offer_not_found"


class CampaignNotFound(NotFound):
    code = "campaign_not_found"


class CouponNotFound(NotFound):
    """No coupon with this code in the caller's scope (an out-of-scope one looks the same)."""

    code = "coupon_not_found"


class CouponCodeInvalid(InvalidInput):
    """The typed code is not a coupon code: wrong length, a character we never use, or the check
    character does not match (a typo)."""

    status = 422
    code = "coupon_code_invalid"


class CouponNotRedeemable(Conflict):
    """The coupon exists but cannot be redeemed here and now; `reason` says why."""

    code = "coupon_not_redeemable"

    def __init__(self, message: str, *, reason: str, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.reason = reason


class OfferLimitReached(Conflict):
    """The guest holds as many coupons of the offer as it allows, or the offer's total is issued."""

    code = "offer_limit_reached"

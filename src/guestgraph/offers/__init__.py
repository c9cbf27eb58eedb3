"""Offers and coupons (issue 9): offers with value, validity, limits and hotel scope; coupons with
unique, typable codes (check character) issued by campaigns (`{{ coupon }}`), journeys (the
`issue_coupon` step) and staff; redemption by staff or from POS/PMS folio lines; each campaign's and
offer's redemptions and revenue."""

from guestgraph.offers._campaigns import (
    CampaignLine,
    CouponResults,
    OfferReport,
    campaign_coupon_results,
    campaign_offer,
    coupon_for_message,
    journey_coupon_results,
    offer_report,
    set_campaign_offer,
)
from guestgraph.offers._codes import ALPHABET, check_character, display, is_valid, new_code, normalise
from guestgraph.offers._errors import (
    CampaignNotFound,
    CouponCodeInvalid,
    CouponNotFound,
    CouponNotRedeemable,
    OfferLimitReached,
    OfferNotFound,
)
from guestgraph.offers._imports import ChargeRedemption, CouponUse, judge_coupon_uses, redeem_from_charges
from guestgraph.offers._issue import (
    COUPON_LIMIT,
    NOT_ISSUED,
    Issued,
    issue_by_staff,
    issue_coupon,
    void_coupon,
)
from guestgraph.offers._offers import (
    KINDS,
    OfferInput,
    OfferRow,
    create_offer,
    get_offer,
    list_offers,
    offer_visible,
    set_offer_status,
)
from guestgraph.offers._redeem import (
    CouponView,
    check_coupon,
    expire_coupons,
    parse_code,
    redeem_coupon,
)

__all__ = [
    "ALPHABET",
    "COUPON_LIMIT",
    "KINDS",
    "NOT_ISSUED",
    "CampaignLine",
    "CampaignNotFound",
    "ChargeRedemption",
    "CouponCodeInvalid",
    "CouponNotFound",
    "CouponNotRedeemable",
    "CouponResults",
    "CouponUse",
    "CouponView",
    "Issued",
    "OfferInput",
    "OfferLimitReached",
    "OfferNotFound",
    "OfferReport",
    "OfferRow",
    "campaign_coupon_results",
    "campaign_offer",
    "check_character",
    "check_coupon",
    "coupon_for_message",
    "create_offer",
    "display",
    "expire_coupons",
    "get_offer",
    "is_valid",
    "issue_by_staff",
    "issue_coupon",
    "journey_coupon_results",
    "judge_coupon_uses",
    "list_offers",
    "new_code",
    "normalise",
    "offer_report",
    "offer_visible",
    "parse_code",
    "redeem_coupon",
    "redeem_from_charges",
    "set_campaign_offer",
    "set_offer_status",
    "void_coupon",
]

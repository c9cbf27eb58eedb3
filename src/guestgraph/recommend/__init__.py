"""Recommendations by rule (issue 9): from the guest's history, the room type they book most and the
packages or offers their tags point to, each with its reason; for the 360° profile, the arrivals list
and campaign templates (`{{ recommendation }}`). Rules are data (rules/default.yaml)."""

from guestgraph.recommend._recommend import (
    Recommendation,
    guest_recommendations,
    headline,
    recommendations_for,
)
from guestgraph.recommend._rules import PackageRule, RecommendationRules, RoomTypeRule, load_rules

__all__ = [
    "PackageRule",
    "Recommendation",
    "RecommendationRules",
    "RoomTypeRule",
    "guest_recommendations",
    "headline",
    "load_rules",
    "recommendations_for",
]

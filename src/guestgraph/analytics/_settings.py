"""The analytics knobs an operator sets (built from `config.Settings.analytics_settings()`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Frequency = Literal["stays", "nights"]
ScoreWithin = Literal["group", "hotel"]


@dataclass(frozen=True)
class AnalyticsSettings:
    """RFM and lifecycle windows; the defaults suit a city-hotel group.

    - `frequency`: RFM frequency counts stays or nights.
    - `score_within`: quintiles over the whole group, or within each guest's home hotel (most stays).
    - A guest is *at risk* once the days since their last check-out pass `at_risk_factor` times their
      own usual interval between stays (at least `at_risk_min_days`), or `at_risk_days` when they
      have stayed only once; *dormant* after `dormant_days`, *churned* after `churned_days`;
      *won back* when they return after a dormant-length gap, for `won_back_days` after that stay.
    - The churn warning lists at-risk guests with a monetary score of `churn_min_m_score` or more.
    """

    frequency: Frequency = "stays"
    score_within: ScoreWithin = "group"
    at_risk_days: int = 120
    at_risk_factor: float = 1.5
    at_risk_min_days: int = 30
    dormant_days: int = 180
    churned_days: int = 540
    won_back_days: int = 180
    churn_min_m_score: int = 4

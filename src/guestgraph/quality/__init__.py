"""Govern: the data-quality dashboard and its alerts."""

from guestgraph.quality._alerts import AlertRow, evaluate_alerts, list_alerts, set_threshold
from guestgraph.quality._dashboard import Dashboard, QualityFigures, dashboard

__all__ = [
    "AlertRow",
    "Dashboard",
    "QualityFigures",
    "dashboard",
    "evaluate_alerts",
    "list_alerts",
    "set_threshold",
]

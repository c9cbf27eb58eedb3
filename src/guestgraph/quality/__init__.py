"""Govern: the data-quality dashboard and its alerts."""

from guestgraph.quality._alerts import AlertRow, evaluate_alerts, list_alerts, set_threshold
from guestgraph.quality._dashboard import Dashboard, QualityFigures, dashboard, period_figures

__all__ = [
    "AlertRow",
    "Dashboard",
    "QualityFigures",
    "dashboard",
    "evaluate_alerts",
    "list_alerts",
    "period_figures",
    "set_threshold",
]

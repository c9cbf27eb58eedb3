"""Anomaly alerts from the audit trail (LG-05): bulk exports, more than N full-value views per hour by
one user, access outside working hours, and mass profile edits. Each rule raises at most one alert per
user and window, so a burst is one alert for compliance, not sixty."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from guestgraph.db.models import AuditEventRow, SecurityAlert


@dataclass(frozen=True)
class AnomalyPolicy:
    reveals_per_hour: int = 50
    export_rows: int = 1000
    edits_per_hour: int = 200
    working_hours: tuple[int, int] = (6, 23)  # local hours when access is expected
    timezone: str = "Asia/Shanghai"


def _raise(
    session: Session, rule: str, actor: str | None, key: str, facts: dict[str, object], now: datetime
) -> bool:
    try:
        with session.begin_nested():
            session.add(
                SecurityAlert(
                    rule=rule, actor_username=actor, dedupe_key=key[:160], raised_at=now, facts=facts
                )
            )
        return True
    except IntegrityError:
        return False  # already raised for this user and window


def check_actor(session: Session, username: str | None, *, now: datetime, policy: AnomalyPolicy) -> list[str]:
    """Check one user's recent events (after a reveal, a read or an edit); returns the rules raised."""
    if not username:
        return []
    raised: list[str] = []
    hour = now.replace(minute=0, second=0, microsecond=0)
    since = now - timedelta(hours=1)

    def count(action_prefix: str) -> int:
        return int(
            session.scalar(
                select(func.count())
                .select_from(AuditEventRow)
                .where(
                    AuditEventRow.actor_username == username,
                    AuditEventRow.action.like(action_prefix + "%"),
                    AuditEventRow.occurred_at >= since,
                )
            )
            or 0
        )

    reveals = count("guest.reveal")
    if reveals > policy.reveals_per_hour and _raise(
        session,
        "many_reveals",
        username,
        f"many_reveals:{username}:{hour:%Y%m%d%H}",
        {"reveals_last_hour": reveals},
        now,
    ):
        raised.append("many_reveals")
    edits = count("guest.update")
    if edits > policy.edits_per_hour and _raise(
        session,
        "mass_edits",
        username,
        f"mass_edits:{username}:{hour:%Y%m%d%H}",
        {"edits_last_hour": edits},
        now,
    ):
        raised.append("mass_edits")
    local = now.astimezone(ZoneInfo(policy.timezone))
    start, end = policy.working_hours
    if not (start <= local.hour < end) and _raise(
        session,
        "off_hours",
        username,
        f"off_hours:{username}:{local:%Y%m%d}",
        {"local_time": local.strftime("%H:%M")},
        now,
    ):
        raised.append("off_hours")
    return raised


def check_export(
    session: Session, username: str | None, rows: int, *, now: datetime, policy: AnomalyPolicy
) -> bool:
    """A bulk export raises an alert every time (each one is worth a look)."""
    if rows < policy.export_rows:
        return False
    return _raise(
        session, "bulk_export", username, f"bulk_export:{username}:{now.isoformat()}", {"rows": rows}, now
    )


@dataclass(frozen=True)
class AlertLine:
    id: int
    rule: str
    actor_username: str | None
    raised_at: datetime
    facts: dict[str, object]
    acknowledged_by: str | None


def list_alerts(session: Session, *, open_only: bool = True, limit: int = 200) -> list[AlertLine]:
    query = select(SecurityAlert).order_by(SecurityAlert.raised_at.desc()).limit(limit)
    if open_only:
        query = query.where(SecurityAlert.acknowledged_at.is_(None))
    return [
        AlertLine(a.id, a.rule, a.actor_username, a.raised_at, dict(a.facts or {}), a.acknowledged_by)
        for a in session.scalars(query)
    ]


def acknowledge_alert(session: Session, alert_id: int, *, by: str, now: datetime) -> None:
    alert = session.get(SecurityAlert, alert_id)
    if alert is not None and alert.acknowledged_at is None:
        alert.acknowledged_by, alert.acknowledged_at = by, now

"""Anomaly alerts from the audit trail (LG-05): bulk exports, more than N full-value views per hour by
one user, access outside working hours, and mass profile edits. Each rule raises at most one alert per
user and window, so a burst is one alert for compliance, not sixty."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from weakref import WeakKeyDictionary
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Engine, func, literal, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from guestgraph.db.models import AuditEventRow, SecurityAlert

# The edits of guest data that the mass-edit rule counts: the one list (docs/architecture.md, The audit
# log, names them). Each is written by the service that makes the edit, in the edit's transaction.
GUEST_EDIT_ACTIONS = frozenset(
    {
        "guest.preference.add",
        "guest.preference.retire",
        "guest.interaction.add",
        "guest.tag.add",
        "guest.tag.retire",
        "guest.field.set",
        "guest.field.clear",
        "guest.stay.reserve",
        "guest.stay.check_in",
        "guest.stay.check_out",
        "guest.stay.cancel",
        "guest.stay.no_show",
        "guest.stay.charge",
        "guest.stay.payment",
        "guest.stay.refund",
        "guest.stay.void_payment",
        "guest.stay.name_primary_guest",
        "guest.register",
        "guest.record.resubmit",
        "guest.record.discard",
        "guest.rectify",
        "guest.merge",
        "guest.unmerge",
        "guest.split",
        "guest.erase",
    }
)
REVEAL_ACTIONS = frozenset({"guest.reveal"})


@dataclass(frozen=True)
class AnomalyPolicy:
    """The alert thresholds; the installation's come from settings (`Settings.anomaly_policy`)."""

    reveals_per_hour: int = 50
    export_rows: int = 1000
    edits_per_hour: int = 200
    working_hours: tuple[int, int] = (6, 23)  # local hours when access is expected
    timezone: str = "Asia/Shanghai"


_POLICIES: WeakKeyDictionary[Engine, AnomalyPolicy] = WeakKeyDictionary()


def attach_alert_policy(engine: Engine, policy: AnomalyPolicy) -> Engine:
    """Use `policy` for the events written through `engine` (done when the engine is opened from
    settings, as the field-encryption vault is)."""
    _POLICIES[engine] = policy
    return engine


def alert_policy(bind: Session | Connection | Engine) -> AnomalyPolicy:
    """The policy attached to the engine behind `bind`, else the defaults."""
    engine: object = bind.get_bind() if isinstance(bind, Session) else bind
    if isinstance(engine, Connection):
        engine = engine.engine
    return _POLICIES.get(engine, AnomalyPolicy()) if isinstance(engine, Engine) else AnomalyPolicy()


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


def _raised(session: Session, key: str) -> bool:
    """Whether the alert of this user and window exists (one probe of the unique key)."""
    return session.scalar(select(SecurityAlert.id).where(SecurityAlert.dedupe_key == key[:160])) is not None


def _count(session: Session, username: str, actions: frozenset[str], since: datetime, cap: int) -> int:
    """The user's events of `actions` since `since`, counted up to `cap` only. The window starts at the
    first seq of the hour (one probe of the time index); the rows read are then the user's own events
    of the hour, by the (actor_username, seq) index, and no more than `cap` of those counted."""
    first = (
        select(AuditEventRow.seq)
        .where(AuditEventRow.occurred_at >= since)
        .order_by(AuditEventRow.occurred_at)
        .limit(1)
        .scalar_subquery()
    )
    rows = (
        select(literal(1))
        .select_from(AuditEventRow)
        .where(
            AuditEventRow.actor_username == username,
            AuditEventRow.seq >= first,
            AuditEventRow.action.in_(sorted(actions)),
        )
        .limit(cap)
        .subquery()
    )
    return int(session.scalar(select(func.count()).select_from(rows)) or 0)


def check_actor(
    session: Session,
    username: str | None,
    *,
    now: datetime,
    policy: AnomalyPolicy,
    action: str | None = None,
) -> list[str]:
    """Check one user after an audited guest-data access or edit `action` (None: every rule); returns
    the rules raised. A reveal counts the hour's reveals, an edit the hour's edits; any of them outside
    working hours is an off-hours use. Cheap: a rule already raised for the window costs one probe."""
    if not username:
        return []
    raised: list[str] = []
    hour = now.replace(minute=0, second=0, microsecond=0)
    since = now - timedelta(hours=1)
    counted = (
        ("many_reveals", REVEAL_ACTIONS, policy.reveals_per_hour, "reveals_last_hour"),
        ("mass_edits", GUEST_EDIT_ACTIONS, policy.edits_per_hour, "edits_last_hour"),
    )
    for rule, actions, limit, fact in counted:
        if action is not None and action not in actions:
            continue
        key = f"{rule}:{username}:{hour:%Y%m%d%H}"
        if _raised(session, key):
            continue
        n = _count(session, username, actions, since, limit + 1)
        if n > limit and _raise(session, rule, username, key, {fact: n}, now):
            raised.append(rule)
    local = now.astimezone(ZoneInfo(policy.timezone))
    start, end = policy.working_hours
    key = f"off_hours:{username}:{local:%Y%m%d}"
    if (
        not (start <= local.hour < end)
        and not _raised(session, key)
        and _raise(session, "off_hours", username, key, {"local_time": local.strftime("%H:%M")}, now)
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

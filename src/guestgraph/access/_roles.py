"""The staff roles every deployment starts with and the permissions each grants."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from guestgraph.access._permissions import Permission as P
from guestgraph.db.models import Role


@dataclass(frozen=True)
class RoleSpec:
    code: str
    name_zh: str
    name_en: str
    permissions: tuple[P, ...]


DEFAULT_ROLES: tuple[RoleSpec, ...] = (
    RoleSpec(
        "front_desk",
        "前台",
        "Front desk",
        (P.GUEST_READ, P.STAY_OPERATE, P.PROMPTS_VIEW, P.LOYALTY_VIEW, P.LOYALTY_MANAGE),
    ),
    RoleSpec(
        "hotel_manager",
        "酒店经理",
        "Hotel manager",
        (
            P.GUEST_READ,
            P.GUEST_REVEAL,
            P.STAY_OPERATE,
            P.REPORT_READ,
            P.QUALITY_READ,
            P.PROMPTS_VIEW,
            P.PROMPTS_MANAGE,
            P.LOYALTY_VIEW,
            P.LOYALTY_MANAGE,
        ),
    ),
    RoleSpec(
        "regional_manager",
        "区域经理",
        "Regional manager",
        (P.GUEST_READ, P.REPORT_READ, P.QUALITY_READ, P.LOYALTY_VIEW),
    ),
    RoleSpec(
        "marketing",
        "市场营销",
        "Marketing",
        (
            P.GUEST_READ,
            P.GUEST_EXPORT,
            P.SEGMENT_MANAGE,
            P.CAMPAIGN_MANAGE,
            P.JOURNEY_MANAGE,
            P.REPORT_READ,
            P.LOYALTY_VIEW,
        ),
    ),
    RoleSpec("service_agent", "客服专员", "Service agent", (P.GUEST_READ, P.TICKET_MANAGE, P.LOYALTY_VIEW)),
    RoleSpec(
        "data_steward",
        "数据管理员",
        "Data steward",
        (
            P.GUEST_READ,
            P.IMPORT_MANAGE,
            P.QUALITY_READ,
            P.IDENTITY_REVIEW,
            P.STAY_OPERATE,
            P.FEEDBACK_RULES,
            P.JOURNEY_MANAGE,
            P.PROMPTS_VIEW,
            P.PROMPTS_MANAGE,
        ),
    ),
    RoleSpec(
        "compliance_officer",
        "合规官",
        "Compliance officer",
        (P.GUEST_READ, P.GUEST_REVEAL, P.PRIVACY_MANAGE, P.AUDIT_READ),
    ),
    RoleSpec("admin", "系统管理员", "IT administrator", (P.ADMIN_USERS, P.ADMIN_SETTINGS, P.AUDIT_READ)),
)


def ensure_default_roles(session: Session) -> int:
    """Create the shipped roles that are missing and give shipped roles their shipped permissions;
    returns how many roles were created."""
    existing = {role.code: role for role in session.scalars(select(Role))}
    created = 0
    for spec in DEFAULT_ROLES:
        permissions = [str(p) for p in spec.permissions]
        role = existing.get(spec.code)
        if role is None:
            session.add(
                Role(code=spec.code, name_zh=spec.name_zh, name_en=spec.name_en, permissions=permissions)
            )
            created += 1
        elif role.permissions != permissions:
            role.permissions = permissions
    session.flush()
    return created

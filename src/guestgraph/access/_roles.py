"""The staff roles every deployment starts with. Permissions are refined by the protect issue."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from guestgraph.db.models import Role


@dataclass(frozen=True)
class RoleSpec:
    code: str
    name_zh: str
    name_en: str
    permissions: tuple[str, ...]


DEFAULT_ROLES: tuple[RoleSpec, ...] = (
    RoleSpec("front_desk", "前台", "Front desk", ("guest.read", "guest.search", "stay.operate")),
    RoleSpec("hotel_manager", "酒店经理", "Hotel manager", ("guest.read", "guest.search", "report.read")),
    RoleSpec(
        "regional_manager", "区域经理", "Regional manager", ("guest.read", "guest.search", "report.read")
    ),
    RoleSpec("marketing", "市场营销", "Marketing", ("segment.manage", "campaign.manage", "report.read")),
    RoleSpec("service_agent", "客服专员", "Service agent", ("guest.read", "guest.search", "ticket.manage")),
    RoleSpec(
        "data_steward", "数据管理员", "Data steward", ("guest.read", "import.manage", "identity.review")
    ),
    RoleSpec(
        "compliance_officer", "合规官", "Compliance officer", ("guest.read", "privacy.manage", "audit.read")
    ),
    RoleSpec("admin", "系统管理员", "IT administrator", ("admin.users", "admin.settings", "audit.read")),
)


def ensure_default_roles(session: Session) -> int:
    """Create the default roles that are missing; returns how many were created."""
    existing = set(session.scalars(select(Role.code)))
    created = 0
    for spec in DEFAULT_ROLES:
        if spec.code not in existing:
            session.add(
                Role(
                    code=spec.code,
                    name_zh=spec.name_zh,
                    name_en=spec.name_en,
                    permissions=list(spec.permissions),
                )
            )
            created += 1
    session.flush()
    return created

"""Demo staff accounts (one per role) for the demo group, so that `make run` can be signed into.

Only `load-demo` creates them. Their passwords are random per install and, with their authenticator
keys, written to data_dir/demo/staff-accounts.json (mode 0600); `guestgraph demo-code USER` prints
the current code of a demo account, so the demo needs no phone. A real deployment has no default
accounts: the first admin is created with `guestgraph user create-admin`.

The demo accounts are created directly, not through a second admin's approval (there is no admin
yet to approve): a recorded exception to dual control, like the first admin's bootstrap.
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pyotp
from sqlalchemy import select
from sqlalchemy.orm import Session

from guestgraph import access, audit
from guestgraph.access import DataScope
from guestgraph.access._totp import seal_seed
from guestgraph.db.models import Hotel, Region, StaffUser
from guestgraph.errors import NotFound

ACCOUNTS_FILE = "staff-accounts.json"
# username, display name, role, scope ("group", "region" = the first region, "hotel" = the first hotel)
DEMO_STAFF = (
    ("frontdesk", "李前台", "front_desk", "hotel"),
    ("manager", "王经理", "hotel_manager", "hotel"),
    ("regional", "陈区域", "regional_manager", "region"),
    ("marketing", "赵市场", "marketing", "group"),
    ("service", "孙客服", "service_agent", "group"),
    ("steward", "周数据", "data_steward", "group"),
    ("compliance", "吴合规", "compliance_officer", "group"),
    ("admin", "郑管理", "admin", "group"),
)


@dataclass(frozen=True)
class DemoAccount:
    username: str
    password: str
    seed: str
    role: str


def _scope(db: Session, kind: str) -> DataScope:
    if kind == "hotel":
        hotel_id = db.scalar(select(Hotel.id).order_by(Hotel.id).limit(1))
        return DataScope.hotels(hotel_id) if hotel_id is not None else DataScope.group()
    if kind == "region":
        region_id = db.scalar(select(Region.id).order_by(Region.id).limit(1))
        return DataScope.region(region_id) if region_id is not None else DataScope.group()
    return DataScope.group()


def create_demo_staff(db: Session, *, demo_dir: Path, secret_key: str, now: datetime) -> list[DemoAccount]:
    """Create the demo accounts that do not exist yet, enrolled in TOTP, and write the accounts file."""
    accounts: list[DemoAccount] = []
    for username, name, role, scope_kind in DEMO_STAFF:
        if db.scalar(select(StaffUser.id).where(StaffUser.username == username)) is not None:
            continue
        password = "-".join(secrets.token_urlsafe(6) for _ in range(3))
        spec = access.NewUser(username=username, display_name=name, role=role, scope=_scope(db, scope_kind))
        user = access.create_user(db, spec, password=password, now=now)
        seed = pyotp.random_base32()
        user.mfa_secret = seal_seed(seed, user_id=user.id, secret_key=secret_key)
        user.mfa_enrolled_at = now
        accounts.append(DemoAccount(username, password, seed, role))
        with audit.acting_as(audit.Actor(username="system:load-demo")):
            audit.log_event(
                db,
                "admin.user_create",
                object_type="staff_user",
                object_id=username,
                details={"role": role, "bootstrap": "demo"},
            )
    if accounts:
        _write(demo_dir / ACCOUNTS_FILE, accounts)
    return accounts


def _write(path: Path, accounts: list[DemoAccount]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    existing = json.loads(path.read_text("utf-8")) if path.exists() else {}
    existing.update(
        {a.username: {"password": a.password, "totp_key": a.seed, "role": a.role} for a in accounts}
    )
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(existing, fh, ensure_ascii=False, indent=2)
    os.chmod(path, 0o600)


def demo_code(demo_dir: Path, username: str, *, now: datetime) -> str:
    """The current authenticator code of a demo account (demo accounts only)."""
    path = demo_dir / ACCOUNTS_FILE
    accounts = json.loads(path.read_text("utf-8")) if path.exists() else {}
    if username not in accounts:
        raise NotFound(
            f"{username!r} is not a demo account.",
            hint=f"Demo accounts: {', '.join(accounts) or 'none (run guestgraph load-demo)'}.",
        )
    return pyotp.TOTP(accounts[username]["totp_key"]).at(now)

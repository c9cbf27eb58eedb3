"""Signing in: password, throttling per account and per address, then the second factor.

A failure looks the same whether or not the account exists (same message, same argon2 cost).
Throttling counts failures in a rolling window since the account's last success, so an attacker
spreading guesses over many addresses is still stopped, and other accounts are unaffected.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from guestgraph.access import _totp
from guestgraph.access._errors import InvalidCredentials, NotSignedIn, TooManyAttempts
from guestgraph.access._passwords import hash_password, verify_password
from guestgraph.access._sessions import find_session, start_session
from guestgraph.db.models import LoginAttempt, StaffSession, StaffUser

WRONG = "Wrong username or password."


class NextStep(enum.StrEnum):
    DONE = "done"
    VERIFY = "verify"  # enter the code from the authenticator app
    ENROLL = "enroll"  # set up an authenticator app first


@dataclass(frozen=True)
class LoginPolicy:
    window: timedelta = timedelta(minutes=15)
    max_failures: int = 10
    max_failures_per_ip: int = 50
    mfa_max_failures: int = 5


@dataclass(frozen=True)
class SignIn:
    token: str
    next_step: NextStep
    user_id: int


def _failures_since(db: Session, *, where: ColumnElement[bool], since: datetime) -> int:
    query = select(func.count()).select_from(LoginAttempt).where(where, LoginAttempt.at > since)
    return int(db.scalar(query) or 0)


def _check_throttle(
    db: Session, *, username: str, ip: str | None, now: datetime, policy: LoginPolicy
) -> None:
    window_start = now - policy.window
    last_ok = db.scalar(
        select(func.max(LoginAttempt.at)).where(LoginAttempt.username == username, LoginAttempt.ok.is_(True))
    )
    since = max(window_start, last_ok or window_start)
    per_user = _failures_since(
        db, where=(LoginAttempt.username == username) & LoginAttempt.ok.is_(False), since=since
    )
    per_ip = (
        _failures_since(db, where=(LoginAttempt.ip == ip) & LoginAttempt.ok.is_(False), since=window_start)
        if ip
        else 0
    )
    if per_user >= policy.max_failures or per_ip >= policy.max_failures_per_ip:
        raise TooManyAttempts(
            "Too many failed sign-ins for this account or from this address.",
            hint="Wait a few minutes and try again, or ask an administrator for help.",
        )


def needs_second_factor(user: StaffUser) -> bool:
    return bool(user.role.mfa_required or user.mfa_enrolled_at)


def sign_in(
    db: Session,
    *,
    username: str,
    password: str,
    ip: str | None,
    user_agent: str | None,
    now: datetime,
    policy: LoginPolicy,
) -> SignIn:
    """Check the password and open a session; the session is limited until the second factor passes."""
    # A NUL cannot be stored (PostgreSQL text) and is in no username: such a name is just unknown (401)
    username = username.strip()[:80].replace("\x00", "\ufffd")
    try:
        _check_throttle(db, username=username, ip=ip, now=now, policy=policy)
    except TooManyAttempts:
        db.add(LoginAttempt(username=username, ip=ip, at=now, ok=False))
        raise
    user = db.scalar(select(StaffUser).where(StaffUser.username == username))
    ok, rehash = verify_password(user.password_hash if user else None, password)
    if not ok or user is None or not user.is_active:
        db.add(LoginAttempt(username=username, ip=ip, at=now, ok=False))
        raise InvalidCredentials(WRONG, hint="Check the username and the password (it is case-sensitive).")
    if rehash:
        user.password_hash = hash_password(password)
    db.add(LoginAttempt(username=username, ip=ip, at=now, ok=True))
    if not needs_second_factor(user):
        step = NextStep.DONE
        user.last_login_at = now
    else:
        step = NextStep.VERIFY if user.mfa_enrolled_at else NextStep.ENROLL
    token = start_session(db, user, now=now, mfa_ok=step is NextStep.DONE, ip=ip, user_agent=user_agent)
    return SignIn(token=token, next_step=step, user_id=user.id)


def _pending(db: Session, token: str | None) -> tuple[StaffSession, StaffUser]:
    row = find_session(db, token)
    user = db.get(StaffUser, row.user_id) if row else None
    if row is None or user is None or not user.is_active:
        raise NotSignedIn("Your sign-in has expired.", hint="Sign in again with your username and password.")
    return row, user


def _fail_code(row: StaffSession, policy: LoginPolicy, now: datetime) -> None:
    row.mfa_failures += 1
    if row.mfa_failures >= policy.mfa_max_failures:
        row.ended_at = now


def verify_second_factor(
    db: Session, token: str | None, code: str, *, now: datetime, secret_key: str, policy: LoginPolicy
) -> str:
    """Check a one-time (or recovery) code; returns a new session token (the old one ends)."""
    row, user = _pending(db, token)
    if row.mfa_failures >= policy.mfa_max_failures:
        row.ended_at = now
        raise TooManyAttempts("Too many wrong codes.", hint="Sign in again with your password.")
    if user.mfa_secret is None or user.mfa_enrolled_at is None:
        raise NotSignedIn("No authenticator app is set up for this account yet.", hint="Set one up first.")
    seed = _totp.unseal_seed(user.mfa_secret, user_id=user.id, secret_key=secret_key)
    step = _totp.accepted_step(seed, code, now=now, last_step=user.mfa_last_step)
    if step is not None:
        user.mfa_last_step = step
    elif _totp.recovery_digest(code) in (user.recovery_codes or []):
        user.recovery_codes = [d for d in user.recovery_codes if d != _totp.recovery_digest(code)]
    else:
        _fail_code(row, policy, now)
        raise InvalidCredentials(
            "That code is not valid (or was already used).",
            hint="Enter the current 6-digit code from your authenticator app, or a recovery code.",
        )
    return _upgrade(db, row, user, now=now)


def _upgrade(db: Session, row: StaffSession, user: StaffUser, *, now: datetime) -> str:
    row.ended_at = now
    user.last_login_at = now
    return start_session(db, user, now=now, mfa_ok=True, ip=row.ip, user_agent=row.user_agent)


def enrollment_seed(db: Session, token: str | None, *, secret_key: str) -> tuple[str, str]:
    """(seed, otpauth URI) for a user setting up their authenticator; the same until confirmed."""
    row, user = _pending(db, token)
    if user.mfa_enrolled_at is not None:
        raise NotSignedIn("An authenticator app is already set up.", hint="Enter its code to sign in.")
    if user.mfa_secret is None:
        user.mfa_secret = _totp.seal_seed(_totp.new_seed(), user_id=user.id, secret_key=secret_key)
    seed = _totp.unseal_seed(user.mfa_secret, user_id=user.id, secret_key=secret_key)
    return seed, _totp.provisioning_uri(seed, username=user.username)


def confirm_enrollment(
    db: Session, token: str | None, code: str, *, now: datetime, secret_key: str, policy: LoginPolicy
) -> tuple[str, list[str]]:
    """Finish setting up the authenticator with its first code: (new session token, recovery codes)."""
    row, user = _pending(db, token)
    seed, _uri = enrollment_seed(db, token, secret_key=secret_key)
    step = _totp.accepted_step(seed, code, now=now, last_step=None)
    if step is None:
        _fail_code(row, policy, now)
        raise InvalidCredentials(
            "That code does not match.", hint="Check the phone's clock and enter the code currently shown."
        )
    codes, digests = _totp.new_recovery_codes()
    user.mfa_last_step, user.mfa_enrolled_at, user.recovery_codes = step, now, digests
    return _upgrade(db, row, user, now=now), codes

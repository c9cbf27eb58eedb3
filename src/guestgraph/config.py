"""Typed settings, read from `GUESTGRAPH_*` environment variables or a `.env` file.

Settings are built once at the edge (CLI, ASGI factory, test fixture) and passed in; nothing deeper
in the code reads the environment.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import TYPE_CHECKING, Self

from pydantic import Field, SecretStr, field_validator, model_validator

from guestgraph._settings_groups import Environment, Locale, ReportSettings
from guestgraph.errors import ConfigurationError

if TYPE_CHECKING:
    from guestgraph.audit import AnomalyPolicy
    from guestgraph.db import CheckpointPolicy

__all__ = ["Environment", "Locale", "Settings", "ensure_secret_key", "load_settings"]

PLACEHOLDER_SECRETS = frozenset(
    {"", "changeme", "change-me", "secret", "password", "dev", "test", "xxx", "todo", "placeholder"}
)
AUDIT_SECURITY_MIN_DAYS = 183  # six months (Cybersecurity Law art. 21)
AUDIT_SENSITIVE_MIN_DAYS = 1096  # three years, leap day included (PIPL art. 56)
SECRET_KEY_FILE = "secret_key"  # noqa: S105 - a file name, not a secret


class Settings(ReportSettings):
    """Everything an operator can set. Each field is documented in docs/configuration.md; the groups
    of fields are in `guestgraph._settings_groups`, the audit log's and the checks across groups here."""

    # Audit log (issue 7). Retention can only be raised: CSL art. 21 asks 6 months for security logs,
    # PIPL art. 56 three years for records of processing sensitive personal information.
    audit_dir: Path | None = Field(
        None,
        description="Folder for signed audit checkpoints, outside the database; default data_dir/audit. "
        "Point it at storage the database host cannot rewrite (another host, WORM share) in production.",
    )
    audit_signing_key_file: Path | None = Field(
        None,
        description="Ed25519 key that signs audit checkpoints (PEM, mode 0600); generated on first use; "
        "default data_dir/audit_signing_key.pem.",
    )
    audit_checkpoint_every: int = Field(
        1000, ge=1, description="Write a signed checkpoint each time the audit log passes this many events."
    )
    audit_checkpoint_minutes: int = Field(
        60, ge=1, description="Also write one when the last is older than this many minutes."
    )
    audit_security_retention_days: int = Field(
        AUDIT_SECURITY_MIN_DAYS,
        description=f"Days security events are kept; at least {AUDIT_SECURITY_MIN_DAYS} (CSL art. 21).",
    )
    audit_sensitive_retention_days: int = Field(
        AUDIT_SENSITIVE_MIN_DAYS,
        description="Days records of sensitive personal-information processing (reveals, exports, "
        f"data-subject requests, guest reads) are kept; at least {AUDIT_SENSITIVE_MIN_DAYS} (PIPL art. 56).",
    )
    audit_alert_reveals_per_hour: int = Field(
        50,
        ge=1,
        description="Anomaly alert: one user seeing more full values (reveals) than this in an hour.",
    )
    audit_alert_edits_per_hour: int = Field(
        200,
        ge=1,
        description="Anomaly alert: one user making more guest-data edits than this in an hour (the edit "
        "actions are listed in docs/architecture.md, The audit log).",
    )
    audit_alert_export_rows: int = Field(
        1000, ge=1, description="Anomaly alert: an export of at least this many rows."
    )
    audit_alert_working_hours: str = Field(
        "06-23",
        pattern=r"^([01]\d|2[0-3])-([01]\d|2[0-4])$",
        description="Anomaly alert: local hours (HH-HH, in audit_alert_timezone) when guest data is expected "
        "to be used; any audited guest-data access or edit outside them raises one alert per user and day.",
    )
    audit_alert_timezone: str = Field(
        "Asia/Shanghai", description="Anomaly alert: the time zone of audit_alert_working_hours."
    )

    def anomaly_policy(self) -> AnomalyPolicy:
        """The thresholds of the audit log's anomaly alerts (LG-05)."""
        from guestgraph.audit import AnomalyPolicy

        start, end = (int(h) for h in self.audit_alert_working_hours.split("-"))
        return AnomalyPolicy(
            reveals_per_hour=self.audit_alert_reveals_per_hour,
            export_rows=self.audit_alert_export_rows,
            edits_per_hour=self.audit_alert_edits_per_hour,
            working_hours=(start, end),
            timezone=self.audit_alert_timezone,
        )

    def checkpoint_policy(self) -> CheckpointPolicy:
        """Who checkpoints a SQLite database's WAL in a long-running process (guestgraph.db._checkpoint)."""
        from guestgraph.db import CheckpointPolicy

        return CheckpointPolicy(
            mode=self.sqlite_checkpoint,
            seconds=self.sqlite_checkpoint_seconds,
            wal_limit_bytes=self.sqlite_wal_limit_mb * 1024 * 1024,
        )

    @model_validator(mode="after")
    def _reject_placeholder_secret(self) -> Self:
        if self.secret_key is not None and self.env != "dev":
            value = self.secret_key.get_secret_value().strip().lower()
            if value in PLACEHOLDER_SECRETS or len(value) < 16:
                raise ValueError(
                    "GUESTGRAPH_SECRET_KEY is a placeholder or shorter than 16 characters; "
                    "unset it to have one generated, or set a long random value "
                    "(python -c 'import secrets; print(secrets.token_urlsafe(48))')"
                )
        return self

    @field_validator("audit_alert_working_hours")
    @classmethod
    def _a_day_window(cls, value: str) -> str:
        start, end = (int(h) for h in value.split("-"))
        if start >= end:
            raise ValueError(f"{value!r} ends before it starts; give HH-HH with the start first, e.g. 06-23")
        return value

    @field_validator("audit_alert_timezone")
    @classmethod
    def _known_time_zone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as e:
            raise ValueError(f"{value!r} is not a time zone; use an IANA name such as Asia/Shanghai") from e
        return value

    @model_validator(mode="after")
    def _audit_retention_at_least_the_law(self) -> Self:
        for field, minimum, law in (
            ("audit_security_retention_days", AUDIT_SECURITY_MIN_DAYS, "Cybersecurity Law art. 21"),
            ("audit_sensitive_retention_days", AUDIT_SENSITIVE_MIN_DAYS, "PIPL art. 56"),
        ):
            if getattr(self, field) < minimum:
                raise ValueError(
                    f"GUESTGRAPH_{field.upper()} is {getattr(self, field)} days, below the {minimum} days "
                    f"{law} requires; set {minimum} or more (retention can only be raised)"
                )
        return self

    @property
    def resolved_audit_dir(self) -> Path:
        return self.audit_dir or self.data_dir / "audit"

    @property
    def resolved_audit_key_file(self) -> Path:
        return self.audit_signing_key_file or self.data_dir / "audit_signing_key.pem"

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'guestgraph.db').resolve()}"

    @property
    def is_sqlite(self) -> bool:
        return self.resolved_database_url.startswith("sqlite")

    @property
    def resolved_keystore_url(self) -> str:
        if self.keystore_url:
            return self.keystore_url
        return f"sqlite:///{(self.data_dir / 'keys' / 'keystore.db').resolve()}"

    @property
    def resolved_shred_journal(self) -> Path:
        return self.shred_journal or self.data_dir / "keys" / "shredded.journal"

    @property
    def resolved_erasure_ledger(self) -> Path:
        return self.erasure_ledger or self.resolved_shred_journal.with_name("erased.journal")


def ensure_secret_key(settings: Settings) -> SecretStr:
    """Return the secret key, generating it into `data_dir/secret_key` (mode 0600) on first use."""
    if settings.secret_key is not None:
        return settings.secret_key
    path = settings.data_dir / SECRET_KEY_FILE
    try:
        if path.exists():
            _check_private(path)
            key = path.read_text(encoding="ascii").strip()
        else:
            settings.data_dir.mkdir(parents=True, exist_ok=True)
            key = secrets.token_urlsafe(48)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w", encoding="ascii") as fh:
                fh.write(key + "\n")
    except OSError as e:
        raise ConfigurationError(
            f"Could not read or create the secret key file {path}: {e.strerror}",
            hint="Make GUESTGRAPH_DATA_DIR writable by this user, or set GUESTGRAPH_SECRET_KEY.",
        ) from e
    settings.secret_key = SecretStr(key)
    return settings.secret_key


def _check_private(path: Path) -> None:
    mode = path.stat().st_mode & 0o777
    if mode & 0o077:
        raise ConfigurationError(
            f"The secret key file {path} is readable by other users (mode {mode:o}).",
            hint=f"Run: chmod 600 {path}",
        )


def load_settings(**overrides: object) -> Settings:
    """Build settings from the environment, with explicit overrides (used by the CLI and tests)."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValueError as e:
        raise ConfigurationError(f"Invalid settings: {e}") from e

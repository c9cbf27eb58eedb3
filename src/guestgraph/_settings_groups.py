"""The groups of `guestgraph.config.Settings`, one class each (import `Settings` from
`guestgraph.config`, never these). Each group extends the one before it, so the fields keep the order
in which docs/configuration.md lists them; `Settings` adds the audit log and the checks across groups."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

if TYPE_CHECKING:
    from guestgraph.analytics import AnalyticsSettings
    from guestgraph.identity import MatchSettings

Environment = Literal["dev", "test", "production"]
Locale = Literal["zh_CN", "en"]


class SiteSettings(BaseSettings):
    """The installation: where it runs and keeps its data, its web server, sign-in and sessions."""

    model_config = SettingsConfigDict(env_prefix="GUESTGRAPH_", env_file=".env", extra="ignore")

    env: Environment = Field(
        "production", description="dev, test or production; only dev accepts placeholder secrets."
    )
    data_dir: Path = Field(
        Path("var"), description="Where the embedded database, secret key and uploads live."
    )
    database_url: str | None = Field(
        None, description="SQLAlchemy URL; default: SQLite file guestgraph.db under data_dir."
    )
    sqlite_checkpoint: Literal["inline", "background"] = Field(
        "background",
        description="SQLite only: who copies the write-ahead log into the database file. background: a "
        "thread of the web server (and of `guestgraph import`) does, so no request's commit pays for it; "
        "inline: SQLite's default, the commit that takes the log past 1,000 pages. Other commands always "
        "run inline, as does a server whose checkpoint thread has stopped.",
    )
    sqlite_checkpoint_seconds: float = Field(
        0.5,
        gt=0,
        le=60,
        description="SQLite, background checkpoints: seconds between two passive checkpoints.",
    )
    sqlite_wal_limit_mb: int = Field(
        64,
        ge=1,
        le=16384,
        description="SQLite, background checkpoints: when the -wal file is larger than this many MiB it is "
        "checkpointed and truncated (writers wait a moment).",
    )
    host: str = Field("127.0.0.1", description="Address the web server binds to.")
    port: int = Field(8000, ge=1, le=65535, description="Port the web server listens on.")
    web_workers: int = Field(
        1,
        ge=1,
        le=64,
        description="Web server processes sharing the port; give it the number of CPU cores to use them all "
        "(each process keeps its own connections and key cache). Meant for PostgreSQL: on SQLite the "
        "processes' writes queue in SQLite's busy handler, which lengthens the tail of writing requests.",
    )
    default_locale: Locale = Field("zh_CN", description="UI language when the user has not chosen one.")
    secret_key: SecretStr | None = Field(
        None,
        description="Signs sessions and tokens; generated into data_dir/secret_key (mode 0600) if unset.",
    )
    page_size: int = Field(50, ge=1, le=500, description="Default rows per page in lists.")
    demo_guests: int = Field(2000, ge=0, description="Guests in the demo group loaded on first start.")
    demo_seed: int = Field(20261123, description="Seed of the demo group generator.")
    cookie_secure: bool = Field(
        True,
        description="Session cookies are `__Host-` and Secure (browsers accept them on https and localhost); "
        "false only behind a TLS-terminating proxy that talks plain http to a non-local browser.",
    )
    session_idle_minutes: int = Field(30, ge=1, le=24 * 60, description="Sign out after this long idle.")
    session_absolute_hours: int = Field(12, ge=1, le=7 * 24, description="Sign out this long after sign-in.")
    login_window_minutes: int = Field(15, ge=1, description="Window in which failed sign-ins are counted.")
    login_max_failures: int = Field(
        10, ge=3, description="Failed sign-ins per account before it is throttled."
    )
    login_max_failures_per_ip: int = Field(
        50, ge=3, description="Failed sign-ins from one address (any account) before it is throttled."
    )
    mfa_max_failures: int = Field(
        5, ge=1, description="Wrong one-time codes per sign-in before it is refused."
    )
    password_reset_hours: int = Field(
        24, ge=1, le=72, description="How long an admin-issued reset link works."
    )
    tenant: str = Field(
        "default",
        min_length=1,
        max_length=40,
        pattern=r"^[A-Za-z0-9_.-]+$",
        description="Name of this installation, bound into every encrypted value (a value copied to "
        "another installation does not decrypt there). Never change it once data is stored.",
    )


class KeySettings(SiteSettings):
    """Encryption of personal fields, the key store, erasure and backups."""

    field_cipher: Literal["aes-256-gcm", "sm4-gcm"] = Field(
        "aes-256-gcm",
        description="Cipher for new field values; sm4-gcm where national algorithms are required. "
        "Stored values name their cipher, so switching never breaks reading old ones.",
    )
    kek: SecretStr | None = Field(
        None,
        description="Key-encryption keys as `version:base64` entries (comma- or newline-separated, 32 "
        "bytes each); the highest version wraps new data keys. Unset: read kek_file.",
    )
    kek_file: Path | None = Field(
        None,
        description="File holding the KEKs in the same format, mode 0600; default data_dir/keys/kek, "
        "generated on first use. Keep it out of data backups.",
    )
    blind_index_key: SecretStr | None = Field(
        None,
        description="Key of the HMAC blind indexes (exact search on encrypted fields), `version:base64`; "
        "never the same as a KEK. Unset: read blind_index_key_file.",
    )
    blind_index_key_file: Path | None = Field(
        None,
        description="File holding the blind-index key, mode 0600; default data_dir/keys/index_key, "
        "generated on first use. Keep it out of data backups.",
    )
    blind_index_hash: Literal["hmac-sha256", "hmac-sm3"] = Field(
        "hmac-sha256",
        description="MAC of the blind indexes; changing it means recomputing every index.",
    )
    keystore_url: str | None = Field(
        None,
        description="SQLAlchemy URL of the key store (wrapped data keys, shred tombstones), kept apart "
        "from the data database; default: SQLite file data_dir/keys/keystore.db.",
    )
    shred_journal: Path | None = Field(
        None,
        description="Append-only list of shredded data keys, re-applied to the key store at every start "
        "and restore; default data_dir/keys/shredded.journal. Never restore it from a backup.",
    )
    erasure_ledger: Path | None = Field(
        None,
        description="Append-only list of erased guests' public IDs, whose erasure every restore runs again "
        "(CR-04); default erased.journal next to the shred journal. Never restore it from a backup.",
    )
    dek_cache_size: int = Field(
        10_000, ge=0, description="Unwrapped data keys kept in memory per process (LRU); 0 disables."
    )
    dek_cache_seconds: float = Field(
        300.0,
        ge=0,
        description="Longest a cached data key is used without re-reading the key store, so a key "
        "shredded by another process stops working here within this time.",
    )
    backup_key: SecretStr | None = Field(
        None,
        description="Key of the encrypted backups: 32 random bytes, base64. Unset: read backup_key_file. "
        "Keep a copy off this machine: without it no backup can be restored.",
    )
    backup_key_file: Path | None = Field(
        None,
        description="File holding the backup key, mode 0600; default data_dir/keys/backup_key, "
        "generated by the first backup.",
    )
    backup_dir: Path | None = Field(
        None, description="Where scheduled backups are written; default data_dir/backups."
    )
    backup_every_hours: int = Field(
        0, ge=0, description="Scheduled backups: at most one per this many hours; 0 turns them off."
    )
    backup_keep: int = Field(
        7, ge=1, description="Scheduled backups: how many of the newest to keep (older ones are deleted)."
    )


class GuestDataSettings(KeySettings):
    """Identity matching and the deadlines of data-subject requests."""

    match_link_probability: float = Field(
        0.99, gt=0, lt=1, description="Identity: link two guest records at or above this match probability."
    )
    match_review_probability: float = Field(
        0.5, gt=0, lt=1, description="Identity: queue a pair for review at or above this probability."
    )
    match_min_training_records: int = Field(
        1000, ge=2, description="Identity: records needed before the matching model is first trained."
    )
    privacy_pipl_response_days: int = Field(
        30,
        ge=1,
        le=90,
        description="Data-subject requests under PIPL / GB/T 35273: days to answer (the law says "
        "'timely'; 35273 names 30 days). Set lower if your policy promises faster.",
    )
    privacy_gdpr_response_months: int = Field(
        1, ge=1, le=1, description="Data-subject requests under GDPR: months to answer (Art. 12(3): one)."
    )
    privacy_gdpr_extension_months: int = Field(
        2,
        ge=0,
        le=2,
        description="GDPR: further months a complex request may take, with notice to the guest (Art. 12(3)).",
    )

    def match_settings(self, *, retrain: bool = False) -> MatchSettings:
        """The identity resolver's thresholds and training policy."""
        from guestgraph.identity import MatchSettings

        return MatchSettings(
            link_probability=self.match_link_probability,
            review_probability=min(self.match_review_probability, self.match_link_probability),
            min_training_records=self.match_min_training_records,
            retrain=retrain,
        )


class EngagementSettings(GuestDataSettings):
    """Service tickets, mail, campaigns, the inbox, surveys, self-service links and journeys."""

    service_hours_default: str = Field(
        "08:00-22:00",
        pattern=r"^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]|24):[0-5]\d$",
        description="Service tickets: business hours (local, every day) for SLA clocks at hotels without "
        "their own; HH:MM-HH:MM, a close before the open spans midnight, 00:00-24:00 is round the clock.",
    )

    smtp_host: str = Field("127.0.0.1", description="Engage: SMTP server that campaign e-mail goes through.")
    smtp_port: int = Field(25, ge=1, le=65535, description="Engage: SMTP port (587 with STARTTLS is usual).")
    smtp_user: str | None = Field(None, description="Engage: SMTP user name; unset sends without AUTH.")
    smtp_password: SecretStr | None = Field(None, description="Engage: SMTP password for smtp_user.")
    smtp_starttls: bool = Field(False, description="Engage: upgrade the SMTP connection with STARTTLS.")
    smtp_from: str = Field(
        "guestgraph <no-reply@localhost>", description="Engage: From address of campaign e-mail."
    )
    smtp_timeout_seconds: float = Field(30.0, gt=0, description="Engage: SMTP connect and command timeout.")
    public_base_url: str = Field(
        "http://127.0.0.1:8000",
        description="Engage: public address of this server, for links in e-mail (unsubscribe, staff "
        "password links; no trailing /).",
    )
    campaign_frequency_cap: int = Field(
        2, ge=1, description="Engage: most marketing messages per guest within campaign_frequency_days."
    )
    campaign_frequency_days: int = Field(
        7, ge=1, le=365, description="Engage: the window of the frequency cap, in days."
    )

    campaign_bounce_address: str | None = Field(
        None,
        pattern=r"^[^@\s+]+@[^@\s]+$",
        description="Engage: envelope sender (Return-Path) of campaign e-mail, tagged per message "
        "(bounce+<token>@…); deliver its domain's mail to `guestgraph inbox smtp` so bounces (DSNs) mark "
        "messages bounced. Unset: the From address, and bounces are not tracked.",
    )

    inbox_address: str = Field(
        "service@localhost",
        pattern=r"^[^@\s+]+@[^@\s]+$",
        description="Inbox: the inbound e-mail address; each hotel answers at its plus-address "
        "(service+sha01@…), which is also the From of e-mail replies.",
    )
    inbox_default_hotel: str | None = Field(
        None,
        description="Inbox: hotel code for mail to the bare inbox address (without +hotel); "
        "unset refuses it.",
    )
    inbox_smtp_port: int = Field(
        2525, ge=1, le=65535, description="Inbox: port of `guestgraph inbox smtp`, the inbound mail server."
    )
    gateway_secret: SecretStr | None = Field(
        None,
        description="Messaging: shared secret that signs SMS/WeChat gateway webhooks and our requests to "
        "the gateways (HMAC-SHA256); unset refuses inbound messages and sends none.",
    )
    sms_gateway_url: str | None = Field(
        None, description="Messaging: the SMS gateway URL every SMS is POSTed to (unset: no SMS is sent)."
    )
    wechat_gateway_url: str | None = Field(
        None,
        description="Messaging: the WeChat gateway URL every WeChat message is POSTed to "
        "(unset: none is sent).",
    )

    survey_valid_days: int = Field(
        30, ge=1, le=365, description="Surveys: days a post-stay survey link stays open after it is sent."
    )
    self_service_valid_days: int = Field(
        14,
        ge=1,
        le=365,
        description="Self-service: days a guest's request link stays open after it is issued.",
    )
    rating_valid_days: int = Field(
        14,
        ge=1,
        le=365,
        description="Service tickets: days the guest's link to rate a resolved ticket stays open.",
    )
    survey_rate_limit: int = Field(
        20,
        ge=1,
        description="Surveys, ratings and self-service: invalid links one address may try within 10 minutes "
        "before its requests to the public pages are refused (429).",
    )
    journey_quiet_hours: str = Field(
        "21:00-09:00",
        pattern=r"^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$",
        description="Journeys: local hours (HH:MM-HH:MM, at the guest's hotel) in which no e-mail is sent; "
        "a send falling inside waits for the end. The same start and end means no quiet hours.",
    )
    journey_timezone: str = Field(
        "Asia/Shanghai",
        description="Journeys and campaigns: the group's time zone (quiet hours of guests without a "
        "hotel; the schedule of a campaign to all hotels).",
    )
    journey_batch: int = Field(
        200, ge=1, le=10_000, description="Journeys: enrolments a worker claims at a time."
    )
    journey_poll_seconds: float = Field(
        30.0, gt=0, description="Journeys: how long `guestgraph worker` sleeps between passes."
    )


class ReportSettings(EngagementSettings):
    """Background identity passes, reports, analytics and documents."""

    ingest_rules_file: Path | None = Field(
        None,
        description="Imports: a deployment's own rules file (YAML, the form of the shipped "
        "ingest/rules/default.yaml), laid over the shipped rules: `overrides: {pms: "
        "{text.control_characters: reject}}` changes a rule's severity (fix, warn, reject) for one source "
        "system, `rules: {phone.invalid: {severity: reject}}` for all. Used by `guestgraph import`, the "
        "upload page and the push API; read at start-up (a malformed file stops it, naming the fix).",
    )
    resolve_online_max_records: int = Field(
        5000,
        ge=0,
        le=1_000_000,
        description="Identity: an import of at most this many records (a push batch, a front-desk "
        "registration, a small file) is resolved as it lands, against the indexed keys only (the exact "
        "rules; the model's links follow at the next batch pass, which such an import does not start). "
        "Bigger imports wait for the batch pass. 0 turns online resolution off.",
    )
    resolve_waiting_seconds: int = Field(
        60,
        ge=0,
        le=86_400,
        description="Identity: `guestgraph worker` runs a resolve pass when records imported since the "
        "last pass are waiting (an import resolved online is not; a new version of a record is), at most "
        "once per this many seconds (0: never; run `guestgraph resolve` yourself). Every pass is the "
        "whole batch pass, so at a million records prefer a longer interval.",
    )
    report_timezone: str = Field(
        "Asia/Shanghai",
        description="Reports: time zone of the days, weeks (Monday to Sunday) and months of scheduled "
        "report e-mails; each period's report goes out once, after that zone's midnight.",
    )

    rfm_frequency: Literal["stays", "nights"] = Field(
        "stays", description="Analytics: RFM frequency counts stays or nights."
    )
    rfm_score_within: Literal["group", "hotel"] = Field(
        "group",
        description="Analytics: RFM quintiles over the whole group, or within each guest's home hotel.",
    )
    lifecycle_at_risk_days: int = Field(
        120, ge=1, description="Analytics: a one-stay guest is at risk this many days after check-out."
    )
    lifecycle_at_risk_factor: float = Field(
        1.5,
        gt=0,
        description="Analytics: a repeat guest is at risk after this many times their usual interval.",
    )
    lifecycle_at_risk_min_days: int = Field(
        30, ge=1, description="Analytics: never at risk sooner than this many days after check-out."
    )
    lifecycle_dormant_days: int = Field(
        180, ge=1, description="Analytics: dormant this many days after the last check-out."
    )
    lifecycle_churned_days: int = Field(
        540, ge=1, description="Analytics: churned this many days after the last check-out."
    )
    lifecycle_won_back_days: int = Field(
        180, ge=1, description="Analytics: 'won back' lasts this long after a return from dormancy."
    )
    churn_min_m_score: int = Field(
        4,
        ge=1,
        le=5,
        description="Analytics: churn warnings list at-risk guests with this monetary score or more.",
    )

    document_font: Path | None = Field(
        None,
        description="Documents: TrueType font (.ttf or .ttc, TrueType outlines) embedded, subset, in the "
        "registration-card and folio PDFs; it must hold Chinese glyphs. Unset: the first of WenQuanYi Micro "
        "Hei or Zen Hei, Droid Sans Fallback or AR PL UMing found in /usr/share/fonts, else the built-in "
        "STSong-Light (not embedded: the PDF viewer substitutes its own Chinese font).",
    )

    def analytics_settings(self) -> AnalyticsSettings:
        """RFM and lifecycle settings for `guestgraph.analytics`."""
        from guestgraph.analytics import AnalyticsSettings

        return AnalyticsSettings(
            frequency=self.rfm_frequency,
            score_within=self.rfm_score_within,
            at_risk_days=self.lifecycle_at_risk_days,
            at_risk_factor=self.lifecycle_at_risk_factor,
            at_risk_min_days=self.lifecycle_at_risk_min_days,
            dormant_days=self.lifecycle_dormant_days,
            churned_days=max(self.lifecycle_churned_days, self.lifecycle_dormant_days),
            won_back_days=self.lifecycle_won_back_days,
            churn_min_m_score=self.churn_min_m_score,
        )

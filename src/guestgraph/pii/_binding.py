"""Which vault seals the data of which database: one `Vault` per engine, attached when the engine is
opened from settings, so code that holds a session or a connection finds it without a global."""

from __future__ import annotations

from weakref import WeakKeyDictionary

from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session

from guestgraph import audit
from guestgraph.config import Settings
from guestgraph.crypto import Vault
from guestgraph.db import make_engine
from guestgraph.errors import ConfigurationError

_VAULTS: WeakKeyDictionary[Engine, Vault] = WeakKeyDictionary()


def attach_vault(engine: Engine, vault: Vault) -> Engine:
    """Use `vault` for every guest field written or read through `engine`."""
    _VAULTS[engine] = vault
    return engine


def ensure_vault(engine: Engine, settings: Settings) -> Engine:
    """`engine` with a vault: the one attached already, or the installation's from `settings`; and
    with the audit alert thresholds of `settings`."""
    if engine not in _VAULTS:
        attach_vault(engine, Vault.from_settings(settings))
    return audit.attach_alert_policy(engine, settings.anomaly_policy())


def open_engine(settings: Settings, **kwargs: object) -> Engine:
    """The data database's engine with the installation's vault attached (keys from `settings`), and
    the audit alert thresholds the events written through it are checked against."""
    engine = make_engine(settings.resolved_database_url, **kwargs)
    audit.attach_alert_policy(engine, settings.anomaly_policy())
    return attach_vault(engine, Vault.from_settings(settings))


def vault_of(bind: Session | Connection | Engine) -> Vault:
    """The vault attached to the engine behind `bind`."""
    engine: object = bind
    if isinstance(bind, Session):
        engine = bind.get_bind()
    if isinstance(engine, Connection):
        engine = engine.engine
    vault = _VAULTS.get(engine) if isinstance(engine, Engine) else None
    if vault is None:
        raise ConfigurationError(
            "This database connection has no field-encryption vault, so guest data can be neither "
            "written nor read.",
            hint="Open the engine with guestgraph.pii.open_engine(settings) (or attach_vault).",
        )
    return vault

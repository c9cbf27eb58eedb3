from __future__ import annotations

import stat
from pathlib import Path

import pytest
from pydantic import SecretStr

from guestgraph.config import Settings, ensure_secret_key, load_settings
from guestgraph.errors import ConfigurationError


def settings(tmp_path: Path, **kw: object) -> Settings:
    return Settings(_env_file=None, data_dir=tmp_path, **kw)  # type: ignore[call-arg]


def test_defaults_put_the_embedded_database_under_the_data_dir(tmp_path: Path) -> None:
    s = settings(tmp_path)
    assert s.resolved_database_url == f"sqlite:///{(tmp_path / 'guestgraph.db').resolve()}"
    assert s.default_locale == "zh_CN"
    assert s.is_sqlite


def test_secret_key_is_generated_once_with_mode_0600(tmp_path: Path) -> None:
    first = ensure_secret_key(settings(tmp_path)).get_secret_value()
    path = tmp_path / "secret_key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(first) >= 48
    assert ensure_secret_key(settings(tmp_path)).get_secret_value() == first


def test_a_world_readable_key_file_is_refused(tmp_path: Path) -> None:
    ensure_secret_key(settings(tmp_path))
    (tmp_path / "secret_key").chmod(0o644)
    with pytest.raises(ConfigurationError, match="readable by other users") as caught:
        ensure_secret_key(settings(tmp_path))
    assert caught.value.hint == f"Run: chmod 600 {tmp_path / 'secret_key'}"


@pytest.mark.parametrize("placeholder", ["changeme", "secret", "short-key"])
def test_placeholder_secret_is_rejected_outside_dev(tmp_path: Path, placeholder: str) -> None:
    with pytest.raises(ConfigurationError, match="GUESTGRAPH_SECRET_KEY"):
        load_settings(_env_file=None, data_dir=tmp_path, secret_key=placeholder)
    dev = load_settings(_env_file=None, data_dir=tmp_path, secret_key=placeholder, env="dev")
    assert dev.secret_key == SecretStr(placeholder)


def test_settings_come_from_prefixed_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GUESTGRAPH_PORT", "8123")
    monkeypatch.setenv("GUESTGRAPH_DEFAULT_LOCALE", "en")
    s = settings(tmp_path)
    assert (s.port, s.default_locale) == (8123, "en")


def test_bad_setting_names_the_field(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="port"):
        load_settings(_env_file=None, data_dir=tmp_path, port=70000)

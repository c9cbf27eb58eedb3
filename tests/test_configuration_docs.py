"""docs/configuration.md documents every setting, and is regenerated when a setting changes."""

from __future__ import annotations

from pathlib import Path

from guestgraph.config import Settings
from guestgraph.config_docs import render

DOC = Path(__file__).parent.parent / "docs" / "configuration.md"


def test_every_setting_has_a_description() -> None:
    missing = [name for name, field in Settings.model_fields.items() if not (field.description or "").strip()]
    assert missing == [], "describe these settings in guestgraph/config.py"


def test_the_configuration_page_is_current() -> None:
    assert DOC.read_text(encoding="utf-8") == render(), (
        "run: python -m guestgraph.config_docs > docs/configuration.md"
    )

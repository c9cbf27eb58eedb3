"""docs/configuration.md is generated from the Settings fields (`python -m guestgraph.config_docs`),
and a test keeps it current, so every setting an operator can use is documented."""

from __future__ import annotations

import sys
from typing import Any

from pydantic import SecretStr

from guestgraph.config import Settings

HEADER = """# Configuration

Every setting is read from an environment variable `GUESTGRAPH_<NAME>` (upper case) or from a `.env` file
in the working directory. Settings are validated at start-up; an unsafe or malformed value stops the app
with a message naming the setting and the fix. This page is generated from the settings in
`guestgraph/config.py` and `guestgraph/_settings_groups.py` (`python -m guestgraph.config_docs >
docs/configuration.md`); a test fails when it is out of date.

| variable | default | what it does |
|---|---|---|
"""


def _default(value: Any) -> str:
    if value is None:
        return "unset"
    if isinstance(value, SecretStr):
        return "(secret)"
    text = str(value.value if hasattr(value, "value") else value)
    return f"`{text}`" if text else "`''`"


def render() -> str:
    rows = []
    for name, field in Settings.model_fields.items():
        description = (field.description or "").replace("|", "\\|").replace("\n", " ")
        rows.append(f"| `GUESTGRAPH_{name.upper()}` | {_default(field.default)} | {description} |")
    return HEADER + "\n".join(rows) + "\n"


if __name__ == "__main__":  # pragma: no cover
    sys.stdout.write(render())

"""Every UI string has a Chinese translation, and the catalog has no stale entries."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir

from guestgraph.web._i18n import DYNAMIC_MESSAGES, read_catalog
from guestgraph.web._nav import NAV

SRC = Path(__file__).parent.parent / "src" / "guestgraph"


def _used_messages() -> set[str]:
    method_map = [("**/templates/**.html", "jinja2")]
    found = {msg for _f, _l, msg, _c, _ctx in extract_from_dir(str(SRC / "web"), method_map)}
    return {m for m in found if isinstance(m, str)} | {item.label for item in NAV} | set(DYNAMIC_MESSAGES)


def test_every_ui_string_is_translated_to_chinese() -> None:
    catalog = read_catalog("zh_CN")
    translated = {m.id for m in catalog if m.id and m.string}
    # Messages translated from data (error texts, statuses) are marked "#. dynamic" in their .po file.
    used = _used_messages() | {m.id for m in catalog if m.id and any("dynamic" in c for c in m.auto_comments)}
    assert len(used) > 30
    assert used - translated == set(), "add these to the zh_CN catalog"
    assert translated - used == set(), "these catalog entries are no longer used"

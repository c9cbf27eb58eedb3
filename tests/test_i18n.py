"""Every UI string has a Chinese translation, and the catalog has no stale entries."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from guestgraph.web._i18n import CATALOG_DIR, DYNAMIC_MESSAGES
from guestgraph.web._nav import NAV

SRC = Path(__file__).parent.parent / "src" / "guestgraph"


def _used_messages() -> set[str]:
    method_map = [("**/templates/**.html", "jinja2")]
    found = {msg for _f, _l, msg, _c, _ctx in extract_from_dir(str(SRC / "web"), method_map)}
    return {m for m in found if isinstance(m, str)} | {item.label for item in NAV} | set(DYNAMIC_MESSAGES)


def test_every_ui_string_is_translated_to_chinese() -> None:
    with (CATALOG_DIR / "zh_CN" / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        catalog = read_po(fh, locale="zh_CN")
    translated = {m.id for m in catalog if m.id and m.string}
    used = _used_messages()
    assert len(used) > 30
    assert used - translated == set(), "add these to the zh_CN catalog"
    assert translated - used == set(), "these catalog entries are no longer used"

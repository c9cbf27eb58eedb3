"""The reply-template library (zh-CN and English) filled with the conversation's guest's fields."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from guestgraph import engage
from guestgraph.access import DataScope
from guestgraph.db.models import Guest, Hotel
from guestgraph.inbox._errors import InvalidMessage
from guestgraph.inbox._views import conversation_row

LANGS = ("zh", "en")


@dataclass(frozen=True)
class ReplyTemplate:
    key: str
    title: str
    text: str  # unfilled


@cache
def _shipped() -> list[dict[str, Any]]:
    text = resources.files("guestgraph.inbox").joinpath("reply_templates.yaml").read_text(encoding="utf-8")
    items: list[dict[str, Any]] = yaml.safe_load(text)
    for item in items:
        for lang in LANGS:
            engage.check_template(item[lang], f"reply {item['key']} ({lang})")
    return items


def _lang(lang: str) -> str:
    short = lang[:2].lower()
    return short if short in LANGS else "zh"


def reply_templates(lang: str) -> list[ReplyTemplate]:
    code = _lang(lang)
    return [ReplyTemplate(t["key"], t["title"][code], t[code]) for t in _shipped()]


def fill_template(
    session: Session, *, scope: DataScope, conversation_id: int, key: str, lang: str | None
) -> str:
    """The template in the guest's language (or `lang`), filled for this conversation's guest."""
    c = conversation_row(session, scope, conversation_id)
    found = next((t for t in _shipped() if t["key"] == key), None)
    if found is None:
        keys = ", ".join(t["key"] for t in _shipped())
        raise InvalidMessage(f"No reply template {key!r}.", hint=f"Use one of: {keys}.")
    guest = session.get(Guest, c.guest_id) if c.guest_id is not None else None
    code: engage.Lang = "zh" if _lang(lang or "") == "zh" else "en"
    if lang is None and guest is not None:
        code = engage.language_of(guest)
    if guest is not None:
        fields = engage.guest_fields(session, guest, lang=code, hotel_id=c.hotel_id, unsubscribe_url="")
    else:
        fields = engage.GuestFields("贵宾" if code == "zh" else "Guest", "", "", "", "", "", "", "")
    names = session.execute(select(Hotel.name_zh, Hotel.name_en).where(Hotel.id == c.hotel_id)).one()
    if not fields.hotel:
        fields = engage.GuestFields(**{**fields.__dict__, "hotel": names[0] if code == "zh" else names[1]})
    return engage.render("", found[code], fields, code).text

"""Loyalty programme extract: ``loyalty/members.jsonl``, one member per line, by member number."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from typing import Any

from guestgraph.demo._context import Context
from guestgraph.demo._dirt import MISSING_BIRTH_RATE, MISSING_EMAIL_RATE, STALE_PHONE_RATE, Dirt
from guestgraph.demo._people import Person
from guestgraph.demo._render import dirty_phone

TIER_ZH = {"silver": "银卡", "gold": "金卡", "platinum": "白金卡"}
LEGACY_TIER_RATE = 0.15  # members migrated from the old programme keep a Chinese tier label


def _iso(moment: datetime) -> str:
    return f"{moment:%Y-%m-%dT%H:%M:%S}+08:00"


def _name(d: Dirt, p: Person) -> tuple[str, str | None]:
    if p.kind == "mainland":
        return p.han_name, f"{p.lat_sur} {p.lat_given}"
    if p.kind == "hk_tw":
        return p.han_name, f"{p.lat_sur} {p.lat_given}"
    return d.latin(p.idx, p.latin_name), None


def _mobile(d: Dirt, p: Person) -> str:
    nat = p.mobile
    if p.old_mobile and d.hit(STALE_PHONE_RATE, p.idx, "outdated_phone"):
        nat = p.old_mobile
    return dirty_phone(d, p.idx, p.cc, nat, "e164")


def member_record(d: Dirt, p: Person, today: date) -> dict[str, Any]:
    rng = d.rng
    enrolled = datetime.combine(p.enrolled or today, time(8)) + timedelta(seconds=rng.randrange(14 * 3600))
    age = max(1, int((datetime.combine(today, time()) - enrolled).total_seconds()))
    updated = enrolled + timedelta(seconds=rng.randrange(age))
    tier = p.tier
    if rng.random() < LEGACY_TIER_RATE:
        tier = TIER_ZH[tier]
    name, name_pinyin = _name(d, p)
    birth = None if d.hit(MISSING_BIRTH_RATE, p.idx, "missing_birth_date") else p.birth.isoformat()
    return {
        "member_no": p.loyalty_no,
        "tier": tier,
        "name": name,
        "name_pinyin": name_pinyin,
        "gender": p.gender if rng.random() > 0.02 else None,
        "birth_date": birth,
        "mobile": _mobile(d, p),
        "email": d.blank(p.idx, p.email, MISSING_EMAIL_RATE, "missing_email") or None,
        "enrolled_at": _iso(enrolled),
        "home_city": p.city_zh if p.kind != "international" else p.city_en,
        "updated_at": _iso(updated),
    }


def write_loyalty(ctx: Context, people: Sequence[Person]) -> None:
    rel = "loyalty/members.jsonl"
    d = ctx.dirt("loyalty")
    members = sorted((p for p in people if p.loyalty_no), key=lambda p: p.loyalty_no)
    with ctx.path("loyalty", rel).open("w", encoding="utf-8", newline="\n") as fh:
        for p in members:
            fh.write(json.dumps(member_record(d, p, ctx.today), ensure_ascii=False) + "\n")
            ctx.truth.add("loyalty", rel, p.loyalty_no, p)
    ctx.records["loyalty"] += len(members)

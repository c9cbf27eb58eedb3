"""Schemes as data: a scheme's tiers (nights OR spend in the rolling 12 months) and earn rates per
outlet, loaded from a YAML file (`schemes.yaml` is the demo's and the format's example) and listed
for staff. A scheme names its hotels (a brand) or none (the whole group)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from guestgraph import audit
from guestgraph.access import DataScope, hotel_visible
from guestgraph.db.models import (
    Hotel,
    LoyaltyEarnRate,
    LoyaltyMember,
    LoyaltyScheme,
    LoyaltySchemeHotel,
    LoyaltyTier,
    MemberStatus,
    Outlet,
)
from guestgraph.errors import HotelNotFound
from guestgraph.loyalty._errors import SchemeInvalid, SchemeNotFound

DEFAULT_FILE = Path(__file__).with_name("schemes.yaml")
OUTLETS = tuple(o.value for o in Outlet)


@dataclass(frozen=True)
class TierRow:
    id: int
    code: str
    name_zh: str
    name_en: str
    rank: int
    min_nights: int
    min_spend: Decimal
    members: int = 0

    def name(self, locale: str) -> str:
        return self.name_zh if locale == "zh_CN" else self.name_en


@dataclass(frozen=True)
class SchemeRow:
    id: int
    code: str
    name_zh: str
    name_en: str
    currency: str
    expiry_months: int
    golden_number: bool
    hotel_codes: list[str]
    earn: dict[str, Decimal]
    tiers: list[TierRow] = field(default_factory=list)
    members: int = 0

    def name(self, locale: str) -> str:
        return self.name_zh if locale == "zh_CN" else self.name_en


def _need(raw: dict[str, Any], key: str, where: str) -> Any:
    if key not in raw or raw[key] in (None, ""):
        raise SchemeInvalid(f"{where} has no {key}.", hint=f"Add `{key}:` (see loyalty/schemes.yaml).")
    return raw[key]


def _decimal(value: Any, where: str) -> Decimal:
    try:
        number = Decimal(str(value))
    except InvalidOperation as e:
        raise SchemeInvalid(f"{where} is not a number: {value!r}.", hint="Write e.g. 8000 or 1.5.") from e
    if not number.is_finite() or number < 0:
        raise SchemeInvalid(f"{where} must be 0 or more.", hint="Write e.g. 8000 or 1.5.")
    return number


def _check_tiers(tiers: list[dict[str, Any]], where: str) -> None:
    if not tiers:
        raise SchemeInvalid(f"{where} has no tiers.", hint="Give at least the entry tier (rank 0).")
    ranks = [int(_need(t, "rank", f"{where}, a tier")) for t in tiers]
    codes = [str(_need(t, "code", f"{where}, a tier")) for t in tiers]
    if sorted(ranks) != list(range(len(ranks))):
        raise SchemeInvalid(
            f"{where}: tier ranks must be 0, 1, 2 … without gaps.", hint="Rank 0 is the entry."
        )
    if len(set(codes)) != len(codes):
        raise SchemeInvalid(f"{where}: two tiers share a code.", hint="Give each tier its own code.")
    entry = tiers[ranks.index(0)]
    if int(entry.get("min_nights") or 0) or _decimal(entry.get("min_spend") or 0, where):
        raise SchemeInvalid(f"{where}: the entry tier (rank 0) cannot have a threshold.", hint="Remove it.")


def _save_tiers(session: Session, scheme: LoyaltyScheme, tiers: list[dict[str, Any]], where: str) -> None:
    # ranks move through negative values first, so a re-ordering never meets the (scheme, rank) key
    session.execute(
        update(LoyaltyTier)
        .where(LoyaltyTier.scheme_id == scheme.id)
        .values(rank=-1 - LoyaltyTier.rank)
        .execution_options(synchronize_session="fetch")
    )
    existing = {
        t.code: t for t in session.scalars(select(LoyaltyTier).where(LoyaltyTier.scheme_id == scheme.id))
    }
    for raw in tiers:
        code = str(raw["code"])[:20]
        values = {
            "name_zh": str(_need(raw, "name_zh", f"{where}, tier {code}"))[:60],
            "name_en": str(_need(raw, "name_en", f"{where}, tier {code}"))[:60],
            "rank": int(raw["rank"]),
            "min_nights": int(raw.get("min_nights") or 0),
            "min_spend": _decimal(raw.get("min_spend") or 0, f"{where}, tier {code}, min_spend"),
            "labels": [str(v).strip().lower() for v in raw.get("labels") or []],
        }
        tier = existing.pop(code, None)
        if tier is None:
            session.add(LoyaltyTier(scheme_id=scheme.id, code=code, **values))
        else:
            for key, value in values.items():
                setattr(tier, key, value)
        session.flush()
    for gone in existing.values():
        in_use = session.scalar(select(func.count()).where(LoyaltyMember.tier_id == gone.id))
        if in_use:
            raise SchemeInvalid(
                f"{where}: tier {gone.code} is left out but {in_use} members hold it.",
                hint="Keep the tier (a new threshold moves them at the next evaluation).",
            )
        session.delete(gone)
    session.flush()


def _hotels(session: Session, codes: list[str], where: str) -> list[int]:
    found = dict(session.execute(select(Hotel.code, Hotel.id).where(Hotel.code.in_(codes))).all())
    missing = [c for c in codes if c not in found]
    if missing:
        raise HotelNotFound(
            f"{where}: no hotel {', '.join(missing)}.", hint="Use codes from the Hotels page."
        )
    return [found[c] for c in codes]


def save_scheme(session: Session, raw: dict[str, Any], *, now: datetime) -> LoyaltyScheme:
    """Create or update the scheme `raw['code']` with its hotels, earn rates and tiers; audited."""
    code = str(_need(raw, "code", "A scheme")).strip().upper()[:20]
    where = f"Scheme {code}"
    tiers = list(_need(raw, "tiers", where))
    _check_tiers(tiers, where)
    earn = dict(raw.get("earn") or {})
    unknown = set(earn) - set(OUTLETS)
    if unknown:
        raise SchemeInvalid(
            f"{where}: no outlet {', '.join(sorted(unknown))}.", hint="Use " + ", ".join(OUTLETS)
        )
    hotel_ids = _hotels(session, [str(c) for c in raw.get("hotels") or []], where)
    scheme = session.scalar(select(LoyaltyScheme).where(LoyaltyScheme.code == code))
    if scheme is None:
        scheme = LoyaltyScheme(code=code, created_at=now)
        session.add(scheme)
    scheme.name_zh = str(_need(raw, "name_zh", where))[:100]
    scheme.name_en = str(_need(raw, "name_en", where))[:100]
    scheme.currency = str(raw.get("currency") or "CNY").upper()[:3]
    scheme.expiry_months = int(raw.get("expiry_months") or 24)
    scheme.golden_number = bool(raw.get("golden_number"))
    scheme.updated_at = now
    session.flush()
    session.execute(delete(LoyaltySchemeHotel).where(LoyaltySchemeHotel.scheme_id == scheme.id))
    session.execute(delete(LoyaltyEarnRate).where(LoyaltyEarnRate.scheme_id == scheme.id))
    session.add_all(LoyaltySchemeHotel(scheme_id=scheme.id, hotel_id=h) for h in hotel_ids)
    session.add_all(
        LoyaltyEarnRate(
            scheme_id=scheme.id, outlet=Outlet(o), points_per_unit=_decimal(earn.get(o, 0), where)
        )
        for o in OUTLETS
    )
    _save_tiers(session, scheme, tiers, where)
    audit.log_event(session, "loyalty.scheme.save", object_type="loyalty_scheme", object_id=code)
    return scheme


def load_schemes(session: Session, path: Path = DEFAULT_FILE, *, now: datetime) -> list[str]:
    """Save every scheme of a YAML file; returns their codes."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as e:
        raise SchemeInvalid(f"Cannot read {path}: {e}", hint="Check the path and the YAML.") from e
    if not isinstance(data, dict) or not isinstance(data.get("schemes"), list):
        raise SchemeInvalid(f"{path} has no list `schemes:`.", hint="See loyalty/schemes.yaml.")
    return [save_scheme(session, dict(raw), now=now).code for raw in data["schemes"]]


def scheme_visible(scope: DataScope) -> Any:
    """A WHERE clause on `LoyaltyScheme`: group-wide, or valid at a hotel in scope."""
    if scope.is_group:
        return LoyaltyScheme.id.is_not(None)
    listed = select(LoyaltySchemeHotel.scheme_id)
    mine = (
        select(LoyaltySchemeHotel.scheme_id)
        .join(Hotel, Hotel.id == LoyaltySchemeHotel.hotel_id)
        .where(hotel_visible(scope))
    )
    return LoyaltyScheme.id.not_in(listed) | LoyaltyScheme.id.in_(mine)


def list_schemes(session: Session, *, scope: DataScope) -> list[SchemeRow]:
    """The schemes staff in `scope` work with, with tiers, earn rates and how many members hold each
    tier (counts only: no guest is named)."""
    schemes = list(
        session.scalars(select(LoyaltyScheme).where(scheme_visible(scope)).order_by(LoyaltyScheme.code))
    )
    ids = [s.id for s in schemes]
    hotels: dict[int, list[str]] = {}
    for scheme_id, code in session.execute(
        select(LoyaltySchemeHotel.scheme_id, Hotel.code)
        .join(Hotel, Hotel.id == LoyaltySchemeHotel.hotel_id)
        .where(LoyaltySchemeHotel.scheme_id.in_(ids))
        .order_by(Hotel.code)
    ):
        hotels.setdefault(scheme_id, []).append(code)
    rates: dict[int, dict[str, Decimal]] = {}
    for rate in session.scalars(select(LoyaltyEarnRate).where(LoyaltyEarnRate.scheme_id.in_(ids))):
        rates.setdefault(rate.scheme_id, {})[rate.outlet.value] = rate.points_per_unit
    held = dict(
        session.execute(
            select(LoyaltyMember.tier_id, func.count())
            .where(LoyaltyMember.scheme_id.in_(ids), LoyaltyMember.status == MemberStatus.ACTIVE)
            .group_by(LoyaltyMember.tier_id)
        ).all()
    )
    tiers: dict[int, list[TierRow]] = {}
    for t in session.scalars(
        select(LoyaltyTier).where(LoyaltyTier.scheme_id.in_(ids)).order_by(LoyaltyTier.rank)
    ):
        tiers.setdefault(t.scheme_id, []).append(
            TierRow(
                t.id, t.code, t.name_zh, t.name_en, t.rank, t.min_nights, t.min_spend, int(held.get(t.id, 0))
            )
        )
    return [
        SchemeRow(
            s.id,
            s.code,
            s.name_zh,
            s.name_en,
            s.currency,
            s.expiry_months,
            s.golden_number,
            hotels.get(s.id, []),
            {o: rates.get(s.id, {}).get(o, Decimal(0)) for o in OUTLETS},
            tiers.get(s.id, []),
            sum(t.members for t in tiers.get(s.id, [])),
        )  # fmt: skip
        for s in schemes
    ]


def load_scheme(session: Session, code: str) -> LoyaltyScheme:
    scheme = session.scalar(select(LoyaltyScheme).where(LoyaltyScheme.code == code.strip().upper()))
    if scheme is None:
        raise SchemeNotFound(f"No loyalty scheme {code!r}.", hint="See the schemes on the Loyalty page.")
    return scheme

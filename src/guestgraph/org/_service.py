"""Reading and loading the hotel group's structure."""

from __future__ import annotations

import json
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import ValidationError
from sqlalchemy import func, select, union
from sqlalchemy.orm import Session

from guestgraph.access import DataScope, hotel_visible
from guestgraph.db.models import Hotel, Region, SourceRecord, SourceSystem, Stay, StayGuest
from guestgraph.errors import HotelNotFound, InvalidInput
from guestgraph.org._schemas import GroupSpec, HotelPublic


def read_group_file(path: Path) -> GroupSpec:
    """Parse a `group.json`; errors name the file and the offending field."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return GroupSpec.model_validate(data)
    except FileNotFoundError as e:
        raise InvalidInput(
            f"Group file {path} does not exist.", hint="Generate one with `guestgraph demo-data`."
        ) from e
    except json.JSONDecodeError as e:
        raise InvalidInput(f"{path}, line {e.lineno}, column {e.colno}: not valid JSON ({e.msg}).") from e
    except ValidationError as e:
        first = e.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise InvalidInput(
            f"{path}: field {where}: {first['msg']}.", hint="Fix that field and load again."
        ) from e


def load_group(session: Session, spec: GroupSpec) -> dict[str, int]:
    """Create or update regions, hotels and source systems from `spec`; returns counts created."""
    regions = _upsert_regions(session, spec)
    hotels = _upsert_hotels(session, spec, regions)
    systems = _upsert_source_systems(session, spec)
    session.flush()
    return {"regions": len(spec.regions), "hotels": hotels, "source_systems": systems}


def _upsert_regions(session: Session, spec: GroupSpec) -> dict[str, Region]:
    by_code = {r.code: r for r in session.scalars(select(Region))}
    for item in spec.regions:
        region = by_code.get(item.code) or Region(code=item.code)
        region.name_zh, region.name_en = item.name_zh, item.name_en
        session.add(region)
        by_code[item.code] = region
    session.flush()
    return by_code


def _upsert_hotels(session: Session, spec: GroupSpec, regions: dict[str, Region]) -> int:
    by_code = {h.code: h for h in session.scalars(select(Hotel))}
    created = 0
    for item in spec.hotels:
        if item.region not in regions:
            raise InvalidInput(
                f"Hotel {item.code} names region {item.region!r}, which the group file does not define.",
                hint=f"Add it to regions or use one of: {', '.join(sorted(regions))}.",
            )
        _check_timezone(item.code, item.timezone)
        hotel = by_code.get(item.code)
        if hotel is None:
            hotel, created = Hotel(code=item.code), created + 1
        hotel.region = regions[item.region]
        for attr in ("name_zh", "name_en", "city_zh", "city_en", "timezone", "currency", "rooms", "pms_feed"):
            setattr(hotel, attr, getattr(item, attr))
        session.add(hotel)
    return created


def _check_timezone(code: str, tz: str) -> None:
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError) as e:
        raise InvalidInput(
            f"Hotel {code}: timezone {tz!r} is not an IANA time zone.",
            hint="Use a name such as Asia/Shanghai.",
        ) from e


def _upsert_source_systems(session: Session, spec: GroupSpec) -> int:
    by_code = {s.code: s for s in session.scalars(select(SourceSystem))}
    created = 0
    for item in spec.source_systems:
        system = by_code.get(item.code)
        if system is None:
            system, created = SourceSystem(code=item.code), created + 1
        system.kind, system.trust_rank = item.kind, item.trust_rank
        system.name_zh, system.name_en = item.name_zh, item.name_en
        session.add(system)
    return created


def list_hotels(session: Session, *, scope: DataScope) -> list[HotelPublic]:
    """The hotels in scope with their guest and stay counts, ordered by region and code."""
    stays = select(Stay.hotel_id, func.count().label("n")).group_by(Stay.hotel_id).subquery()
    seen = union(
        select(Stay.hotel_id, StayGuest.guest_id).join(StayGuest, StayGuest.stay_id == Stay.id),
        select(SourceRecord.hotel_id, SourceRecord.guest_id).where(SourceRecord.guest_id.is_not(None)),
    ).subquery()
    guests = select(seen.c.hotel_id, func.count().label("g")).group_by(seen.c.hotel_id).subquery()
    rows = session.execute(
        select(Hotel, Region, func.coalesce(stays.c.n, 0), func.coalesce(guests.c.g, 0))
        .join(Region, Hotel.region_id == Region.id)
        .join(stays, stays.c.hotel_id == Hotel.id, isouter=True)
        .join(guests, guests.c.hotel_id == Hotel.id, isouter=True)
        .where(hotel_visible(scope))
        .order_by(Region.code, Hotel.code)
    ).all()
    return [_hotel_public(h, r, n_stays, n_guests) for h, r, n_stays, n_guests in rows]


def get_hotel(session: Session, *, scope: DataScope, code: str) -> HotelPublic:
    for hotel in list_hotels(session, scope=scope):
        if hotel.code == code:
            return hotel
    raise HotelNotFound(
        f"No hotel with code {code!r} in your data scope.", hint="See the hotel list for valid codes."
    )


def _hotel_public(hotel: Hotel, region: Region, stays: int, guests: int) -> HotelPublic:
    return HotelPublic(
        code=hotel.code,
        name_zh=hotel.name_zh,
        name_en=hotel.name_en,
        region_code=region.code,
        region_name_zh=region.name_zh,
        region_name_en=region.name_en,
        city_zh=hotel.city_zh,
        city_en=hotel.city_en,
        timezone=hotel.timezone,
        currency=hotel.currency,
        rooms=hotel.rooms,
        pms_feed=hotel.pms_feed,
        guests=guests,
        stays=stays,
    )


def group_is_loaded(session: Session) -> bool:
    return session.scalar(select(func.count()).select_from(Hotel)) != 0

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from guestgraph import org
from guestgraph.access import DataScope
from guestgraph.db.models import Hotel, Region, SourceSystem
from guestgraph.errors import HotelNotFound, InvalidInput
from tests.factories import make_guest, make_stay


def test_demo_group_loads_regions_hotels_and_sources(session: Session, group_spec: org.GroupSpec) -> None:
    counts = org.load_group(session, group_spec)
    assert counts["hotels"] == len(group_spec.hotels) and 6 <= counts["hotels"] <= 12
    assert 2 <= session.scalar(select(func.count()).select_from(Region)) <= 3
    assert session.scalar(select(func.count()).select_from(SourceSystem)) == len(group_spec.source_systems)
    assert org.group_is_loaded(session)


def test_loading_twice_changes_nothing(session: Session, group_spec: org.GroupSpec) -> None:
    org.load_group(session, group_spec)
    again = org.load_group(session, group_spec)
    assert again["hotels"] == 0 and again["source_systems"] == 0
    assert session.scalar(select(func.count()).select_from(Hotel)) == len(group_spec.hotels)


def test_hotels_are_listed_in_scope_with_their_counts(demo_group: Session, group_spec: org.GroupSpec) -> None:
    session = demo_group
    first, second = group_spec.hotels[0], group_spec.hotels[-1]
    guest = make_guest(session)
    make_stay(session, first.code, guest)
    make_stay(session, first.code, guest)
    everything = {h.code: h for h in org.list_hotels(session, scope=DataScope.group())}
    assert (everything[first.code].stays, everything[first.code].guests) == (2, 1)
    assert (everything[second.code].stays, everything[second.code].guests) == (0, 0)

    region_id = session.scalar(select(Region.id).where(Region.code == first.region))
    assert region_id is not None
    in_region = org.list_hotels(session, scope=DataScope.region(region_id))
    assert {h.code for h in in_region} == {h.code for h in group_spec.hotels if h.region == first.region}

    one = session.scalar(select(Hotel.id).where(Hotel.code == second.code))
    assert one is not None
    assert [h.code for h in org.list_hotels(session, scope=DataScope.hotels(one))] == [second.code]
    with pytest.raises(HotelNotFound):
        org.get_hotel(session, scope=DataScope.hotels(one), code=first.code)


def _write(tmp_path: Path, data: object) -> Path:
    path = tmp_path / "group.json"
    path.write_text(json.dumps(data) if not isinstance(data, str) else data, encoding="utf-8")
    return path


def test_group_file_errors_name_the_field_and_line(tmp_path: Path, group_spec: org.GroupSpec) -> None:
    with pytest.raises(InvalidInput, match=r"line 2, column"):
        org.read_group_file(_write(tmp_path, '{"group":\n  oops}'))
    broken = group_spec.model_dump(mode="json")
    broken["hotels"][1]["currency"] = "RENMINBI"
    with pytest.raises(InvalidInput, match=r"hotels\.1\.currency"):
        org.read_group_file(_write(tmp_path, broken))
    with pytest.raises(InvalidInput, match="does not exist"):
        org.read_group_file(tmp_path / "missing.json")


def test_unknown_region_and_bad_timezone_are_refused(session: Session, group_spec: org.GroupSpec) -> None:
    bad_region = group_spec.model_copy(deep=True)
    bad_region.hotels[0].region = "MARS"
    with pytest.raises(InvalidInput, match="MARS"):
        org.load_group(session, bad_region)
    session.rollback()
    bad_tz = group_spec.model_copy(deep=True)
    bad_tz.hotels[0].timezone = "China/Beijing"
    with pytest.raises(InvalidInput, match="IANA"):
        org.load_group(session, bad_tz)

"""Business-time arithmetic for SLA clocks: hand-worked cases (before, inside and after hours,
across midnight, windows spanning midnight, round the clock, DST) and hypothesis properties."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from guestgraph.service import BusinessHours, InvalidServiceInput, add_business_minutes

SH = ZoneInfo("Asia/Shanghai")
DAY = BusinessHours("Asia/Shanghai", "08:00", "22:00")


def sh(*args: int) -> datetime:
    return datetime(*args, tzinfo=SH)  # type: ignore[misc]


@pytest.mark.parametrize(
    ("start", "minutes", "due"),
    [
        (sh(2026, 11, 23, 10, 0), 30, sh(2026, 11, 23, 10, 30)),  # inside hours
        (sh(2026, 11, 23, 6, 0), 30, sh(2026, 11, 23, 8, 30)),  # before opening: the clock starts at 08:00
        (sh(2026, 11, 23, 21, 50), 30, sh(2026, 11, 24, 8, 20)),  # 10 min today, 20 tomorrow: across midnight
        (sh(2026, 11, 23, 23, 30), 30, sh(2026, 11, 24, 8, 30)),  # after closing
        (sh(2026, 11, 23, 0, 30), 30, sh(2026, 11, 23, 8, 30)),  # after midnight, before opening
        (sh(2026, 11, 23, 10, 0), 24 * 60, sh(2026, 11, 24, 20, 0)),  # 24 business hours: 12 + 12
        (sh(2026, 11, 23, 23, 0), 0, sh(2026, 11, 24, 8, 0)),  # zero minutes: the next open moment
        (sh(2026, 11, 23, 22, 0), 0, sh(2026, 11, 23, 22, 0)),  # closing time itself is within hours
    ],
)
def test_due_times_in_business_hours(start: datetime, minutes: int, due: datetime) -> None:
    assert add_business_minutes(start.astimezone(UTC), minutes, DAY) == due


def test_the_hotel_time_zone_decides_not_utc() -> None:
    paris = BusinessHours("Europe/Paris", "08:00", "22:00")
    start = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)  # 14:00 in Shanghai, 07:00 in Paris
    assert add_business_minutes(start, 60, DAY) == datetime(2026, 11, 23, 7, 0, tzinfo=UTC)
    assert add_business_minutes(start, 60, paris) == datetime(2026, 11, 23, 8, 0, tzinfo=UTC)  # 09:00 Paris


def test_a_window_spanning_midnight() -> None:
    night = BusinessHours("Asia/Shanghai", "20:00", "02:00")
    assert add_business_minutes(sh(2026, 11, 23, 23, 30), 60, night) == sh(2026, 11, 24, 0, 30)
    assert add_business_minutes(sh(2026, 11, 24, 1, 30), 60, night) == sh(2026, 11, 24, 20, 30)
    assert add_business_minutes(sh(2026, 11, 24, 12, 0), 0, night) == sh(2026, 11, 24, 20, 0)


def test_round_the_clock_is_wall_time_and_dst_is_real_time() -> None:
    always = BusinessHours("Europe/Paris", "00:00", "24:00")
    start = datetime(2026, 3, 28, 12, 0, tzinfo=UTC)  # clocks go forward on 29 March
    assert add_business_minutes(start, 24 * 60, always) == start + timedelta(hours=24)


def test_invalid_hours_are_refused() -> None:
    with pytest.raises(InvalidServiceInput):
        BusinessHours("Mars/Olympus")
    with pytest.raises(InvalidServiceInput):
        BusinessHours("Asia/Shanghai", "08:00", "08:00")
    with pytest.raises(InvalidServiceInput):
        BusinessHours.parse("Asia/Shanghai", "8-22:00")
    with pytest.raises(InvalidServiceInput):
        add_business_minutes(datetime(2026, 1, 1), 5, DAY)  # naive


ZONES = st.sampled_from(
    ["Asia/Shanghai", "Europe/Paris", "America/New_York", "Asia/Kolkata", "Pacific/Auckland"]
)
CLOCK = st.integers(0, 23).map(lambda h: f"{h:02d}:00") | st.sampled_from(["07:30", "24:00"])


@settings(max_examples=300, deadline=None)
@given(
    zone=ZONES,
    opens=CLOCK,
    closes=CLOCK,
    start=st.datetimes(datetime(2025, 1, 1), datetime(2028, 1, 1)).map(lambda d: d.replace(tzinfo=UTC)),
    minutes=st.integers(0, 5 * 24 * 60),
)
def test_due_is_never_before_creation_and_always_within_business_hours(
    zone: str, opens: str, closes: str, start: datetime, minutes: int
) -> None:
    if opens == "24:00" or (opens == closes):
        return
    hours = BusinessHours(zone, opens, closes)
    due = add_business_minutes(start, minutes, hours)
    assert due >= start + (timedelta(minutes=minutes) if hours.span == timedelta(days=1) else timedelta(0))
    assert due >= start
    assert hours.contains(due), (due.astimezone(ZoneInfo(zone)), opens, closes)
    # more minutes never give an earlier due time
    assert add_business_minutes(start, minutes + 1, hours) > due

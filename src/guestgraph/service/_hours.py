"""Business-time arithmetic for SLA clocks: minutes count only inside a hotel's daily service window,
in the hotel's own time zone. A window may span midnight (closes before it opens) or the whole day
(00:00-24:00). All arithmetic is done on UTC instants, so DST changes cost or give an hour of wall
time exactly as the clock on the wall does."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from guestgraph.service._errors import InvalidServiceInput

MAX_DAYS = 3660  # no SLA runs for ten years; guards against an empty window looping for ever


def _minutes(text: str) -> int:
    try:
        hours, minutes = (int(part) for part in text.split(":"))
    except ValueError as e:
        raise InvalidServiceInput(f"Not a time of day: {text!r}.", hint="Write HH:MM, e.g. 08:00.") from e
    if not (0 <= hours <= 24 and 0 <= minutes < 60) or hours * 60 + minutes > 1440:
        raise InvalidServiceInput(f"Not a time of day: {text!r}.", hint="Write HH:MM from 00:00 to 24:00.")
    return hours * 60 + minutes


@dataclass(frozen=True)
class BusinessHours:
    """A daily service window in local wall time, e.g. 08:00-22:00 in Asia/Shanghai."""

    timezone: str
    opens: str = "08:00"
    closes: str = "22:00"

    def __post_init__(self) -> None:
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError) as e:
            raise InvalidServiceInput(
                f"Unknown time zone {self.timezone!r}.", hint="Use an IANA name such as Asia/Shanghai."
            ) from e
        if _minutes(self.opens) == _minutes(self.closes) or _minutes(self.opens) == 1440:
            raise InvalidServiceInput(
                f"Business hours {self.opens}-{self.closes} are empty.", hint="Use 00:00-24:00 for all day."
            )

    @classmethod
    def parse(cls, timezone: str, window: str) -> BusinessHours:
        opens, _, closes = window.partition("-")
        return cls(timezone, opens.strip(), closes.strip())

    @property
    def span(self) -> timedelta:
        length = (_minutes(self.closes) - _minutes(self.opens)) % 1440
        return timedelta(minutes=length or 1440)

    def window(self, day: date) -> tuple[datetime, datetime]:
        """The service window that opens on local `day`, as UTC instants."""
        tz = ZoneInfo(self.timezone)
        local_open = datetime.combine(day, time(0)) + timedelta(minutes=_minutes(self.opens))
        opens = local_open.replace(tzinfo=tz).astimezone(UTC)
        closes = (local_open + self.span).replace(tzinfo=tz).astimezone(UTC)
        return opens, max(opens, closes)

    def contains(self, moment: datetime) -> bool:
        """Whether `moment` is inside a service window (window ends included)."""
        day = moment.astimezone(ZoneInfo(self.timezone)).date()
        for offset in (-1, 0):
            opens, closes = self.window(day + timedelta(days=offset))
            if opens <= moment <= closes:
                return True
        return False


def add_business_minutes(start: datetime, minutes: int, hours: BusinessHours) -> datetime:
    """The instant `minutes` of business time after `start` (an aware datetime); 0 minutes gives
    the next moment the hotel is open (or `start` itself when it is open)."""
    if start.tzinfo is None:
        raise InvalidServiceInput("SLA clocks need an aware start time.", hint="Pass a UTC datetime.")
    if minutes < 0:
        raise InvalidServiceInput(f"Negative SLA minutes: {minutes}.", hint="Use 0 or more.")
    current = start.astimezone(UTC)
    remaining = timedelta(minutes=minutes)
    day = current.astimezone(ZoneInfo(hours.timezone)).date() - timedelta(days=1)
    for _ in range(MAX_DAYS):
        opens, closes = hours.window(day)
        day += timedelta(days=1)
        if closes <= current and not (remaining == timedelta(0) and closes == current):
            continue
        begin = max(current, opens)
        if remaining <= closes - begin:
            return begin + remaining
        remaining -= closes - begin
        current = closes
    raise InvalidServiceInput(f"An SLA of {minutes} minutes is too long.", hint="Use under ten years.")

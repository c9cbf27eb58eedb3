"""What the journey worker needs from the settings, as one value passed in: the engage policy (SMTP,
frequency cap, unsubscribe links), quiet hours, the fallback time zone, batch size and claim lease."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from guestgraph.config import Settings
from guestgraph.engage import EngagePolicy


@dataclass(frozen=True)
class QuietHours:
    """Local wall-clock hours in which no message is sent; `end` before `start` spans midnight."""

    start: time
    end: time

    @classmethod
    def parse(cls, window: str) -> QuietHours:
        start, end = window.split("-")
        return cls(time.fromisoformat(start), time.fromisoformat(end))

    def _inside(self, t: time) -> bool:
        if self.start == self.end:
            return False
        if self.start < self.end:
            return self.start <= t < self.end
        return t >= self.start or t < self.end

    def resume_at(self, now: datetime, zone: str) -> datetime | None:
        """None outside quiet hours; otherwise when they end (in UTC, as `now`)."""
        local = now.astimezone(ZoneInfo(zone))
        if not self._inside(local.time()):
            return None
        end = local.replace(hour=self.end.hour, minute=self.end.minute, second=0, microsecond=0)
        if end <= local:
            end += timedelta(days=1)
        return end.astimezone(now.tzinfo)


@dataclass(frozen=True)
class JourneyPolicy:
    engage: EngagePolicy
    quiet_hours: QuietHours
    timezone: str  # for guests with no hotel to take the local time from
    batch: int = 200
    lease: timedelta = timedelta(minutes=15)
    default_hours: str = "08:00-22:00"  # business hours for the SLA of tasks created by journeys
    survey_valid_for: timedelta = timedelta(days=30)  # how long a survey sent by a journey stays open

    @classmethod
    def from_settings(cls, settings: Settings) -> JourneyPolicy:
        return cls(
            engage=EngagePolicy.from_settings(settings),
            quiet_hours=QuietHours.parse(settings.journey_quiet_hours),
            timezone=settings.journey_timezone,
            batch=settings.journey_batch,
            default_hours=settings.service_hours_default,
            survey_valid_for=timedelta(days=settings.survey_valid_days),
        )

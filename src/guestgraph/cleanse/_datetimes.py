"""Timestamps with an explicit offset; a timestamp without one needs the caller's zone."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta, timezone, tzinfo

from guestgraph.cleanse._dates import SPLIT, parse_date_part
from guestgraph.cleanse._errors import CleanseError
from guestgraph.cleanse._text import prepare, require, show

_WHAT = "timestamp"
_HINT = "Write timestamps as 2024-05-01T14:30:00+08:00 (SiteMinder's +0800 and a trailing Z are fine too)."
_TIME = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?", re.ASCII)
_ISO_SHAPE = re.compile(r"\d{4}-?\d{2}-?\d{2}(?:[T ]\d.*)?", re.ASCII)
_OFFSET = re.compile(r"([+-])(\d{2}):?(\d{2})?", re.ASCII)


def parse_datetime(raw: str, *, assume_tz: tzinfo | None = None, day_first: bool = False) -> datetime:
    """``raw`` as an aware datetime.

    Offsets may be written ``+07:00``, ``+0700`` (SiteMinder), ``+07`` or ``Z``. A value without an
    offset is never silently taken as UTC: it is read in ``assume_tz`` when the caller passes one
    (the hotel's zone, typically) and is an error otherwise. A date alone means its midnight.
    """
    text = require(prepare(raw, what=_WHAT, hint=_HINT), what=_WHAT, hint=_HINT)
    parsed = _fast(text) or _slow(text, day_first=day_first)
    if parsed.tzinfo is not None:
        return parsed
    if assume_tz is None:
        raise CleanseError(
            f"The timestamp {show(text)} has no UTC offset, so the moment it names is unknown.",
            hint="Send the offset (…+08:00), or pass assume_tz= the zone the source system writes in.",
            what=_WHAT,
        )
    return parsed.replace(tzinfo=assume_tz)


def _fast(text: str) -> datetime | None:
    if not _ISO_SHAPE.fullmatch(text):
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def _slow(text: str, *, day_first: bool) -> datetime:
    split = SPLIT.fullmatch(text)
    if split is None:
        raise CleanseError(f"The timestamp {show(text)} is not a date and time.", hint=_HINT, what=_WHAT)
    day = parse_date_part(split["date"], shown=text, day_first=day_first)
    clock = _clock(split["time"], split["ampm"], text) if split["time"] else time()
    zone = _zone(split["tz"], text) if split["tz"] else None
    return datetime.combine(day, clock, tzinfo=zone)


def _clock(written: str, ampm: str | None, shown: str) -> time:
    match = _TIME.fullmatch(written)
    assert match is not None  # SPLIT only lets such times through
    hour, minute = int(match[1]), int(match[2])
    second = int(match[3] or 0)
    micro = int((match[4] or "0")[:6].ljust(6, "0"))
    if ampm:
        if not 1 <= hour <= 12:
            raise CleanseError(
                f"The timestamp {show(shown)} has hour {hour} with AM/PM.", hint=_HINT, what=_WHAT
            )
        hour = hour % 12 + (12 if ampm[0] in "Pp" else 0)
    try:
        return time(hour, minute, second, micro)
    except ValueError as e:
        raise CleanseError(
            f"The timestamp {show(shown)} has no such time of day ({e}).", hint=_HINT, what=_WHAT
        ) from e


def _zone(written: str, shown: str) -> tzinfo:
    match = _OFFSET.fullmatch(written)
    if match is None:  # Z, UTC, GMT
        return UTC
    minutes = int(match[2]) * 60 + int(match[3] or 0)
    if int(match[3] or 0) >= 60 or minutes >= 24 * 60:
        raise CleanseError(
            f"The timestamp {show(shown)} has an impossible offset {written}.", hint=_HINT, what=_WHAT
        )
    return timezone(timedelta(minutes=-minutes if match[1] == "-" else minutes))

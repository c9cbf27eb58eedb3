"""Calendar dates in the spellings hotel systems export, dispatched by regex (no dateutil).

Supported: 2024-05-01, 2024/5/1, 2024.5.1, 20240501, 2024年5月1日, 01/05/2024 and 5/1/2024
(month first unless ``day_first``), 01-MAY-24 and 1 May 2024 (Opera), May 1, 2024, each
optionally followed by a time of day (ignored) and an offset.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

from guestgraph.cleanse._errors import CleanseError
from guestgraph.cleanse._text import prepare, require, show

_WHAT = "date"
HINT = "Write dates as 2024-05-01."
_A = re.ASCII
_ISO = re.compile(r"\d{4}-\d{2}-\d{2}", _A)
SPLIT = re.compile(
    r"(?P<date>.+?)(?:(?:T|\s+)(?P<time>\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d{1,9})?)?)\s*"
    r"(?P<ampm>[AaPp]\.?[Mm]\.?)?\s*(?P<tz>Z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)?)?",
    _A,
)
_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",),
            ("jun", "june"), ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"),
            ("oct", "october"), ("nov", "november"), ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}  # fmt: skip

_MON = "(?P<mon>" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + ")"
Builder = Callable[["re.Match[str]", bool], tuple[int, int, int]]


def _ymd(m: re.Match[str], _: bool) -> tuple[int, int, int]:
    return int(m["y"]), int(m["m"]), int(m["d"])


def _dmy_or_mdy(m: re.Match[str], day_first: bool) -> tuple[int, int, int]:
    a, b = int(m["a"]), int(m["b"])
    return (int(m["y"]), b, a) if day_first else (int(m["y"]), a, b)


def _named(m: re.Match[str], _: bool) -> tuple[int, int, int]:
    month = _MONTHS[m["mon"].lower()]
    year = int(m["y"])
    if len(m["y"]) == 2:  # strptime's %y pivot: 69-99 -> 1900s, 00-68 -> 2000s
        year += 1900 if year >= 69 else 2000
    return year, month, int(m["d"])


_FORMS: tuple[tuple[re.Pattern[str], Builder], ...] = (
    (re.compile(r"(?P<y>\d{4})(?P<s>[-/.])(?P<m>\d{1,2})(?P=s)(?P<d>\d{1,2})", _A), _ymd),
    (re.compile(r"(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})", _A), _ymd),
    (re.compile(r"(?P<y>\d{4})\s*年\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*[日号]?", _A), _ymd),
    (re.compile(r"(?P<a>\d{1,2})(?P<s>[-/.])(?P<b>\d{1,2})(?P=s)(?P<y>\d{4})", _A), _dmy_or_mdy),
    (re.compile(r"(?P<d>\d{1,2})[-\s]?" + _MON + r"\.?[-\s]?(?P<y>\d{4}|\d{2})", _A | re.I), _named),
    (re.compile(_MON + r"\.?\s*(?P<d>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<y>\d{4})", _A | re.I), _named),
)


def parse_date(raw: str, *, day_first: bool = False) -> date:
    """``raw`` as a date; a time of day after it is ignored.

    ``01/05/2024`` is read month first (January 5) unless ``day_first`` is True. The order is never
    guessed per value: a file that writes days first must say so, and a value that only makes sense
    the other way round is an error whose hint says to pass ``day_first``.
    """
    if type(raw) is str and _ISO.fullmatch(raw):
        try:
            return date.fromisoformat(raw)
        except ValueError:
            pass  # fall through to the message of the slow path
    text = require(prepare(raw, what=_WHAT, hint=HINT), what=_WHAT, hint=HINT)
    split = SPLIT.fullmatch(text)
    return parse_date_part(split["date"] if split else text, shown=text, day_first=day_first)


def parse_date_part(text: str, *, shown: str, day_first: bool) -> date:
    """The date written in ``text`` (no time part); ``shown`` is the whole value for messages."""
    for pattern, build in _FORMS:
        match = pattern.fullmatch(text)
        if match:
            return _make(build(match, day_first), match, shown=shown, day_first=day_first)
    raise CleanseError(
        f"The date {show(shown)} is not a date in any form we read.",
        hint=HINT + " Other accepted forms: 2024/5/1, 20240501, 2024年5月1日, 05/01/2024, 01-MAY-24.",
        what=_WHAT,
    )


def _make(ymd: tuple[int, int, int], match: re.Match[str], *, shown: str, day_first: bool) -> date:
    try:
        return date(*ymd)
    except ValueError as e:
        hint = HINT
        if "a" in match.re.groupindex:
            swapped = _dmy_or_mdy(match, not day_first)
            if _exists(swapped):
                order = "day first" if not day_first else "month first"
                hint += (
                    f" It is valid read {order}: pass day_first={not day_first} if the file writes dates so."
                )
        raise CleanseError(f"The date {show(shown)} does not exist ({e}).", hint=hint, what=_WHAT) from e


def _exists(ymd: tuple[int, int, int]) -> bool:
    try:
        date(*ymd)
    except ValueError:
        return False
    return True


def plausible_birth_date(d: date, *, today: date) -> bool:
    """True when ``d`` is not after ``today`` and gives an age of at most 120 years."""
    if d > today:
        return False
    age = today.year - d.year - ((today.month, today.day) < (d.month, d.day))
    return age <= 120

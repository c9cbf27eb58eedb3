"""OTA review exports without the database: review profiles (YAML in review_profiles/, like the
ingest mapping profiles: export column -> review field or sub-score aspect), finding the header row,
and checking each data row into a review or the list of its problems (row number, field, what, how
to fix). Scores are kept as given and mapped onto the survey's CSAT scale (1-5): linearly from
1..scale, half up. Never raises on a row."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from guestgraph import ingest
from guestgraph.errors import ConfigurationError

PROFILE_DIR = Path(__file__).parent / "review_profiles"
FIELDS = frozenset({"external_id", "reviewed_on", "score", "reviewer", "booking_ref", "comment", "hotel"})
REQUIRED = ("external_id", "reviewed_on", "score")
SCALES = (5, 10)
HEADER_ROWS = 15
MAX_COMMENT = 8000
MAX_EXTERNAL_ID = 100
MAX_BOOKING_REF = 64
MAX_REVIEWER = 100
ASPECT = re.compile(r"^[a-z_]{1,20}$")
ISO_DAY = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})")


@dataclass(frozen=True)
class ReviewProfile:
    """An OTA export's columns: export column -> review field (several columns may feed `comment`,
    joined in the file's order) and export column -> sub-score aspect."""

    name: str
    channel: str
    scale: int
    columns: dict[str, str]
    aspects: dict[str, str] = field(default_factory=dict)
    date_formats: tuple[str, ...] = ()
    description: str = ""

    def fits(self, cells: list[str]) -> bool:
        """A header row: it has a column for every required field."""
        present = {self.columns[c] for c in cells if c in self.columns}
        return all(f in present for f in REQUIRED)


def parse_review_profile(doc: Any, *, where: str) -> ReviewProfile:
    try:
        columns = {str(k): str(v) for k, v in doc["columns"].items()}
        aspects = {str(k): str(v) for k, v in (doc.get("aspects") or {}).items()}
        profile = ReviewProfile(
            name=str(doc["name"]),
            channel=str(doc["channel"]),
            scale=int(doc["scale"]),
            columns=columns,
            aspects=aspects,
            date_formats=tuple(str(f) for f in doc.get("date_formats", ())),
            description=str(doc.get("description", "")),
        )
    except (KeyError, TypeError, ValueError, AttributeError) as e:
        raise ConfigurationError(
            f"{where}: review profile is incomplete or malformed ({e!r}).",
            hint="A review profile needs name, channel, scale (5 or 10) and columns.",
        ) from e
    bad = sorted(set(columns.values()) - FIELDS) + sorted(a for a in aspects.values() if not ASPECT.match(a))
    missing = [f for f in REQUIRED if f not in columns.values()]
    if bad or missing or profile.scale not in SCALES:
        raise ConfigurationError(
            f"{where}: unknown field(s) {bad}, missing {missing}, or scale {profile.scale} not 5 or 10.",
            hint=f"Fields: {', '.join(sorted(FIELDS))}; aspects: lower-case words (cleanliness, service...).",
        )
    return profile


def load_review_profile(path: Path) -> ReviewProfile:
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as e:
        raise ConfigurationError(f"Cannot read review profile {path}: {e}") from e
    return parse_review_profile(doc, where=str(path))


@cache
def review_profiles() -> dict[str, ReviewProfile]:
    """The shipped review profiles by name."""
    found = [load_review_profile(p) for p in sorted(PROFILE_DIR.glob("*.yaml"))]
    return {p.name: p for p in found}


def review_sources() -> list[str]:
    """The OTA channels a shipped profile reads."""
    return sorted({p.channel for p in review_profiles().values()})


# --- reading and checking rows (no database) -------------------------------------------------------


@dataclass(frozen=True)
class RowProblem:
    """Why one row was not imported: where (row number in the file, field), what, how to fix."""

    row: int
    field: str
    problem: str
    fix: str

    def __str__(self) -> str:
        return f"row {self.row}, {self.field}: {self.problem}. {self.fix}"


@dataclass(frozen=True)
class ParsedReview:
    row: int
    external_id: str
    reviewed_on: date
    score: Decimal
    csat: int
    reviewer: str | None
    booking_ref: str | None
    comment: str | None
    hotel_code: str | None
    aspects: dict[str, Decimal]


@dataclass
class ReviewReading:
    """The profile and header found; `rows()` yields each data row parsed or its problems."""

    profile: ReviewProfile
    header_row: int
    header: list[str]
    rest: Iterator[tuple[int, list[str | None]]]
    today: date
    blank_rows: int = 0

    def rows(self) -> Iterator[ParsedReview | list[RowProblem]]:
        for line, cells in self.rest:
            if not any(c is not None and str(c).strip() for c in cells):
                self.blank_rows += 1
                continue
            yield parse_row(self.profile, self.header, line, cells, today=self.today)


def open_reviews(
    rows: Iterable[tuple[int, list[str | None]]],
    profiles: list[ReviewProfile],
    *,
    source: str,
    today: date,
) -> ReviewReading:
    """Find the header (within the first rows) and the profile it fits; ReaderError if none."""
    it = iter(rows)
    for _ in range(HEADER_ROWS):
        try:
            line, cells = next(it)
        except StopIteration:
            break
        header = [(c or "").strip() for c in cells]
        for profile in profiles:
            if profile.fits(header):
                return ReviewReading(profile, line, header, it, today)
    wanted = ", ".join(c for p in profiles[:1] for c, f in p.columns.items() if f in REQUIRED)
    raise ingest.ReaderError(
        f"no header row with the review columns in the first {HEADER_ROWS} rows",
        source=source,
        location="header",
        fix=f"Export the reviews again with columns such as {wanted}, or pass the profile for this export.",
    )


def _text(value: str | None) -> str:
    return unicodedata.normalize("NFKC", value or "").strip()


def parse_number(value: str | None) -> Decimal | None:
    """4.5, 4,5 (decimal comma), 8.3/10, 4.5分, 9 points -> Decimal; None when not a number."""
    t = _text(value)
    t = re.sub(r"\s*(分|points?|pts?)$", "", t, flags=re.IGNORECASE)
    t = re.sub(r"\s*/\s*(5|10)$", "", t)
    if re.fullmatch(r"\d{1,2},\d{1,2}", t):
        t = t.replace(",", ".")
    if not re.fullmatch(r"\d{1,2}(\.\d{1,2})?", t):
        return None
    try:
        return Decimal(t)
    except InvalidOperation:  # pragma: no cover - the pattern admits only numbers
        return None


def to_csat(score: Decimal, scale: int) -> int:
    """A score out of `scale` (1..scale) on the survey's 1-5 CSAT scale, linearly, half up."""
    mapped = 1 + (score - 1) * 4 / Decimal(scale - 1)
    return max(1, min(5, int(mapped.quantize(Decimal(1), rounding=ROUND_HALF_UP))))


def parse_day(value: str | None, formats: tuple[str, ...]) -> date | None:
    t = _text(value)
    for fmt in formats:
        try:
            return datetime.strptime(t, fmt).date()
        except ValueError:
            continue
    found = ISO_DAY.match(t)  # ISO dates and date-times (Excel cells arrive so)
    if found:
        try:
            return date(*(int(g) for g in found.groups()))
        except ValueError:
            return None
    return None


def _score(
    value: str | None, scale: int, line: int, column: str, problems: list[RowProblem]
) -> Decimal | None:
    number = parse_number(value)
    if number is None or not 1 <= number <= scale:
        shown = _text(value)[:20]
        problems.append(
            RowProblem(
                line,
                column,
                f"{shown!r} is not a score from 1 to {scale}" if shown else "no score",
                f"Give a number from 1 to {scale} (this export's scale).",
            )
        )
        return None
    return number.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def parse_row(
    profile: ReviewProfile, header: list[str], line: int, cells: list[str | None], *, today: date
) -> ParsedReview | list[RowProblem]:
    """One data row as a review, or the list of its problems (never raises)."""
    problems: list[RowProblem] = []
    values: dict[str, str] = {}
    comments: list[str] = []
    aspects: dict[str, Decimal] = {}
    if len(cells) > len(header) and any(c and str(c).strip() for c in cells[len(header) :]):
        problems.append(
            RowProblem(
                line,
                "(row)",
                f"{len(cells)} values, the header has {len(header)} columns",
                "Check the quoting of that row (a comma or line break inside an unquoted comment).",
            )
        )
    for index, column in enumerate(header):
        cell = cells[index] if index < len(cells) else None
        target = profile.columns.get(column)
        if target == "comment":
            if cell and cell.strip():
                comments.append(cell.strip())
        elif target is not None:
            values.setdefault(target, cell or "")
        elif column in profile.aspects and cell and cell.strip():
            score = _score(cell, profile.scale, line, column, problems)
            if score is not None:
                aspects[profile.aspects[column]] = score
    named = {f: c for c, f in profile.columns.items() if c in header}
    external_id = _text(values.get("external_id"))
    if not external_id or len(external_id) > MAX_EXTERNAL_ID:
        problems.append(
            RowProblem(
                line,
                named.get("external_id", "external_id"),
                "no review ID" if not external_id else f"a review ID of {len(external_id)} characters",
                f"Each review needs the OTA's review ID (at most {MAX_EXTERNAL_ID} characters).",
            )
        )
    day = parse_day(values.get("reviewed_on"), profile.date_formats)
    if day is None or day > today + timedelta(days=1):
        shown = _text(values.get("reviewed_on"))[:30]
        problems.append(
            RowProblem(
                line,
                named.get("reviewed_on", "reviewed_on"),
                f"{shown!r} is not a review date" + (" (it is in the future)" if day else "")
                if shown
                else "no review date",
                "Give the date as YYYY-MM-DD (or as the export writes it).",
            )
        )
    score = _score(values.get("score"), profile.scale, line, named.get("score", "score"), problems)
    booking_ref = _text(values.get("booking_ref")) or None
    if booking_ref and len(booking_ref) > MAX_BOOKING_REF:
        problems.append(
            RowProblem(
                line,
                named.get("booking_ref", "booking_ref"),
                f"a booking reference of {len(booking_ref)} characters",
                f"A booking reference has at most {MAX_BOOKING_REF} characters; check the column.",
            )
        )
    comment = "\n".join(comments) or None
    if comment and len(comment) > MAX_COMMENT:
        problems.append(
            RowProblem(
                line,
                named.get("comment", "comment"),
                f"a comment of {len(comment)} characters",
                f"Comments are kept up to {MAX_COMMENT} characters; shorten it in the file.",
            )
        )
    if problems or score is None or day is None:
        return problems
    reviewer = _text(values.get("reviewer"))[:MAX_REVIEWER] or None
    hotel = _text(values.get("hotel")) or None
    return ParsedReview(
        line, external_id, day, score, to_csat(score, profile.scale), reviewer, booking_ref, comment, hotel,
        aspects,
    )  # fmt: skip

"""What the reports share: the period and filters (`ReportParams`), which stays count, the money,
share and mean roundings, country names, and the per-guest stay totals behind the two guest lists
(VIP list, birthdays). Each report is a few grouped SQLAlchemy Core queries, the same on SQLite and
PostgreSQL, read through the caller's data scope (stays at hotels in scope, guests seen there), never a
loop over guests. Counted stays are checked-out or in-house ones arriving in the period, as on the
dashboard."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache
from typing import Any

from babel import Locale
from sqlalchemy import ColumnElement, Select, case, distinct, func, select

from guestgraph import analytics
from guestgraph.access import DataScope, stay_visible
from guestgraph.db.models import GuestRole, Stay, StayGuest
from guestgraph.errors import InvalidInput
from guestgraph.privacy import Channel

COUNTED = ("checked_out", "in_house")
MAX_GUEST_ROWS = 100_000
CONSENT_CHANNELS = {"email": Channel.EMAIL, "sms": Channel.SMS, "wechat": Channel.WECHAT}


@dataclass(frozen=True)
class ReportParams:
    since: date
    until: date
    consent: str | None = None  # birthdays: keep only guests with marketing consent on this channel

    def check(self) -> None:
        analytics.check_period(self.since, self.until)
        if self.consent is not None and self.consent not in CONSENT_CHANNELS:
            raise InvalidInput(
                f"consent {self.consent!r} is not one of {', '.join(CONSENT_CHANNELS)}.",
                hint="Leave it empty to list everyone.",
            )


def stay_nights() -> ColumnElement[int]:
    return analytics.days_between(Stay.arrival, Stay.departure)


def counted_stays(scope: DataScope, since: date, until: date) -> list[ColumnElement[bool]]:
    return [Stay.status.in_(COUNTED), Stay.arrival >= since, Stay.arrival <= until, stay_visible(scope)]


def money(value: Any) -> Decimal:
    return Decimal(str(value or 0)).quantize(Decimal("0.01"))


def ratio(part: float | int | Decimal | None, whole: float | int | Decimal | None) -> float | None:
    return float(part or 0) / float(whole) if whole else None


def mean(value: Any) -> float | None:
    return round(float(value), 2) if value is not None else None


@cache
def _territories(locale: str) -> dict[str, str]:
    return dict(Locale.parse("zh_CN" if locale == "zh_CN" else "en").territories)


def country_name(code: str | None, locale: str) -> str:
    if not code:
        return "未知" if locale == "zh_CN" else "Unknown"
    name = _territories(locale).get(code.upper())
    return f"{code} {name}" if name else code


# --- guest lists (VIP list, birthdays) -------------------------------------------------------------


def guest_stays(scope: DataScope, since: date | None, until: date) -> Any:
    """Per guest: counted stays in scope (in the period if `since`), nights, revenue as primary guest
    and the last check-out."""
    where = [
        StayGuest.role != GuestRole.BOOKER,
        Stay.status.in_(COUNTED),
        stay_visible(scope),
        Stay.arrival <= until,
    ]
    if since is not None:
        where.append(Stay.arrival >= since)
    revenue = func.sum(case((StayGuest.role == GuestRole.PRIMARY, Stay.amount), else_=0))
    return (
        select(
            StayGuest.guest_id.label("guest_id"),
            func.count(distinct(Stay.id)).label("stays"),
            func.sum(stay_nights()).label("nights"),
            revenue.label("revenue"),
            func.max(Stay.departure).label("last"),
        )
        .join(Stay, Stay.id == StayGuest.stay_id)
        .where(*where)
        .group_by(StayGuest.guest_id)
        .subquery()
    )


def limit_guests(query: Select[Any]) -> Select[Any]:
    return query.limit(MAX_GUEST_ROWS + 1)


def check_list_size(rows: Sequence[Any]) -> None:
    if len(rows) > MAX_GUEST_ROWS:
        raise InvalidInput(
            f"The list would hold more than {MAX_GUEST_ROWS:,} guests.", hint="Narrow the scope or the dates."
        )


def as_date(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])

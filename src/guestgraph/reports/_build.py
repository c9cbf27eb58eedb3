"""Which function builds which report, and `build_report`, the one way in. The reports' titles and
descriptions are `KINDS` in _model.py; a new report needs an entry in both."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from sqlalchemy.orm import Session

from guestgraph.access import DataScope
from guestgraph.errors import InvalidInput
from guestgraph.reports._birthdays import birthdays_report
from guestgraph.reports._channels import channels_report
from guestgraph.reports._common import ReportParams
from guestgraph.reports._lifecycle import lifecycle_report
from guestgraph.reports._model import KINDS, Report
from guestgraph.reports._repeat import repeat_report
from guestgraph.reports._satisfaction import satisfaction_report
from guestgraph.reports._sources import sources_report
from guestgraph.reports._vip import vip_report


class Builder(Protocol):
    """Builds one report for the period in the caller's scope, labels in `locale`; `now` is the
    moment consent is judged at (the birthdays use it, the others do not)."""

    def __call__(
        self, session: Session, *, scope: DataScope, params: ReportParams, locale: str, now: datetime
    ) -> Report: ...


BUILDERS: dict[str, Builder] = {
    "sources": sources_report,
    "channels": channels_report,
    "repeat": repeat_report,
    "vip": vip_report,
    "birthdays": birthdays_report,
    "lifecycle": lifecycle_report,
    "satisfaction": satisfaction_report,
}


def build_report(
    session: Session, code: str, *, scope: DataScope, params: ReportParams, locale: str, now: datetime
) -> Report:
    """The report `code` for the period, in the caller's scope; labels in `locale`."""
    params.check()
    if code not in KINDS:
        raise InvalidInput(f"There is no report {code!r}.", hint=f"One of: {', '.join(KINDS)}.")
    return BUILDERS[code](session, scope=scope, params=params, locale=locale, now=now)

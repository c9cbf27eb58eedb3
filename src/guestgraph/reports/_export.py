"""Exports: a report as Excel or PDF, and a segment's guests as CSV or Excel.

A report export is one audit event (`export.report`) with the report, the format, the period and
filters, and the rows in the file; a report that lists guests (VIP list, birthdays) needs the guest
export permission as well, like any guest list, and a big one raises the bulk-export alert. A segment
export is a guest-list export (DG-04) with the segment as the filter: privacy's exporter does the
masking, the consent filter for a marketing purpose, the watermark and the audit event."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from guestgraph import analytics, audit, privacy
from guestgraph.access import DataScope, Forbidden, Permission, guest_visible
from guestgraph.db.models import Guest, SegmentMember
from guestgraph.errors import InvalidInput
from guestgraph.frontdesk import DocumentFont
from guestgraph.reports._build import build_report
from guestgraph.reports._common import ReportParams
from guestgraph.reports._files import PDF, XLSX, to_pdf, to_xlsx
from guestgraph.reports._model import KINDS, Report

ReportFormat = Literal["xlsx", "pdf"]
FORMATS: tuple[ReportFormat, ...] = ("xlsx", "pdf")


@dataclass(frozen=True)
class ReportFile:
    export_id: str
    filename: str
    media_type: str
    content: bytes
    rows: int
    report: Report


def watermark_line(*, export_id: str, username: str, now: datetime, request_id: str | None) -> str:
    return (
        f"guestgraph export {export_id} · {username} · {now:%Y-%m-%d %H:%M:%S}Z · "
        f"request {request_id or '-'} · masked; do not forward"
    )


def check_format(fmt: str) -> ReportFormat:
    if fmt not in FORMATS:
        raise InvalidInput(f"format {fmt!r} is not one of xlsx, pdf.", hint="Use xlsx or pdf.")
    return fmt


def check_export_allowed(code: str, permissions: frozenset[str]) -> None:
    """Any report needs report.read; one that lists guests needs guest.export too."""
    kind = KINDS.get(code)
    if kind is None:
        raise InvalidInput(f"There is no report {code!r}.", hint=f"One of: {', '.join(KINDS)}.")
    needed = [Permission.REPORT_READ] + ([Permission.GUEST_EXPORT] if kind.lists_guests else [])
    missing = [str(p) for p in needed if str(p) not in permissions]
    if missing:
        raise Forbidden(
            f"Exporting the {kind.title.en} needs {', '.join(missing)}.",
            hint="Ask an admin if your work needs it; the report itself can still be read on screen.",
        )


def export_report(
    session: Session,
    code: str,
    *,
    scope: DataScope,
    params: ReportParams,
    fmt: str,
    locale: str,
    permissions: frozenset[str],
    username: str,
    now: datetime,
    font: DocumentFont,
    request_id: str | None = None,
    recipient: str | None = None,
) -> ReportFile:
    """The report in the caller's scope as a file, watermarked, with one audit event (in the caller's
    transaction). `recipient`: the staff account a scheduled mail goes to (for the audit)."""
    kind_format = check_format(fmt)
    check_export_allowed(code, permissions)
    report = build_report(session, code, scope=scope, params=params, locale=locale, now=now)
    export_id = uuid.uuid4().hex
    request = request_id or audit.current_actor().request_id
    mark = watermark_line(export_id=export_id, username=username, now=now, request_id=request)
    if kind_format == "xlsx":
        content, media_type = to_xlsx(report, watermark=mark, locale=locale), XLSX
    else:
        content, media_type = to_pdf(report, watermark=mark, locale=locale, font=font), PDF
    details: dict[str, object] = {
        "export": export_id,
        "report": code,
        "format": kind_format,
        "since": params.since.isoformat(),
        "until": params.until.isoformat(),
        "rows": report.rows,
        **report.params,
    }
    if recipient is not None:
        details["recipient"] = recipient
    audit.log_event(
        session,
        "export.report",
        object_type="report",
        object_id=code,
        purpose="reporting",
        details=details,
    )
    if report.kind.lists_guests:
        audit.check_export(session, username, report.rows, now=now, policy=audit.alert_policy(session))
    filename = f"{code}-{params.since.isoformat()}-{params.until.isoformat()}.{kind_format}"
    return ReportFile(export_id, filename, media_type, content, report.rows, report)


def _segment_members(session: Session, segment_id: int, *, scope: DataScope, today: date) -> Select[Any]:
    """The ids the segment names for this viewer: evaluated now (dynamic) or the stored snapshot."""
    info = analytics.get_segment(session, segment_id)
    if info.kind == "dynamic":
        definition = analytics.SegmentDefinition.model_validate(info.definition)
        return analytics.member_query(definition, scope=scope, today=today)
    return (
        select(SegmentMember.guest_id)
        .join(Guest, Guest.id == SegmentMember.guest_id)
        .where(SegmentMember.segment_id == segment_id, SegmentMember.left_at.is_(None), guest_visible(scope))
    )


def export_segment(
    session: Session,
    segment_id: int,
    *,
    scope: DataScope,
    purpose: privacy.ExportPurpose,
    fmt: str,
    username: str,
    actor_id: int | None,
    now: datetime,
) -> privacy.GuestListExport:
    """A saved segment's guests in the caller's scope through the guest-list export (DG-04)."""
    if fmt not in ("csv", "xlsx"):
        raise InvalidInput(f"format {fmt!r} is not one of csv, xlsx.", hint="Use csv or xlsx.")
    info = analytics.get_segment(session, segment_id)
    ids = _segment_members(session, segment_id, scope=scope, today=now.date())
    return privacy.export_guest_list(
        session,
        scope=scope,
        purpose=purpose,
        hotel_code=None,
        username=username,
        actor_id=actor_id,
        now=now,
        guest_ids=ids,
        filter_detail={"segment": info.id, "segment_kind": info.kind},
        fmt="xlsx" if fmt == "xlsx" else "csv",
    )

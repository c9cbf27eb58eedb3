"""Reports (issue 8): guest sources, channel contribution, repeat guests, the VIP list, birthdays,
lifecycle movement and satisfaction, each in the caller's data scope for a period; each exported to
Excel or PDF (watermarked, masked, audited) and e-mailed on a schedule. Also the export of a saved
segment's guests through privacy's guest-list export (DG-04)."""

from guestgraph.reports._build import build_report
from guestgraph.reports._common import CONSENT_CHANNELS, ReportParams, country_name
from guestgraph.reports._export import (
    FORMATS,
    ReportFile,
    check_export_allowed,
    export_report,
    export_segment,
    watermark_line,
)
from guestgraph.reports._files import PDF, XLSX, format_value, to_pdf, to_xlsx
from guestgraph.reports._model import KINDS, Column, Figure, Label, Report, ReportKind, Section
from guestgraph.reports._schedules import (
    FREQUENCIES,
    Colleague,
    ScheduleView,
    SendReport,
    colleagues,
    covered,
    create_schedule,
    delete_schedule,
    list_schedules,
    period_start,
    send_due,
)

__all__ = [
    "CONSENT_CHANNELS",
    "FORMATS",
    "FREQUENCIES",
    "KINDS",
    "PDF",
    "XLSX",
    "Colleague",
    "Column",
    "Figure",
    "Label",
    "Report",
    "ReportFile",
    "ReportKind",
    "ReportParams",
    "ScheduleView",
    "Section",
    "SendReport",
    "build_report",
    "check_export_allowed",
    "colleagues",
    "country_name",
    "covered",
    "create_schedule",
    "delete_schedule",
    "export_report",
    "export_segment",
    "format_value",
    "list_schedules",
    "period_start",
    "send_due",
    "to_pdf",
    "to_xlsx",
    "watermark_line",
]

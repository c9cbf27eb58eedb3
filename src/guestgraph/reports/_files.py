"""A report as a file: Excel (.xlsx, openpyxl) or PDF (reportlab, A4 landscape, a Chinese font).

Both carry the watermark (who, when, which export and request) on top, and the PDF on every page.
Text cells go through privacy's `neutralise`, so a spreadsheet never runs a value as a formula;
numbers are written as numbers. Values are set as text in the PDF (escaped), never as markup."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from io import BytesIO
from typing import Any
from xml.sax.saxutils import escape

from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Font, PatternFill
from reportlab.graphics.shapes import Drawing, Rect
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from guestgraph.frontdesk import DocumentFont
from guestgraph.privacy import neutralise
from guestgraph.reports._model import Kind, Label, Report, Section, Value

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF = "application/pdf"
NUMBER_FORMATS: dict[Kind, str] = {
    "money": "#,##0.00",
    "pct": "0.0%",
    "num": "0.0",
    "int": "0",
    "date": "yyyy-mm-dd",
}
GRID = colors.HexColor("#9aa5b1")
SHADE = colors.HexColor("#eef1f4")
BAR = colors.HexColor("#3b6ea5")
PERIOD = Label("期间", "Period")
FIGURES = Label("概览", "Summary")
EMPTY = Label("无数据", "No data")


def format_value(value: Value, kind: Kind) -> str:
    """A value as the page and the PDF show it."""
    if value is None:
        return "–"
    if kind == "pct":
        return f"{float(value) * 100:.1f}%"  # type: ignore[arg-type]
    if kind == "money":
        return f"{Decimal(str(value)):,.2f}"
    if kind == "num":
        return f"{float(value):.1f}"  # type: ignore[arg-type]
    if kind == "int":
        return f"{int(value):,}"  # type: ignore[arg-type]
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def bar_share(section: Section, row: Sequence[Value]) -> float:
    """The charted value of a row as a share (0–1) of the section's largest."""
    if section.chart is None:
        return 0.0
    i = section.index(section.chart)
    top = max((float(r[i] or 0) for r in section.rows), default=0.0)  # type: ignore[arg-type]
    return float(row[i] or 0) / top if top > 0 else 0.0  # type: ignore[arg-type]


def _cell(value: Value, kind: Kind) -> Any:
    if value is None:
        return None
    if kind == "text":
        return neutralise(str(value))
    if kind == "date":
        return value if isinstance(value, date) else neutralise(str(value))
    if isinstance(value, Decimal):
        return float(value) if kind != "int" else int(value)
    if isinstance(value, int | float):
        return value
    return neutralise(str(value))


def to_xlsx(report: Report, *, watermark: str, locale: str) -> bytes:
    """One sheet: watermark, title, period, the summary figures, then each section as a table (with a
    bar chart beside the sections that have one)."""
    wb = Workbook()
    ws = wb.active
    ws.title = report.kind.code
    wb.properties.creator = "guestgraph"
    wb.properties.description = watermark
    bold = Font(bold=True)
    shade = PatternFill("solid", fgColor="EEF1F4")
    ws.append([neutralise(watermark)])
    ws["A1"].font = Font(italic=True, color="666666")
    ws.append([neutralise(report.kind.title.text(locale))])
    ws["A2"].font = Font(bold=True, size=14)
    ws.append([PERIOD.text(locale), report.since, report.until])
    for c in ws[3][1:]:
        c.number_format = NUMBER_FORMATS["date"]
    ws.append([])
    ws.append([FIGURES.text(locale)])
    ws.cell(ws.max_row, 1).font = bold
    for f in report.figures:
        ws.append([f.label.text(locale), _cell(f.value, f.kind)])
        ws.cell(ws.max_row, 2).number_format = NUMBER_FORMATS.get(f.kind, "General")
    for section in report.sections:
        ws.append([])
        ws.append([section.title.text(locale)])
        ws.cell(ws.max_row, 1).font = bold
        ws.append([c.label.text(locale) for c in section.columns])
        header = ws.max_row
        for cell in ws[header]:
            cell.font, cell.fill = bold, shade
        for row in section.rows:
            ws.append([_cell(v, c.kind) for v, c in zip(row, section.columns, strict=True)])
            for j, c in enumerate(section.columns, start=1):
                if c.kind in NUMBER_FORMATS:
                    ws.cell(ws.max_row, j).number_format = NUMBER_FORMATS[c.kind]
        if section.chart is not None and section.rows:
            col = section.index(section.chart) + 1
            chart = BarChart()
            chart.type, chart.style, chart.legend = "bar", 10, None
            chart.title = section.title.text(locale)
            chart.height, chart.width = max(4.0, 0.6 * min(len(section.rows), 20) + 2), 12.0
            last = header + min(len(section.rows), 20)
            chart.add_data(Reference(ws, min_col=col, min_row=header, max_row=last), titles_from_data=True)
            chart.set_categories(Reference(ws, min_col=1, min_row=header + 1, max_row=last))
            chart.y_axis.delete = False
            chart.x_axis.delete = False
            ws.add_chart(chart, ws.cell(header, len(section.columns) + 2).coordinate)
    ws.column_dimensions["A"].width = 28
    for letter in "BCDEFGHIJ":
        ws.column_dimensions[letter].width = 16
    ws.oddFooter.center.text = watermark.replace("&", "&&")
    out = BytesIO()
    wb.save(out)
    return out.getvalue()


class _Styles:
    def __init__(self, font: DocumentFont) -> None:
        def style(name: str, size: float, color: str = "#000000", right: bool = False) -> ParagraphStyle:
            return ParagraphStyle(
                name,
                fontName=font.name,
                fontSize=size,
                leading=size * 1.3,
                wordWrap="CJK",
                textColor=colors.HexColor(color),
                alignment=TA_RIGHT if right else 0,
            )

        self.title = style("title", 16)
        self.heading = style("heading", 12)
        self.note = style("note", 8, "#555555")
        self.cell = style("cell", 8)
        self.number = style("number", 8, right=True)
        self.head = style("head", 8, "#333333")


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(text), style)


def _bar(share: float, width: float = 30 * mm) -> Drawing:
    d = Drawing(width, 3 * mm)
    bar = Rect(0, 0, max(share, 0.0) * width, 3 * mm)
    bar.fillColor, bar.strokeWidth = BAR, 0
    d.add(bar)
    return d


def _table(section: Section, s: _Styles, locale: str, width: float) -> Table:
    head: list[Any] = [_p(c.label.text(locale), s.head) for c in section.columns]
    if section.chart is not None:
        head.append("")
    data: list[list[Any]] = [head]
    for row in section.rows:
        cells: list[Any] = [
            _p(format_value(v, c.kind), s.cell if c.kind in ("text", "date") else s.number)
            for v, c in zip(row, section.columns, strict=True)
        ]
        if section.chart is not None:
            cells.append(_bar(bar_share(section, row)))
        data.append(cells)
    if not section.rows:
        data.append([_p(EMPTY.text(locale), s.cell)] + [""] * (len(head) - 1))
    chart = 34 * mm if section.chart is not None else 0
    first = min(60 * mm, (width - chart) / 3)
    rest = (width - chart - first) / max(len(section.columns) - 1, 1)
    widths = [first] + [rest] * (len(section.columns) - 1) + ([chart] if chart else [])
    table = Table(data, colWidths=widths, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("LINEBELOW", (0, 0), (-1, 0), 0.8, GRID),
                ("LINEBELOW", (0, 1), (-1, -1), 0.3, GRID),
                ("BACKGROUND", (0, 0), (-1, 0), SHADE),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ]
        )
    )
    return table


def to_pdf(report: Report, *, watermark: str, locale: str, font: DocumentFont) -> bytes:
    """A4 landscape: title, period, summary figures, then each section's table with bars."""
    s = _Styles(font)
    out = BytesIO()
    size = landscape(A4)
    margin = 14 * mm
    width = size[0] - 2 * margin
    doc = SimpleDocTemplate(
        out,
        pagesize=size,
        leftMargin=margin,
        rightMargin=margin,
        topMargin=16 * mm,
        bottomMargin=16 * mm,
        title=f"{report.kind.title.text(locale)} {report.since}–{report.until}",
        author="guestgraph",
        subject=watermark,
    )
    figures = Table(
        [
            [_p(f.label.text(locale), s.cell), _p(format_value(f.value, f.kind), s.number)]
            for f in report.figures
        ],
        colWidths=[80 * mm, 40 * mm],
        hAlign="LEFT",
    )
    figures.setStyle(TableStyle([("LINEBELOW", (0, 0), (-1, -1), 0.3, GRID)]))
    flowables: list[Flowable] = [
        _p(report.kind.title.text(locale), s.title),
        Spacer(1, 2 * mm),
        _p(f"{PERIOD.text(locale)}: {report.since.isoformat()} – {report.until.isoformat()}", s.note),
        _p(report.kind.description.text(locale), s.note),
        Spacer(1, 4 * mm),
        _p(FIGURES.text(locale), s.heading),
        figures,
    ]
    for section in report.sections:
        flowables += [Spacer(1, 5 * mm), _p(section.title.text(locale), s.heading), Spacer(1, 1 * mm)]
        flowables.append(_table(section, s, locale, width))

    def stamp(canvas: Canvas, _doc: Any) -> None:
        canvas.saveState()
        canvas.setFont(font.name, 7)
        canvas.setFillColor(colors.HexColor("#777777"))
        canvas.drawString(margin, size[1] - 9 * mm, watermark)
        canvas.drawRightString(size[0] - margin, 8 * mm, f"{canvas.getPageNumber()}")
        canvas.restoreState()

    doc.build(flowables, onFirstPage=stamp, onLaterPages=stamp)
    return out.getvalue()

"""Scheduled report e-mails on both databases with a real SMTP peer (aiosmtpd): a schedule made over
HTTP, each recipient's mail carries the file computed in their own scope, exactly once per period
however often the sender runs, an unreachable server leaves it for the next run, and
`guestgraph reports send-due --now …` sends as an operator runs it."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from guestgraph import engage, frontdesk, reports
from guestgraph.access import DataScope
from guestgraph.db.models import ReportSchedule
from guestgraph.engage import DeliveryError
from tests.auth_helpers import make_staff
from tests.conftest import LiveServer
from tests.report_fixture import seed
from tests.smtp_peer import Collector, Received, free_port, smtp_peer
from tests.test_cli import run
from tests.test_reports import events

NOV = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)  # 09:00 on Monday 2 November in Shanghai
DEC = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)
JAN = datetime(2027, 1, 1, 1, 0, tzinfo=UTC)
FEB = datetime(2027, 2, 1, 1, 0, tzinfo=UTC)


@pytest.fixture
def peer() -> Iterator[tuple[Collector, int]]:
    with smtp_peer() as p:
        yield p


def smtp(port: int) -> engage.SmtpConfig:
    return engage.SmtpConfig("127.0.0.1", port, None, None, False, "guestgraph <reports@hotel.example>", 10)


def send(session: Session, port: int, now: datetime) -> reports.SendReport:
    font = frontdesk.document_font(None)
    return reports.send_due(
        session, smtp=smtp(port), font=font, now=now, timezone="Asia/Shanghai", base_url="https://gg.example"
    )


def attached_sheet(mail: Received) -> list[tuple[object, ...]]:
    [part] = list(mail.message.iter_attachments())
    assert part.get_filename() == "sources-2026-10-01-2026-10-31.xlsx"
    content = part.get_content()
    assert isinstance(content, bytes)
    return list(openpyxl.load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True))


def test_a_monthly_report_reaches_each_colleague_once_per_month_in_their_scope(
    live: LiveServer, demo_group: Session, peer: tuple[Collector, int], tmp_path: Path
) -> None:
    collector, port = peer
    g = seed(demo_group)
    manager = make_staff(demo_group, role="hotel_manager", scope=DataScope.hotels(g.a))
    manager.email = "manager-a@hotel.example"
    director = make_staff(demo_group, role="marketing")
    director.email, director.locale = "director@hotel.example", "en"
    desk = make_staff(demo_group, role="front_desk")
    desk.email = "desk@hotel.example"
    demo_group.commit()
    with live.client(role="marketing") as c:
        body = {"report": "sources", "frequency": "monthly", "format": "xlsx"}
        r = c.post("/api/v1/report-schedules", json=body | {"recipients": [manager.username, director.email]})
        assert r.status_code == 201, r.text
        assert sorted(r.json()["recipients"]) == sorted([manager.username, director.username])
        refused = c.post("/api/v1/report-schedules", json=body | {"recipients": [desk.username]})
        assert refused.status_code == 400 and desk.username in refused.json()["message"]  # no report.read
        vip = c.post(
            "/api/v1/report-schedules", json=body | {"report": "vip", "recipients": [manager.username]}
        )
        assert vip.status_code == 400  # a guest list goes only to colleagues who may export guests
        page = c.get("/reports/schedules?lang=en").text
        assert "manager-a@hotel.example" in page and 'id="schedule-form"' in page
    with live.client(role="front_desk") as c:
        assert c.post("/api/v1/report-schedules", json=body | {"recipients": ["x"]}).status_code == 403

    first = send(demo_group, port, NOV)
    assert (first.sent, first.skipped, first.failed) == (2, 0, 0)
    assert (
        send(demo_group, port, NOV).sent,
        send(demo_group, port, datetime(2026, 11, 30, 15, 0, tzinfo=UTC)).sent,
    ) == (0, 0)
    assert sorted(collector.recipients()) == ["director@hotel.example", "manager-a@hotel.example"]
    [to_manager] = collector.to("manager-a@hotel.example")
    assert "客源分析" in to_manager.message["Subject"] and "2026-10-01" in to_manager.message["Subject"]
    sheet = attached_sheet(to_manager)
    assert manager.username in str(sheet[0][0])  # the watermark names the recipient
    names = [row[0] for row in sheet]
    assert "CN 中国" in names and "US 美国" in names and "JP 日本" not in names  # hotel A only
    [to_director] = collector.to("director@hotel.example")
    assert "Guest source analysis" in to_director.message["Subject"]
    assert "JP Japan" in [row[0] for row in attached_sheet(to_director)]  # the group
    exports = [e for e in events(demo_group, "export.report") if e.event.details.get("recipient")]
    assert sorted(e.event.details["recipient"] for e in exports) == sorted(
        [manager.username, director.username]
    )
    demo_group.expire_all()
    schedule = demo_group.scalars(select(ReportSchedule)).one()
    assert schedule.last_sent_at is not None and schedule.last_outcome == "2 sent"

    manager.is_active = False  # a disabled colleague is skipped, the other still gets December's
    demo_group.commit()
    december = send(demo_group, port, DEC)
    assert (december.sent, december.skipped) == (1, 1) and len(collector.received) == 3
    manager.is_active = True
    demo_group.commit()

    with pytest.raises(DeliveryError):
        send(demo_group, free_port(), JAN)  # nobody listens: nothing is lost
    assert len(collector.received) == 3
    assert send(demo_group, port, JAN).sent == 2 and len(collector.received) == 5

    env = {
        "GUESTGRAPH_DATABASE_URL": live.db_url,
        "GUESTGRAPH_DATA_DIR": str(tmp_path),
        "GUESTGRAPH_SMTP_PORT": str(port),
    }
    cli = run("reports", "send-due", "--now", FEB.isoformat(), env=env)
    assert cli.returncode == 0 and "2 report e-mail(s) sent" in cli.stderr, cli.stderr
    again = run("reports", "send-due", "--now", FEB.isoformat(), env=env)
    assert "0 report e-mail(s) sent" in again.stderr
    assert len(collector.received) == 7

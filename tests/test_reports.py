"""The seven reports over real HTTP on both databases, against figures computed by hand from
tests/report_fixture.py (October 2026; A = SHA01, B = HGH01), in three scopes: a hotel-A manager never
sees B's figures, a hotel-B user never sees A's, a group user sees both. Then the exports: Excel read
back with openpyxl (watermark, masking, formula-safe cells), PDF rendered to a bitmap and its text
extracted with pypdfium2 (Chinese headings that really show), the permission checks and the audit
event with the row count."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import httpx
import openpyxl
import pytest
from sqlalchemy.orm import Session

from guestgraph import audit
from guestgraph.access import DataScope
from guestgraph.paging import PageRequest
from tests.conftest import LiveServer
from tests.report_fixture import FORMULA, SINCE, UNTIL, Seeded, seed
from tests.test_documents import dark_pixels_under, pdf_text

PERIOD = {"since": SINCE.isoformat(), "until": UNTIL.isoformat()}


def get(c: httpx.Client, code: str, **extra: str) -> dict[str, Any]:
    r = c.get(f"/api/v1/reports/{code}", params={**PERIOD, **extra, "lang": "zh_CN"})
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def rows(body: dict[str, Any], section: str, *keys: str) -> list[tuple[Any, ...]]:
    return [tuple(r[k] for k in keys) for r in body["sections"][section]]


def events(session: Session, action: str) -> list[audit.AuditRecord]:
    session.expire_all()
    return list(audit.search_events(session, action=action, paging=PageRequest(page=1, size=50)).items)


@pytest.fixture
def seeded(live: LiveServer, demo_group: Session) -> Seeded:
    return seed(demo_group)


def test_each_report_matches_the_hand_computed_figures_in_each_scope(
    live: LiveServer, seeded: Seeded
) -> None:
    g = seeded
    with live.client(role="hotel_manager", scope=DataScope.hotels(g.a)) as c:
        # Sources, A: counted stays arriving in October at A are g1's (CN, 3 nights, 1500) and the shared
        # one (primary g2 US, 2 nights, 800; g3 CN with them; g5 only booked it). The cancelled and the
        # no-show stays do not count. Guests: CN g1 + g3 = 2, US g2 = 1.
        sources = get(c, "sources")
        assert rows(sources, "nationality", "nationality", "guests", "stays", "nights", "room_revenue") == [
            ("CN 中国", 2, 1, 3, "1500.00"),
            ("US 美国", 1, 1, 2, "800.00"),
        ]
        assert sources["figures"]["guests"] == 3 and sources["figures"]["foreign_share"] == pytest.approx(
            1 / 3
        )
        assert rows(sources, "city", "city", "guests", "stays") == [
            ("New York", 1, 1),
            ("上海", 1, 1),
            ("北京", 1, 0),
        ]
        # Channels, A: ctrip is OTA (1500 room + 200 F&B), 官网 is direct (800); ADR = room / nights.
        channels = get(c, "channels")
        assert rows(
            channels, "groups", "group", "stays", "nights", "room_revenue", "folio_revenue", "revenue", "adr"
        ) == [
            ("OTA", 1, 3, "1500.00", "200.00", "1700.00", "500.00"),
            ("直销", 1, 2, "800.00", "0.00", "800.00", "400.00"),
        ]
        assert channels["figures"]["ota_share"] == pytest.approx(0.68)
        assert channels["figures"]["revenue"] == "2500.00"
        # Repeat, A: g1 stayed in June too (returning), g2 and g3 are new; g1 came back 124 days after
        # checking out on 3 June.
        repeat = get(c, "repeat")
        f = repeat["figures"]
        assert (f["guests"], f["new"], f["returning"], f["multi"], f["returns"]) == (3, 2, 1, 0, 1)
        assert f["repeat_rate"] == pytest.approx(1 / 3) and f["mean_interval"] == 124.0
        assert rows(repeat, "stays_to_date", "stays", "guests")[:2] == [("1", 2), ("2", 1)]
        assert [r["returns"] for r in repeat["sections"]["intervals"]] == [0, 0, 1, 0, 0]
        # VIP list, A: g1 (gold) and g2 (VIP1); g4 (silver) was only at B. Names masked.
        vip = get(c, "vip")
        assert rows(
            vip, "guests", "guest_id", "name", "stays", "nights", "room_revenue", "last_departure"
        ) == [
            (g.g1.public_id, "王*明", 1, 3, "1500.00", "2026-10-08"),
            (g.g2.public_id, "John S****", 1, 2, "800.00", "2026-10-12"),
        ]
        # Birthdays in October, A: g1 (e-mail consent) and g2 (none); with the consent filter only g1.
        birthdays = get(c, "birthdays")
        assert rows(birthdays, "guests", "guest_id", "birthday", "stays", "email_consent") == [
            (g.g1.public_id, "10-15", 2, "是"),
            (g.g2.public_id, "10-20", 1, "否"),
        ]
        consented = get(c, "birthdays", consent="email")
        assert [r["guest_id"] for r in consented["sections"]["guests"]] == [g.g1.public_id]
        assert (consented["figures"]["listed"], consented["figures"]["excluded"]) == (1, 1)
        # Lifecycle, A (g1, g2, g3 visible): new 1 at start (g1) +1 (g2) -1 (g1 became active) = 1 at end;
        # active: g3 at start and left, g1 entered; at risk: g3 entered.
        lifecycle = get(c, "lifecycle", lang="zh_CN")
        assert rows(lifecycle, "stages", "stage", "at_start", "entered", "left", "at_end", "net") == [
            ("新客", 1, 1, 1, 1, 0),
            ("活跃", 1, 1, 1, 1, 0),
            ("流失风险", 0, 1, 0, 1, 1),
        ]
        assert sorted(rows(lifecycle, "moves", "from", "to", "guests")) == sorted(
            [("新客", "活跃", 1), ("（首次）", "新客", 1), ("活跃", "流失风险", 1)]
        )
        # Satisfaction, A: 3 surveys sent in October (2 answered: NPS 10 and 6 -> 0 points; CSAT 5, 3),
        # the November one left out; one ticket rating 4; OTA reviews 5 and 3 on the 1-5 scale.
        sat = get(c, "satisfaction")
        assert rows(sat, "surveys", "sent", "answered", "nps", "csat") == [(3, 2, 0.0, 4.0)]
        assert sat["figures"]["ticket_rating"] == 4.0 and sat["figures"]["reviews"] == 2
        assert sat["figures"]["review_csat"] == 4.0
        assert rows(sat, "reviews", "channel", "reviews", "mean") == [("booking", 1, 3.0), ("ctrip", 1, 5.0)]
        every = str([sources, channels, repeat, vip, birthdays, lifecycle, sat])
        assert "HGH01" not in every and "日本" not in every and g.g4.public_id not in every
    with live.client(role="hotel_manager", scope=DataScope.hotels(g.b)) as c:
        sources = get(c, "sources")
        assert rows(sources, "nationality", "nationality", "guests", "stays", "nights") == [
            ("CN 中国", 1, 1, 1),
            ("JP 日本", 1, 1, 2),
        ]
        assert [r["guest_id"] for r in get(c, "vip")["sections"]["guests"]] == [g.g4.public_id]
        assert get(c, "birthdays")["sections"]["guests"] == []
        sat = get(c, "satisfaction")
        assert rows(sat, "surveys", "sent", "nps") == [(1, 100.0)] and sat["figures"]["ticket_rating"] == 1.0
        every = str([sources, get(c, "channels"), get(c, "repeat"), sat])
        assert "SHA01" not in every and "美国" not in every and "1500.00" not in every
    with live.client(role="marketing") as c:  # the group
        sources = get(c, "sources")
        assert rows(sources, "nationality", "nationality", "guests", "stays", "nights", "room_revenue") == [
            ("CN 中国", 2, 2, 4, "2000.00"),
            ("JP 日本", 1, 1, 2, "600.00"),
            ("US 美国", 1, 1, 2, "800.00"),
        ]
        repeat = get(c, "repeat")["figures"]
        # g3 stayed at A on 10 October and at B on 20 October (8 days after leaving A): two stays in the
        # period; g4 is new. Intervals 124 and 8 days.
        assert (repeat["guests"], repeat["new"], repeat["multi"], repeat["mean_interval"]) == (4, 3, 1, 66.0)
        channels = get(c, "channels")
        assert rows(channels, "groups", "group", "stays", "revenue") == [
            ("OTA", 2, "2200.00"),
            ("直销", 1, "800.00"),
            ("协议", 1, "600.00"),
        ]
        sat = get(c, "satisfaction")["figures"]
        assert (sat["nps"], sat["ticket_rating"], sat["review_csat"]) == (33.3, 2.5, 3.0)
        assert c.get("/reports/sources?lang=en", params=PERIOD).status_code == 200
        page = c.get("/reports/vip", params={**PERIOD, "lang": "en"}).text
        assert "王*明" in page and "王小明" not in page and 'id="export-xlsx"' in page
        listing = c.get("/reports?lang=en").text
        assert 'href="/reports/satisfaction"' in listing and "Guest source analysis" in listing
    with live.client(role="front_desk") as c:
        assert c.get("/api/v1/reports/sources", params=PERIOD).status_code == 403
        assert c.get("/reports/sources").status_code == 403
    with live.client(role="marketing") as c:
        bad = c.get("/api/v1/reports/sources", params={"since": "2026-10-31", "until": "2026-10-01"})
        assert bad.status_code == 400 and bad.json()["hint"]
        assert c.get("/api/v1/reports/salaries").status_code == 422


def test_excel_and_pdf_exports_are_masked_neutralised_watermarked_and_audited(
    live: LiveServer, seeded: Seeded, demo_group: Session, tmp_path: Path
) -> None:
    g = seeded
    with live.client(role="marketing") as c:
        r = c.get("/api/v1/reports/vip/export", params={**PERIOD, "format": "xlsx"})
        assert r.status_code == 200, r.text
        assert r.headers["content-type"].startswith("application/vnd.openxmlformats")
        export_id = r.headers["X-Export-Id"]
        request_id = r.headers.get("X-Request-Id")
        sheet = openpyxl.load_workbook(io.BytesIO(r.content)).active
        cells = [[c2.value for c2 in row] for row in sheet.iter_rows()]
        watermark = str(cells[0][0])
        assert export_id in watermark and "marketing-" in watermark and "masked" in watermark
        if request_id:
            assert request_id in watermark
        assert cells[1][0] == "VIP 客人名单"
        header = cells.index(
            ["宾客编号", "姓名", "VIP 等级", "会员等级", "本期入住", "间夜", "客房收入", "最近离店"]
        )
        guests = cells[header + 1 : header + 4]
        assert [row[0] for row in guests] == [g.g1.public_id, g.g2.public_id, g.g4.public_id]
        assert guests[0][1] == "王*明" and guests[0][6] == 1500.0  # a number, not text
        assert str(guests[2][1]).startswith("'=")  # a formula name is text, never a formula
        everything = str(cells)
        assert "王小明" not in everything and "John Smith" not in everything and FORMULA not in everything
        assert all(c2.data_type != "f" for row in sheet.iter_rows() for c2 in row)
        [event] = [e for e in events(demo_group, "export.report") if e.event.details["export"] == export_id]
        assert event.event.details["rows"] == 3 + 3  # three guests, and the three tiers of the summary
        assert (event.event.details["report"], event.event.details["format"]) == ("vip", "xlsx")
        assert event.event.actor_role == "marketing" and event.event.category == "sensitive"

        pdf = c.get("/reports/sources/export", params={**PERIOD, "format": "pdf"})
        assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
        text = pdf_text(pdf.content)
        for heading in ("客源分析", "按国籍", "按城市", "中国", "上海"):
            assert heading in text, heading
        assert pdf.headers["X-Export-Id"] in text  # the watermark is on the page
        assert dark_pixels_under(pdf.content, "客源分析", tmp_path / "sources.png") > 50  # glyphs, not blanks
        en = c.get("/reports/channels/export", params={**PERIOD, "format": "pdf", "lang": "en"})
        assert "Channel contribution" in pdf_text(en.content)
        birthdays = c.get("/reports/birthdays/export", params={**PERIOD, "format": "pdf", "consent": "email"})
        assert g.g1.public_id in pdf_text(birthdays.content) and g.g2.public_id not in pdf_text(
            birthdays.content
        )
    with live.client(role="hotel_manager", scope=DataScope.hotels(g.a)) as c:
        ok = c.get("/api/v1/reports/channels/export", params={**PERIOD, "format": "xlsx"})
        assert ok.status_code == 200  # aggregate figures: report.read is enough
        cells = [
            list(row)
            for row in openpyxl.load_workbook(io.BytesIO(ok.content)).active.iter_rows(values_only=True)
        ]
        assert ("协议",) not in [row[:1] for row in cells] and any(row[0] == "OTA" for row in cells)
        refused = c.get("/api/v1/reports/vip/export", params={**PERIOD, "format": "xlsx"})
        assert refused.status_code == 403 and "guest.export" in refused.json()["message"]
        assert 'id="export-xlsx"' not in c.get("/reports/vip", params=PERIOD).text
    with live.client(role="front_desk") as c:
        assert c.get("/api/v1/reports/sources/export", params={"format": "pdf"}).status_code == 403
        assert c.get("/reports/vip/export").status_code == 403
    denied = events(demo_group, "access.denied")
    assert len(denied) >= 2


def test_segment_export_is_masked_consent_filtered_scoped_and_audited(
    live: LiveServer, seeded: Seeded, demo_group: Session
) -> None:
    g = seeded
    chinese = {"condition": {"type": "attribute", "field": "nationality", "op": "=", "value": "CN"}}
    with live.client(role="marketing") as c:
        r = c.post("/api/v1/segments", json={"name": "中国客人", "kind": "dynamic", "definition": chinese})
        assert r.status_code == 201, r.text
        seg = r.json()["id"]
        url = f"/api/v1/segments/{seg}/export"
        assert c.post(url, json={"format": "csv"}).status_code == 422  # no purpose, no export
        # g1, g3 and g5 are Chinese; only g1 agreed to marketing e-mail
        mail = c.post(url, json={"purpose": "marketing_email", "format": "xlsx"})
        assert mail.status_code == 200, mail.text
        assert (mail.headers["X-Export-Rows"], mail.headers["X-Export-Excluded-No-Consent"]) == ("1", "2")
        cells = list(openpyxl.load_workbook(io.BytesIO(mail.content)).active.iter_rows(values_only=True))
        assert mail.headers["X-Export-Id"] in str(cells[0][0]) and "marketing_email" in str(cells[0][0])
        assert cells[1][:3] == ("guest_id", "name", "phone")
        assert cells[2][0] == g.g1.public_id and cells[2][1] == "王*明" and "****" in str(cells[2][2])
        assert len(cells) == 3
        everyone = c.post(url, json={"purpose": "reporting"})
        assert everyone.headers["content-type"].startswith("text/csv")
        listed = {line.split(",")[0] for line in everyone.text.splitlines()[2:]}
        assert listed == {g.g1.public_id, g.g3.public_id, g.g5.public_id}
        assert "王小明" not in everyone.text
        page = c.get(f"/segments/{seg}?lang=en").text
        assert 'id="segment-export"' in page
        form = c.post(f"/segments/{seg}/export", data={"purpose": "service_follow_up", "format": "csv"})
        assert form.status_code == 200 and form.headers["X-Export-Rows"] == "3"
        frozen = c.post(
            "/api/v1/segments", json={"name": "快照", "kind": "frozen", "definition": chinese}
        ).json()
    with live.client(role="marketing", scope=DataScope.hotels(g.b)) as c:
        for segment_id in (seg, frozen["id"]):  # evaluated now, or the stored ids: filtered by scope again
            only_b = c.post(f"/api/v1/segments/{segment_id}/export", json={"purpose": "reporting"})
            assert {line.split(",")[0] for line in only_b.text.splitlines()[2:]} == {g.g3.public_id}
    for role in ("front_desk", "hotel_manager"):
        with live.client(role=role) as c:
            assert c.post(f"/api/v1/segments/{seg}/export", json={"purpose": "reporting"}).status_code == 403
    exports = events(demo_group, "export.guest_list")
    assert len(exports) == 5  # the refused ones left no export event
    by_purpose = {e.event.details["purpose"]: e.event.details for e in exports}
    assert by_purpose["marketing_email"]["rows"] == 1
    assert by_purpose["marketing_email"]["excluded_no_marketing_consent"] == 2
    assert (
        by_purpose["marketing_email"]["segment"] == seg and by_purpose["marketing_email"]["format"] == "xlsx"
    )

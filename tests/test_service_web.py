"""Service tickets over real HTTP on both databases: the API lifecycle with history, 409 on an
invalid move, 404 for another hotel's ticket, a complaint becoming a ticket, the pages and their
HTMX actions, the guest profile's open tickets, and who may see the SLA dashboard."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from guestgraph import profiles
from guestgraph.access import DataScope
from guestgraph.db.models import Hotel
from tests.conftest import LiveServer
from tests.factories import make_guest, make_stay


def _hotels(session: Session) -> tuple[Hotel, Hotel]:
    a, b = list(session.scalars(select(Hotel).order_by(Hotel.code)))[:2]
    return a, b


def test_ticket_api_lifecycle_conflict_and_scope(live: LiveServer, demo_group: Session) -> None:
    a, b = _hotels(demo_group)
    guest = make_guest(demo_group)
    make_stay(demo_group, a.code, guest)
    demo_group.commit()
    with live.client(role="service_agent", scope=DataScope.hotels(a.id)) as c:
        made = c.post(
            "/api/v1/tickets",
            json={
                "title": "Broken kettle",
                "category": "room",
                "priority": "high",
                "guest_id": guest.public_id,
            },
        )
        assert made.status_code == 201, made.text
        t = made.json()
        assert (t["hotel"], t["status"], t["guest_id"]) == (a.code, "open", guest.public_id)
        assert t["respond_due_at"] >= t["created_at"]
        tid = t["id"]
        assert c.post(f"/api/v1/tickets/{tid}/status", json={"status": "in_progress"}).json()[
            "first_response_at"
        ]
        assert c.post(f"/api/v1/tickets/{tid}/comments", json={"text": "New kettle sent"}).status_code == 200
        assert (
            c.post(f"/api/v1/tickets/{tid}/status", json={"status": "resolved"}).json()["status"]
            == "resolved"
        )
        refused = c.post(f"/api/v1/tickets/{tid}/status", json={"status": "in_progress"})
        assert refused.status_code == 409 and refused.json()["error"] == "invalid_transition"
        assert c.post(f"/api/v1/tickets/{tid}/status", json={"status": "closed"}).status_code == 200
        history = c.get(f"/api/v1/tickets/{tid}").json()["history"]
        assert [h["kind"] for h in history] == ["created", "status", "comment", "status", "status"]
        assert history[2]["actor"] == "Test service_agent"
        bad = c.post("/api/v1/tickets", json={"title": "x", "category": "weather"})
        assert bad.status_code == 400
        assert [x["id"] for x in c.get("/api/v1/tickets", params={"status": "closed"}).json()] == [tid]
    with live.client(scope=DataScope.hotels(b.id)) as other:  # every permission, but hotel b only
        assert other.get(f"/api/v1/tickets/{tid}").status_code == 404
        assert other.post(f"/api/v1/tickets/{tid}/comments", json={"text": "hi"}).status_code == 404
        assert other.get("/api/v1/tickets").json() == []
        assert (
            other.post("/api/v1/tickets", json={"title": "x", "guest_id": guest.public_id}).status_code == 404
        )
    with live.client(role="front_desk") as desk:
        assert desk.get("/api/v1/tickets").status_code == 403


def test_a_logged_complaint_becomes_a_ticket_through_the_api(live: LiveServer, demo_group: Session) -> None:
    a, _ = _hotels(demo_group)
    guest = make_guest(demo_group)
    make_stay(demo_group, a.code, guest)
    line = profiles.add_interaction(
        demo_group, scope=DataScope.group(), public_id=guest.public_id, kind="complaint",
        text="Cold breakfast", staff_user_id=None, hotel_code=a.code,
    )  # fmt: skip
    demo_group.commit()
    with live.client(role="service_agent", scope=DataScope.hotels(a.id)) as c:
        fragment = c.get(f"/service/guests/{guest.public_id}")
        assert f'data-interaction="{line.id}"' in fragment.text
        made = c.post("/api/v1/tickets", json={"title": "-", "interaction_id": line.id, "category": "fnb"})
        assert made.status_code == 201, made.text
        assert (made.json()["title"], made.json()["category"]) == ("Cold breakfast", "fnb")
        fragment = c.get(f"/service/guests/{guest.public_id}")
        assert (
            f'data-ticket="{made.json()["id"]}"' in fragment.text and "data-interaction" not in fragment.text
        )
        second = profiles.add_interaction(
            demo_group, scope=DataScope.group(), public_id=guest.public_id, kind="complaint",
            text="Towels missing", staff_user_id=None, hotel_code=a.code,
        )  # fmt: skip
        demo_group.commit()
        opened = c.post(f"/service/complaints/{second.id}", follow_redirects=True)
        assert opened.status_code == 200 and "Towels missing" in opened.text
        assert "/service/tickets/" in str(opened.url)
    with live.client(role="front_desk", scope=DataScope.hotels(a.id)) as desk:  # sees it, cannot open it
        seen = desk.get(f"/service/guests/{guest.public_id}")
        assert (
            seen.status_code == 200 and "Cold breakfast" in seen.text and "/service/tickets/" not in seen.text
        )


def test_pages_forms_and_htmx_actions(live: LiveServer, demo_group: Session) -> None:
    a, _ = _hotels(demo_group)
    with live.client(role="service_agent", scope=DataScope.hotels(a.id), follow_redirects=True) as c:
        page = c.post(
            "/service/tickets?lang=en",
            data={"title": "Lost umbrella", "category": "lost_item", "hotel": a.code},
        )
        assert page.status_code == 200 and "Lost umbrella" in page.text
        tid = int(str(page.url).rsplit("/", 1)[1])
        taken = c.post(f"/service/tickets/{tid}/take", headers={"HX-Request": "true"})
        assert 'data-status="assigned"' in taken.text and "<html" not in taken.text
        moved = c.post(
            f"/service/tickets/{tid}/status", data={"status": "resolved"}, headers={"HX-Request": "true"}
        )
        assert 'data-status="resolved"' in moved.text
        board = c.get("/service", params={"status": "resolved"})
        assert f'data-ticket="{tid}"' in board.text and 'id="sla"' in board.text
        assert f'data-ticket="{tid}"' not in c.get("/service").text  # the default board shows open tickets
        assert c.get("/service/sla").status_code == 403  # the dashboard alone is for report.read
        assert c.get("/service", params={"status": "done"}).status_code == 400
    with live.client(role="hotel_manager", scope=DataScope.hotels(a.id)) as m:
        sla = m.get("/service/sla")
        assert sla.status_code == 200 and f'data-hotel="{a.code}"' in sla.text
        assert 'href="/service/sla"' in sla.text and 'href="/service"' not in sla.text  # nav by role
        assert m.get("/api/v1/service/sla").json()[0]["tickets"] == 1
        assert m.get("/service").status_code == 403

"""Files on tickets over real HTTP on both databases: the type is found from the bytes (a script
named .jpg is refused), the size is capped, the bytes come back unchanged with a sandboxing
Content-Security-Policy, another hotel's agent gets 404, and erasure and retention shred the key."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from guestgraph import pii, privacy, service
from guestgraph.access import DataScope
from guestgraph.db.models import ServiceTicket, TicketAttachment
from tests.conftest import LiveServer
from tests.factories import hotel, make_guest

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


def _ticket(session: Session, code: str = "SHA01", guest_public_id: str | None = None) -> int:
    spec = service.NewTicket(
        title="Broken lamp", category="room", hotel_code=code, guest_public_id=guest_public_id
    )
    return service.create_ticket(
        session, scope=DataScope.group(), ticket=spec, actor_id=None, now=NOW, default_hours="08:00-22:00"
    ).id


def test_attach_download_refuse_and_scope(live: LiveServer, demo_group: Session) -> None:
    ticket = _ticket(demo_group)
    demo_group.commit()
    a, b = hotel(demo_group, "SHA01"), hotel(demo_group, "SHA02")
    with live.client(role="service_agent", scope=DataScope.hotels(a.id)) as c:
        sent = c.post(
            f"/api/v1/tickets/{ticket}/attachments", files={"file": ("../../lamp 灯.png", PNG, "text/html")}
        )
        assert sent.status_code == 201, sent.text
        line = sent.json()
        assert (line["filename"], line["content_type"], line["size"]) == (
            "lamp 灯.png",
            "image/png",
            len(PNG),
        )
        got = c.get(f"/api/v1/tickets/{ticket}/attachments/{line['id']}")
        assert got.content == PNG and got.headers["content-type"] == "image/png"
        assert "sandbox" in got.headers["content-security-policy"]
        script = c.post(
            f"/api/v1/tickets/{ticket}/attachments",
            files={"file": ("x.jpg", b"\x00\x01<script>", "image/jpeg")},
        )
        assert script.status_code == 400 and "x.jpg" in script.json()["message"]
        big = c.post(
            f"/api/v1/tickets/{ticket}/attachments",
            files={"file": ("big.pdf", b"%PDF-" + b"0" * service.MAX_BYTES, "application/pdf")},
        )
        assert big.status_code == 400 and "5 MB" in big.json()["message"]
        detail = c.get(f"/api/v1/tickets/{ticket}").json()
        assert [f["id"] for f in detail["attachments"]] == [line["id"]]
        assert [e["kind"] for e in detail["history"]][-1] == "attachment"
        page = c.get(f"/service/tickets/{ticket}")
        assert "lamp 灯.png" in page.text and 'id="attach"' in page.text
    with live.client(role="service_agent", scope=DataScope.hotels(b.id)) as other:
        assert other.get(f"/api/v1/tickets/{ticket}/attachments/{line['id']}").status_code == 404
        assert (
            other.post(
                f"/api/v1/tickets/{ticket}/attachments", files={"file": ("a.png", PNG, "image/png")}
            ).status_code
            == 404
        )


def _readable(session: Session, attachment: TicketAttachment) -> bool:
    where = pii.attachment_row(attachment.id)
    opened = pii.open_value(
        pii.vault_of(session),
        attachment.key_ref,
        "ticket_attachment",
        "content_enc",
        where,
        attachment.content_enc,
    )
    return opened is not None


def test_erasure_and_retention_shred_the_files(demo_group: Session) -> None:
    guest = make_guest(demo_group)
    mine = _ticket(demo_group, guest_public_id=guest.public_id)
    old = _ticket(demo_group)
    for ticket in (mine, old):
        service.add_attachment(
            demo_group,
            scope=DataScope.group(),
            ticket_id=ticket,
            filename="p.png",
            content=PNG,
            actor_id=None,
            now=NOW,
        )
    copies = {
        a.ticket_id: TicketAttachment(id=a.id, key_ref=a.key_ref, content_enc=a.content_enc)
        for a in demo_group.scalars(select(TicketAttachment))
    }
    assert all(_readable(demo_group, c) for c in copies.values())
    privacy.erase_guest(demo_group, guest_id=guest.id, now=NOW)
    assert not _readable(demo_group, copies[mine])  # a backup's copy is unreadable
    assert _readable(demo_group, copies[old])
    demo_group.execute(
        update(ServiceTicket)
        .where(ServiceTicket.id == old)
        .values(status="closed", closed_at=NOW - timedelta(days=2000))
    )
    privacy.run_retention(demo_group, now=NOW, apply=True)
    assert not _readable(demo_group, copies[old])
    assert demo_group.scalar(select(TicketAttachment.id)) is None

"""A real browser (Debian's Chromium through Playwright) on the real app."""

from __future__ import annotations

import re
from datetime import datetime
from urllib.parse import quote

import hypothesis
import pytest
from hypothesis import strategies as st
from playwright.sync_api import Page, expect

from guestgraph import access, org
from tests.auth_helpers import make_staff
from tests.conftest import LiveServer

pytestmark = pytest.mark.browser


def test_home_page_loads_in_chinese_and_switches_to_english(
    page: Page, live: LiveServer, group_spec: org.GroupSpec
) -> None:
    page.goto(live.base_url + "/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page.locator("h1")).to_have_text("概览")
    expect(page.locator("#hotel-count")).to_have_text(str(len(group_spec.hotels)))
    expect(page.locator("#hotels")).to_contain_text(group_spec.hotels[0].name_zh)

    page.click("[data-locale=en]")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("h1")).to_have_text("Overview")
    expect(page.locator("#hotels")).to_contain_text(group_spec.hotels[0].name_en)

    page.click("[data-nav=hotels]")
    expect(page).to_have_url(live.base_url + "/hotels")
    expect(page.locator("html")).to_have_attribute("lang", "en")

    page.click("[data-locale=zh_CN]")
    expect(page.locator("h1")).to_have_text("酒店")


def test_guest_list_filters_by_hotel_without_a_full_reload(
    page: Page, live: LiveServer, group_spec: org.GroupSpec
) -> None:
    page.goto(live.base_url + "/guests")
    expect(page.locator("#guest-total")).to_contain_text("0")
    page.select_option("select[name=hotel]", group_spec.hotels[1].code)
    expect(page).to_have_url(re.compile(rf"/guests\?(q=&)?hotel={group_spec.hotels[1].code}$"))
    assert page.locator("#guest-list").count() == 1


def test_search_as_you_type_then_open_the_profile(page: Page, live: LiveServer, demo_group) -> None:
    from tests.factories import make_guest, make_mention

    guest = make_guest(demo_group, full_name="欧阳娜娜", phone="+8613812345678")
    make_guest(demo_group, full_name="王小明")
    make_mention(demo_group, guest, name_key="ouyangnana", name_simplified="欧阳娜娜", phone="+8613812345678")
    demo_group.commit()
    page.goto(live.base_url + "/guests")
    page.fill("#guest-search", "ouyang na")
    expect(page.locator("#guests tbody tr")).to_have_count(1)
    expect(page.locator("#guests")).to_contain_text("欧**娜")
    page.fill("#guest-search", "5678")
    expect(page.locator("#guests")).to_contain_text(guest.public_id)
    page.click(f"text={guest.public_id}")
    expect(page).to_have_url(f"{live.base_url}/guests/{guest.public_id}")
    expect(page.locator("h1")).to_contain_text("欧**娜")


def test_first_sign_in_sets_up_the_authenticator_then_signs_out(
    anonymous_page: Page, live: LiveServer, demo_group
) -> None:
    import pyotp

    user = make_staff(demo_group, role="data_steward", username="zhou.steward")
    user.password_hash = access.hash_password("blue-harbour-lantern-7")
    demo_group.commit()
    page = anonymous_page
    page.goto(live.base_url + "/guests")
    expect(page).to_have_url(re.compile(r"/login\?next=%2Fguests$"))
    page.fill("#username", "zhou.steward")
    page.fill("#password", "wrong password here")
    page.click("#login-form button")
    expect(page.locator("#form-error")).to_be_visible()
    page.fill("#username", "zhou.steward")
    page.fill("#password", "blue-harbour-lantern-7")
    page.click("#login-form button")
    expect(page).to_have_url(re.compile(r"/login/enroll"))
    expect(page.locator(".qr svg")).to_be_visible()
    seed = page.locator("#seed").inner_text()
    page.fill("#code", pyotp.TOTP(seed).now())
    page.click("#enroll-form button")
    expect(page.locator("#recovery-codes li")).to_have_count(10)
    page.click("#continue")
    expect(page).to_have_url(live.base_url + "/guests")
    expect(page.locator("#whoami")).to_have_text("Test data_steward")
    expect(page.locator("[data-nav=admin]")).to_have_count(0)  # not an admin
    page.click("#logout")
    expect(page).to_have_url(re.compile(r"/login$"))
    page.goto(live.base_url + "/guests")
    expect(page).to_have_url(re.compile(r"/login\?next="))


CHECKLIST_PAYLOADS = [
    "<img src=x onerror=alert(1)>",
    "{{7*7}}",
    "\u202eevil\u202c",
    "<script>alert(2)</script>",
    "'\"><svg onload=alert(3)>",
    "${7*7}{% print 7*7 %}",
]
# Text as a guest could type it: any character but controls and surrogates (an HTML parser turns NUL
# and CR into something else, and the product refuses controls anyway).
_GUEST_TEXT = st.text(
    alphabet=st.characters(exclude_categories=("Cc", "Cs")), min_size=1, max_size=24
).filter(lambda t: t.strip() == t and t != "")
HOSTILE_TEXT = st.one_of(
    st.sampled_from(CHECKLIST_PAYLOADS),
    st.tuples(st.sampled_from(CHECKLIST_PAYLOADS), _GUEST_TEXT).map("".join),
    st.tuples(_GUEST_TEXT, st.sampled_from(CHECKLIST_PAYLOADS)).map("".join),
    _GUEST_TEXT,
)


def test_guest_supplied_text_is_shown_as_text_never_run(page: Page, live: LiveServer, demo_group) -> None:
    """SE-04: hypothesis strings mixing the checklist's payloads with random text, as a guest's name, a
    note on the timeline and a preference, viewed in Chromium: no dialog, each element's textContent is
    the input exactly (no element added, `{{7*7}}` never 49): the search box holds the name as typed, the
    profile shows it masked exactly as `mask_name` masks it (names are never revealed in full), the note
    and the preference in full. Bounded for a browser: 8 examples per backend, a fixed seed, no shrink."""
    from tests.factories import make_guest, make_interaction, make_mention, make_preference

    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))

    @hypothesis.settings(
        max_examples=8,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],  # no shrinking in a browser
        suppress_health_check=list(hypothesis.HealthCheck),
    )
    @hypothesis.given(name=HOSTILE_TEXT, note=HOSTILE_TEXT, preference=HOSTILE_TEXT)
    def shown_as_text(name: str, note: str, preference: str) -> None:
        guest = make_guest(demo_group, full_name="王" + name, nationality=None)
        make_mention(demo_group, guest, name_key="wang", name_simplified="王" + name)
        make_interaction(demo_group, guest, note)
        make_preference(demo_group, guest, "allergy", preference)
        demo_group.commit()
        page.goto(live.base_url + "/guests?q=" + quote(name))
        expect(page.locator("#guest-search")).to_have_value(name)
        page.goto(f"{live.base_url}/guests/{guest.public_id}")
        masked = access.mask_name("王" + name)  # a name is masked on the profile by design, never revealed
        assert page.locator("h1").evaluate("h => h.firstChild.textContent") == f"{masked} "
        assert page.locator("#attr-full_name").evaluate("td => td.firstChild.textContent") == masked
        entry = page.locator("#interactions li[data-kind]").first
        assert entry.evaluate("li => li.children.length") == 2  # its time line and its kind, nothing added
        assert entry.evaluate("li => li.lastChild.textContent") == " " + note
        cell = page.locator("#preferences tr[data-category=allergy] td").nth(1)
        assert cell.evaluate("td => td.childElementCount") == 0
        assert cell.evaluate("td => td.textContent") == preference
        if "{{7*7}}" in name + note + preference:
            assert "{{7*7}}" in page.locator("main").text_content()
        assert dialogs == []
        assert page.locator("img[src=x]").count() == 0 and page.locator("main script").count() == 0
        assert page.locator("main svg[onload]").count() == 0

    shown_as_text()


def test_add_a_preference_on_the_profile_without_a_reload(page: Page, live: LiveServer, demo_group) -> None:
    from tests.factories import make_guest

    guest = make_guest(demo_group, full_name="欧阳娜娜")
    demo_group.commit()
    page.goto(f"{live.base_url}/guests/{guest.public_id}?lang=en")
    expect(page.locator("#preferences")).to_contain_text("No preferences yet.")
    page.select_option("#preference-category", "allergy")
    page.fill("#preference-value", "peanuts")
    page.click("#preference-form button")
    expect(page.locator("#preferences tr[data-category=allergy]")).to_contain_text("peanuts")
    expect(page.locator("#preferences")).to_contain_text("Test test_everything")  # who added it
    page.click("#preferences [data-retire]")
    expect(page.locator("#preferences tr[data-category]")).to_have_count(0)


def test_check_a_guest_in_and_out_from_the_arrivals_list(page: Page, live: LiveServer, demo_group) -> None:
    from zoneinfo import ZoneInfo

    from sqlalchemy import select

    from guestgraph.db.models import Hotel, Stay, StayStatus
    from tests.factories import make_guest, make_stay, without_pms_feed

    first = demo_group.scalars(select(Hotel).order_by(Hotel.code)).first()
    assert first is not None
    code, today = first.code, datetime.now(ZoneInfo(first.timezone)).date()
    guest = make_guest(demo_group, full_name="王小明", vip_level="VIP1")
    make_stay(demo_group, code, guest, arrival=today, status=StayStatus.BOOKED, confirmation_number="WALK1")
    without_pms_feed(demo_group, code)
    demo_group.commit()
    page.goto(f"{live.base_url}/arrivals?hotel={code}")
    row = page.locator("#arrivals tr[data-conf=WALK1]")
    expect(row.locator("[data-alert=vip_arriving]")).to_be_visible()
    row.locator("summary[data-op=check-in]").click()
    row.locator("input[name=room_number]").fill("1208")
    row.locator("select[name=id_type]").select_option("cn_resident_id")
    row.locator("input[name=id_number]").fill("11010519491231002X")
    row.locator("form.check-in button").click()
    expect(page).to_have_url(re.compile(rf"/arrivals\?hotel={code}&day=today$"))
    row = page.locator("#arrivals tr[data-conf=WALK1]")
    expect(row).to_have_attribute("data-status", "in_house")
    expect(row).to_contain_text("1208")
    row.locator("button[data-op=check-out]").click()
    expect(page.locator("#arrivals tr[data-conf=WALK1]")).to_have_count(0)  # left: no longer arriving
    page.goto(f"{live.base_url}/guests/{guest.public_id}")
    expect(page.locator("#stays tr.stay-checked_out")).to_have_count(1)
    demo_group.expire_all()
    stay = demo_group.scalars(select(Stay).where(Stay.confirmation_number == "WALK1")).one()
    assert (stay.status, stay.room_number) == (StayStatus.CHECKED_OUT, "1208")


@pytest.mark.console_allows("status of 409")  # the refusal page, where the form is offered
def test_the_desk_names_a_companion_the_primary_guest_after_an_erasure_and_cancels_the_stay(
    page: Page, live: LiveServer, demo_group
) -> None:  # type: ignore[no-untyped-def]
    """On the companion's profile the stay's Cancel is refused (its primary guest was erased); the
    refusal page loads the form naming the primary guest, the clerk names her, lands on her profile,
    and the Cancel now works."""
    from sqlalchemy import select

    from guestgraph.db.models import Hotel, Stay, StayStatus
    from tests.factories import without_pms_feed
    from tests.test_frontdesk_web import _booked_then_primary_erased

    first = demo_group.scalars(select(Hotel).order_by(Hotel.code)).first()
    assert first is not None
    without_pms_feed(demo_group, first.code)
    demo_group.commit()
    left = _booked_then_primary_erased(live, demo_group, first.code, "CT-983")
    her = left["additional"]
    page.goto(f"{live.base_url}/guests/{her}?lang=en")
    page.locator("#stays td[data-conf=CT-983] button[data-op=cancel]").click()
    expect(page.locator("#error-message")).to_contain_text("has no primary guest")
    form = page.locator("#primary-guest-form")  # loaded by HTMX into the refusal page
    expect(form).to_be_visible()
    expect(form.locator("#primary-guest-choice option")).to_have_count(2)  # her, and the booker
    form.locator("#primary-guest-choice").select_option(her)
    form.locator("#primary-guest-reason").fill("primary guest erased; his companion shows her ID")
    form.locator("button[type=submit]").click()
    expect(page).to_have_url(re.compile(rf"/guests/{her}#stays$"))
    page.locator("#stays td[data-conf=CT-983] button[data-op=cancel]").click()
    expect(page.locator("#stays tr.stay-cancelled")).to_have_count(1)
    demo_group.expire_all()
    stay = demo_group.scalars(select(Stay).where(Stay.confirmation_number == "CT-983")).one()
    assert stay.status is StayStatus.CANCELLED


def test_the_registration_card_link_on_the_arrivals_list_opens_a_pdf(
    page: Page, live: LiveServer, demo_group
) -> None:  # type: ignore[no-untyped-def]
    from zoneinfo import ZoneInfo

    from sqlalchemy import select

    from guestgraph.db.models import Hotel, StayStatus
    from tests.factories import make_guest, make_stay

    first = demo_group.scalars(select(Hotel).order_by(Hotel.code)).first()
    assert first is not None
    code, today = first.code, datetime.now(ZoneInfo(first.timezone)).date()
    guest = make_guest(demo_group, full_name="李白")
    make_stay(demo_group, code, guest, arrival=today, status=StayStatus.BOOKED, confirmation_number="CARD1")
    demo_group.commit()
    page.goto(f"{live.base_url}/arrivals?hotel={code}")
    link = page.locator("#arrivals tr[data-conf=CARD1] a[data-doc=registration-card]")
    expect(link).to_have_attribute("href", f"/stays/{code}/CARD1/registration-card.pdf")
    with page.context.expect_event("response", lambda r: r.url.endswith("/registration-card.pdf")) as got:
        link.click()
    answer = got.value
    assert answer.status == 200 and answer.headers["content-type"] == "application/pdf"
    # the tab shows Chromium's PDF viewer; the bytes, fetched with the same session, are the PDF
    fetched = page.request.get(f"{live.base_url}/stays/{code}/CARD1/registration-card.pdf")
    assert fetched.body().startswith(b"%PDF") and "CARD1" in fetched.headers["content-disposition"]
    expect(page.locator("#arrivals tr[data-conf=CARD1] a[data-doc=folio]")).to_have_count(0)


def test_an_admin_requests_an_account_and_it_appears_only_after_a_second_admin_approves(
    page: Page, live: LiveServer, demo_group, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.smtp_peer import smtp_peer

    page.goto(live.base_url + "/admin")
    form = page.locator("#new-user")
    form.locator("[name=username]").fill("li.frontdesk")
    form.locator("[name=display_name]").fill("李前台")
    form.locator("[name=email]").fill("li.frontdesk@hotel.example")
    form.locator("[name=role]").select_option("front_desk")
    form.locator("[name=scope_level]").select_option("group")
    form.locator("[name=reason]").fill("new starter")
    form.locator("button").click()
    row = page.locator("#changes tr[data-kind=new_account]")
    expect(row).to_contain_text("li.frontdesk@hotel.example")
    expect(row.locator("button", has_text=re.compile("Approve|批准"))).to_have_count(0)  # not by the proposer
    expect(page.locator("#staff tr[data-user='li.frontdesk']")).to_have_count(0)
    change_id = row.get_attribute("data-change")
    with smtp_peer() as (mailbox, port), live.client(role="admin") as second:
        monkeypatch.setattr(live.settings, "smtp_port", port)
        assert second.post(f"/admin/changes/{change_id}/approve").status_code == 200
        assert mailbox.recipients() == ["li.frontdesk@hotel.example"]
    page.reload()
    expect(page.locator("#changes tr[data-kind]")).to_have_count(0)
    expect(page.locator("#staff tr[data-user='li.frontdesk']")).to_contain_text("li.frontdesk@hotel.example")


def test_the_desk_refunds_and_voids_a_payment_from_the_stay_row(
    page: Page, live: LiveServer, demo_group
) -> None:
    """On the guest's profile the clerk posts a payment, opens 'Refund or void' (an HTMX part of the stay's
    row), is told a refund above what the folio holds is refused, voids the payment with a reason and
    sees it kept, struck through and labelled."""
    from zoneinfo import ZoneInfo

    from sqlalchemy import select

    from guestgraph.db.models import Hotel, Payment, StayStatus
    from tests.factories import make_guest, make_stay, without_pms_feed

    first = demo_group.scalars(select(Hotel).order_by(Hotel.code)).first()
    assert first is not None
    today = datetime.now(ZoneInfo(first.timezone)).date()
    guest = make_guest(demo_group, full_name="韩梅梅")
    make_stay(
        demo_group, first.code, guest, arrival=today, status=StayStatus.IN_HOUSE, confirmation_number="PAY1"
    )
    without_pms_feed(demo_group, first.code)
    demo_group.commit()
    page.goto(f"{live.base_url}/guests/{guest.public_id}?lang=en")
    cell = page.locator("#stays td[data-conf=PAY1]")
    cell.locator("summary[data-op=payment]").click()
    cell.locator("form.payment input[name=amount]").fill("300")
    cell.locator("form.payment button").click()
    expect(page.locator("#stays tr.stay-in_house .stay-paid")).to_have_text("300.00")
    cell = page.locator("#stays td[data-conf=PAY1]")
    cell.locator("summary[data-op=refund]").click()
    part = cell.locator("#folio-payments-PAY1")
    expect(part.locator("tr[data-kind=payment]")).to_have_count(1)
    part.locator("form.refund input[name=amount]").fill("500")
    part.locator("form.refund input[name=reason]").fill("guest asked")
    part.locator("form.refund button").click()
    expect(cell.locator("#form-error")).to_contain_text("amount:")
    cell.locator("form.void input[name=reason]").fill("keyed on the wrong stay")
    cell.locator("form.void button").click()
    expect(page.locator("#stays tr.stay-in_house .stay-paid")).to_have_text("")  # the page reloaded
    cell = page.locator("#stays td[data-conf=PAY1]")
    cell.locator("summary[data-op=refund]").click()
    voided = cell.locator("tr[data-voided=true]")
    expect(voided.locator("strong")).to_have_text(
        re.compile("^(Voided|已作废)$")
    )  # the UI language may be either
    expect(voided).to_contain_text("keyed on the wrong stay")
    expect(voided.locator("s")).to_have_text("300.00 CNY")
    demo_group.expire_all()
    payment = demo_group.scalars(select(Payment)).one()
    assert (payment.amount, payment.void_reason) == (300, "keyed on the wrong stay")
    assert payment.voided_at is not None

"""Templates: a sandboxed Jinja2 environment over a guest's fields, in the guest's language.

The subject and the plain-text part are rendered without escaping; the HTML part with autoescape,
so a guest's name can never inject markup. Unknown fields fail (StrictUndefined), at preview time.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Literal

from jinja2 import StrictUndefined, Template, TemplateError
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import escape
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from guestgraph import recommend
from guestgraph.db.models import Guest, Hotel, Stay, StayGuest
from guestgraph.engage._errors import TemplateInvalid

Lang = Literal["zh", "en"]
_TEXT = SandboxedEnvironment(undefined=StrictUndefined, autoescape=False)
_HTML = SandboxedEnvironment(undefined=StrictUndefined, autoescape=True)
CHINESE_SPEAKING = frozenset({"CN", "HK", "MO", "TW", "SG"})
FIELDS = (
    "name",
    "salutation",
    "family_name",
    "given_name",
    "hotel",
    "arrival",
    "departure",
    "unsubscribe_url",
    "coupon",
    "recommendation",
)


@dataclass(frozen=True)
class GuestFields:
    """What a template may use: `{{ name }}` is the addressed name (王先生, Mr Wang)."""

    name: str
    salutation: str
    family_name: str
    given_name: str
    hotel: str
    arrival: str
    departure: str
    unsubscribe_url: str
    coupon: str = ""  # the code of the coupon issued with this message (engage/_coupons.py)
    recommendation: str = ""  # the package, offer or room type recommended to the guest (recommend/)


@dataclass(frozen=True)
class Rendered:
    lang: Lang
    subject: str
    text: str
    html: str


def language_of(guest: Guest) -> Lang:
    spoken = (guest.language or "").lower()
    if spoken.startswith("zh"):
        return "zh"
    if spoken:
        return "en"
    return "zh" if guest.nationality in CHINESE_SPEAKING or guest.nationality is None else "en"


def _latin_family(guest: Guest) -> str:
    family = guest.family_name or ""
    if family.isascii():
        return family
    return (guest.name_pinyin or "").split(" ")[0].title()


def _addressed(guest: Guest, lang: Lang) -> tuple[str, str]:
    gender = (guest.gender or "").upper()
    if lang == "zh":
        title = {"M": "先生", "F": "女士"}.get(gender, "")
        family = guest.family_name or guest.full_name or ""
        return (f"{family}{title}" if title else guest.full_name or "贵宾"), title
    title = {"M": "Mr", "F": "Ms"}.get(gender, "")
    family = _latin_family(guest)
    if title and family:
        return f"{title} {family}", title
    return guest.full_name or "Guest", title


# arrival, departure (None: the guest has no stay at the hotel), hotel name in Chinese and in English
StayLine = tuple[date | None, date | None, str, str]


def latest_stays(session: Session, guest_ids: Sequence[int], *, hotel_id: int | None) -> dict[int, StayLine]:
    """Each guest's latest stay (at `hotel_id` when given), for many guests in one query."""
    ranked = (
        select(
            StayGuest.guest_id, Stay.arrival, Stay.departure, Hotel.name_zh, Hotel.name_en,
            func.row_number()
            .over(partition_by=StayGuest.guest_id, order_by=(Stay.departure.desc(), Stay.id.desc()))
            .label("n"),
        )
        .join(Stay, Stay.id == StayGuest.stay_id)
        .join(Hotel, Hotel.id == Stay.hotel_id)
        .where(StayGuest.guest_id.in_(list(guest_ids)))
    )  # fmt: skip
    if hotel_id is not None:
        ranked = ranked.where(Stay.hotel_id == hotel_id)
    r = ranked.subquery()
    rows = session.execute(
        select(r.c.guest_id, r.c.arrival, r.c.departure, r.c.name_zh, r.c.name_en).where(r.c.n == 1)
    )
    return {g: (arrival, departure, zh, en) for g, arrival, departure, zh, en in rows}


def fields_of(
    guest: Guest, stay: StayLine | None, *, lang: Lang, unsubscribe_url: str, recommendation: str = ""
) -> GuestFields:
    """The guest's fields for a template, with their latest stay (see `latest_stays`)."""
    name, salutation = _addressed(guest, lang)
    hotel = (stay[2] if lang == "zh" else stay[3]) if stay else ""
    return GuestFields(
        name=name,
        salutation=salutation,
        family_name=guest.family_name or "",
        given_name=guest.given_name or "",
        hotel=hotel,
        arrival=_day(stay[0] if stay else None, lang),
        departure=_day(stay[1] if stay else None, lang),
        unsubscribe_url=unsubscribe_url,
        recommendation=recommendation,
    )


def mentions_recommendation(*templates: str | None) -> bool:
    """Whether a template uses `{{ recommendation }}`: working it out costs queries per message."""
    return any("recommendation" in (t or "") for t in templates)


def recommendation_for(
    session: Session, guest_id: int, *, lang: Lang, hotel_id: int | None, today: date | None
) -> str:
    return recommend.headline(
        session, guest_id=guest_id, lang=lang, today=today or datetime.now(UTC).date(), hotel_id=hotel_id
    )


def guest_fields(
    session: Session,
    guest: Guest,
    *,
    lang: Lang,
    hotel_id: int | None,
    unsubscribe_url: str,
    today: date | None = None,
) -> GuestFields:
    """The guest's fields for a template; hotel and dates are of their latest stay (at `hotel_id`);
    the recommendation is by rule from their history (`recommend.headline`), as of `today`."""
    stay = latest_stays(session, [guest.id], hotel_id=hotel_id).get(guest.id)
    if stay is None and hotel_id is not None:  # e.g. a journey started by a ticket: the hotel, no dates
        names = session.execute(select(Hotel.name_zh, Hotel.name_en).where(Hotel.id == hotel_id)).first()
        stay = (None, None, names[0], names[1]) if names else None
    recommendation = recommendation_for(session, guest.id, lang=lang, hotel_id=hotel_id, today=today)
    return fields_of(guest, stay, lang=lang, unsubscribe_url=unsubscribe_url, recommendation=recommendation)


def _day(day: date | None, lang: Lang) -> str:
    if day is None:
        return ""
    return f"{day.year}年{day.month}月{day.day}日" if lang == "zh" else day.strftime("%d %b %Y")


def check_template(source: str, where: str) -> None:
    """Refuse a template that does not parse, naming where."""
    try:
        _TEXT.parse(source)
    except TemplateError as e:
        raise TemplateInvalid(
            f"The {where} template does not parse: {e}",
            hint="Use {{ name }}, {{ hotel }}, {{ arrival }} … and close every {% %} block.",
        ) from e


@lru_cache(maxsize=256)
def _compiled(source: str, html: bool) -> Template:
    return (_HTML if html else _TEXT).from_string(source)


def render(
    subject: str,
    body: str,
    fields: GuestFields,
    lang: Lang,
    *,
    link: Callable[[str], str] | None = None,
    pixel: str | None = None,
) -> Rendered:
    """The message in `lang`. In the HTML part every http(s) URL of the body becomes a link, through
    `link` when given (click tracking; never the unsubscribe link), and `pixel` is an open pixel."""
    values = asdict(fields)
    try:
        text_body = _compiled(body, False).render(values)
        html_body = _compiled(body, True).render(values)
        rendered_subject = " ".join(_compiled(subject, False).render(values).split())
    except TemplateError as e:
        raise TemplateInvalid(
            f"The campaign's {lang} template cannot be filled in: {e}",
            hint="Only these fields exist: " + ", ".join(FIELDS) + ".",
        ) from e
    html_body = _linked(html_body, link, fields.unsubscribe_url)
    return Rendered(
        lang, rendered_subject, text_body, _as_html(html_body, fields.unsubscribe_url, lang, pixel)
    )


# A URL in the HTML body: the template's own text is HTML as written (a raw `&`), a field's value is
# escaped (`&amp;`); quotes and angle brackets end a URL either way. A staff-written <a href="…">
# keeps its anchor and has its href tracked.
_URL_CHARS = r"(?:&amp;|[A-Za-z0-9\-._~:/?#\[\]@!$&()*+,=%])+"
_LINKS = re.compile(r'(?P<attr>\bhref=")(?P<href>https?://[^"<>\s]+)"|(?P<bare>https?://' + _URL_CHARS + ")")
_TRAILING = ".,:!?)]"


def _inside_tag_or_anchor(text: str, at: int) -> bool:
    before = text[:at]
    in_tag = before.rfind("<") > before.rfind(">")
    return in_tag or before.rfind("<a ") > before.rfind("</a>")


def _linked(body: str, link: Callable[[str], str] | None, unsubscribe: str) -> str:
    """Make each bare URL of the HTML body a link and send each link (bare or written as an anchor)
    through `link` when given; the unsubscribe link is never rewritten."""

    def target(url: str) -> str:
        return link(url) if link is not None and url != unsubscribe else url

    def rewrite(match: re.Match[str]) -> str:
        if match.group("attr"):
            return f'href="{escape(target(match.group("href").replace("&amp;", "&")))}"'
        shown = match.group("bare")
        if _inside_tag_or_anchor(match.string, match.start()):
            return shown
        tail = ""
        while shown[-1] in _TRAILING:
            shown, tail = shown[:-1], shown[-1] + tail
        return f'<a href="{escape(target(shown.replace("&amp;", "&")))}">{shown}</a>{tail}'

    return _LINKS.sub(rewrite, body)


def _as_html(body: str, unsubscribe: str, lang: Lang, pixel: str | None = None) -> str:
    """Wrap the autoescaped body (already safe HTML) in paragraphs and add the unsubscribe footer
    (and the open pixel)."""
    paragraphs = "".join(
        "<p>" + p.strip().replace("\n", "<br>") + "</p>\n" for p in body.split("\n\n") if p.strip()
    )
    label = "退订" if lang == "zh" else "Unsubscribe"
    footer = f'<p style="font-size:small"><a href="{escape(unsubscribe)}">{label}</a></p>\n'
    if pixel is not None:
        footer += f'<img src="{escape(pixel)}" width="1" height="1" alt="" style="border:0">\n'
    return "<!doctype html>\n<html><body>\n" + paragraphs + footer + "</body></html>\n"

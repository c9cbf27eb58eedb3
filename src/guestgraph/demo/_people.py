"""Synthetic persons: names, birth dates, contacts, identity documents, loyalty membership."""

from __future__ import annotations

import random
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from itertools import accumulate

import opencc
from pypinyin import Style, lazy_pinyin

from guestgraph.demo import _ids
from guestgraph.demo._namedata import (
    ENGLISH_ALIASES_F,
    ENGLISH_ALIASES_M,
    GIVEN_CHARS_F,
    GIVEN_CHARS_M,
    HK_CITIES,
    HK_GIVEN,
    MAINLAND_CITIES,
    MAINLAND_CITY_WEIGHTS,
    MOBILE_PATTERNS,
    POPULAR_GIVEN_F,
    POPULAR_GIVEN_M,
    SURNAME_WEIGHTS,
    SURNAMES,
    TW_CITIES,
    TW_GIVEN,
)
from guestgraph.demo._namedata_intl import COUNTRIES, COUNTRY_WEIGHTS, NICKNAMES

# Population mix and relationship rates.
SHARE_MAINLAND = 0.75
SHARE_HK_TW = 0.05  # the remaining 20 % are international guests
HOUSEHOLD_RATE = 0.05  # shares the mobile of an earlier person (spouse / parent)
NUMBER_CHANGER_RATE = 0.03  # had an old mobile before a change date
CORPORATE_RATE = 0.06  # travels for a company whose travel desk books with a shared e-mail
LOYALTY_RATE = 0.35
ENGLISH_ALIAS_RATE = 0.15

CORPORATE_EMAILS = (
    "travel@huaxin-tech.com.cn",
    "trip@dongfang-energy.com.cn",
    "booking@jinhai-group.com",
    "hr.travel@ruixin-pharma.com.cn",
    "travel@northstar-consulting.com",
    "admin@kaiyuan-logistics.cn",
    "corporate.travel@apexbank.com.hk",
    "travel@minghua-auto.com.cn",
    "events@lanting-media.com",
    "xingcheng@tianyu-semicon.com.cn",
    "bookings@meridian-partners.com",
    "travel@shenglong-trade.cn",
)
CN_MAIL_DOMAINS = ("qq.com", "163.com", "126.com", "sina.com", "foxmail.com", "gmail.com", "outlook.com")
TIERS = ("silver", "gold", "platinum")
TIER_WEIGHTS = (60, 30, 10)

_S2T = opencc.OpenCC("s2t")
_SURNAME_CUM = tuple(accumulate(SURNAME_WEIGHTS))
_CITY_CUM = tuple(accumulate(MAINLAND_CITY_WEIGHTS))
_COUNTRY_CUM = tuple(accumulate(COUNTRY_WEIGHTS))
_AGE_BUCKETS = ((22, 28, 14), (28, 36, 28), (36, 46, 27), (46, 58, 20), (58, 76, 11))
_AGE_CUM = tuple(accumulate(b[2] for b in _AGE_BUCKETS))
_GIVEN_BY_GENDER = {
    (hk, g): tuple(x for x in (HK_GIVEN if hk else TW_GIVEN) if x[2] == g)
    for hk in (True, False)
    for g in "MF"
}


@dataclass(slots=True)
class Person:
    """One real-world guest. Empty strings stand for "not known"."""

    idx: int
    pid: str
    kind: str  # mainland / hk_tw / international
    nationality: str  # ISO 3166 alpha-2
    gender: str  # M / F
    birth: date
    han_sur: str = ""  # Han surname in the person's own script (traditional for HK/TW)
    han_given: str = ""
    alt_sur: str = ""  # the other script (traditional for mainland, simplified for HK/TW)
    alt_given: str = ""
    lat_sur: str = ""  # "Zhang" / "Chan" / "Müller"
    lat_given: str = ""  # "Xiaoming" / "Tai Man" / "Jürgen"
    syllables: str = ""  # mainland given-name pinyin syllables: "xiao ming"
    family_first: bool = True
    alias: str = ""  # English name or nickname used on OTA bookings
    cc: str = "86"  # mobile calling code
    mobile: str = ""  # national significant number
    old_mobile: str = ""
    phone_changed: date | None = None
    email: str = ""
    corp_email: str = ""
    id_type: str = "passport"  # resident / hrp (HK home return permit) / mtp (TW permit) / passport
    id_number: str = ""
    passport: str = ""
    loyalty_no: str = ""
    tier: str = ""
    enrolled: date | None = None
    city_zh: str = ""
    city_en: str = ""
    household: int = -1  # idx of the person whose phone this person shares

    @property
    def han_name(self) -> str:
        return self.han_sur + self.han_given

    @property
    def latin_name(self) -> str:
        """Display name in Latin script, in the person's customary order."""
        if self.family_first:
            return f"{self.lat_sur} {self.lat_given}"
        return f"{self.lat_given} {self.lat_sur}"

    @property
    def canonical_name(self) -> str:
        return self.han_name or self.latin_name

    def mobile_on(self, day: date) -> str:
        """The mobile the person used on ``day`` (number changers switched on ``phone_changed``)."""
        if self.old_mobile and self.phone_changed is not None and day < self.phone_changed:
            return self.old_mobile
        return self.mobile


def ascii_fold(text: str) -> str:
    """'Jürgen Groß' -> 'Jurgen Gross' (for e-mail addresses)."""
    text = text.replace("ß", "ss").replace("Å", "A").replace("å", "a")
    norm = unicodedata.normalize("NFKD", text)
    return "".join(c for c in norm if c.isascii())


_PINYIN_CACHE: dict[str, str] = {}


def given_pinyin(given: str) -> str:
    """Space separated pinyin syllables of a Han given name, ü written 'yu' as on passports."""
    cached = _PINYIN_CACHE.get(given)
    if cached is None:
        sylls = lazy_pinyin(given, style=Style.NORMAL, v_to_u=False)
        cached = " ".join(s.replace("v", "yu") for s in sylls)
        _PINYIN_CACHE[given] = cached
    return cached


def _birth(rng: random.Random, today: date) -> date:
    lo, hi, _ = rng.choices(_AGE_BUCKETS, cum_weights=_AGE_CUM)[0]
    days = rng.randrange(lo * 365, hi * 365)
    return date.fromordinal(today.toordinal() - days)


def _mobile(rng: random.Random, cc: str) -> str:
    return _ids.fill_shape(rng, MOBILE_PATTERNS[cc])


def _cn_given(rng: random.Random, gender: str) -> str:
    if rng.random() < 0.35:
        return rng.choice(POPULAR_GIVEN_M if gender == "M" else POPULAR_GIVEN_F)
    pool = GIVEN_CHARS_M if gender == "M" else GIVEN_CHARS_F
    if rng.random() < 0.25:
        return rng.choice(pool)
    return rng.choice(pool) + rng.choice(pool)


def _cn_email(rng: random.Random, p: Person) -> str:
    full = p.lat_sur.lower() + p.syllables.replace(" ", "")
    style = rng.randrange(6)
    domain = rng.choice(CN_MAIL_DOMAINS)
    if style == 0:
        return f"{rng.randrange(10_000_000, 3_999_999_999)}@qq.com"
    if style == 1:
        return f"{full}{p.birth.year % 100:02d}@{domain}"
    if style == 2:
        return f"{p.syllables.replace(' ', '')}.{p.lat_sur.lower()}@{domain}"
    if style == 3:
        initials = p.lat_sur[0].lower() + "".join(s[0] for s in p.syllables.split())
        return f"{initials}{rng.randrange(100, 9999)}@{domain}"
    if style == 4:
        return f"{full}@{domain}"
    return f"{full}_{rng.randrange(1, 999)}@{domain}"


def _make_mainland(rng: random.Random, p: Person) -> None:
    sur = rng.choices(SURNAMES, cum_weights=_SURNAME_CUM)[0]
    given = _cn_given(rng, p.gender)
    p.han_sur, p.han_given = sur.han, given
    p.syllables = given_pinyin(given)
    p.lat_sur = sur.pinyin.capitalize()
    p.lat_given = p.syllables.replace(" ", "").capitalize()
    trad = _S2T.convert(sur.han + given)
    p.alt_sur, p.alt_given = trad[: len(sur.han)], trad[len(sur.han) :]
    city = rng.choices(MAINLAND_CITIES, cum_weights=_CITY_CUM)[0]
    p.city_zh, p.city_en = city.zh, city.en
    area = city.area_code if rng.random() < 0.8 else rng.choice(MAINLAND_CITIES).area_code
    p.id_type, p.id_number = "resident", _ids.make_resident_id(rng, area, p.birth, p.gender)
    if rng.random() < 0.25:
        p.passport = _ids.cn_passport(rng)
    p.mobile = _mobile(rng, "86")
    if rng.random() < 0.8:
        p.email = _cn_email(rng, p)
    if rng.random() < ENGLISH_ALIAS_RATE:
        p.alias = rng.choice(ENGLISH_ALIASES_M if p.gender == "M" else ENGLISH_ALIASES_F)


def _make_hk_tw(rng: random.Random, p: Person) -> None:
    hk = rng.random() < 0.6
    sur = rng.choices(SURNAMES[:60], cum_weights=_SURNAME_CUM[:60])[0]
    given, latin_given, _ = rng.choice(_GIVEN_BY_GENDER[(hk, p.gender)])
    trad = _S2T.convert(sur.han + given)
    p.han_sur, p.han_given = trad[: len(sur.han)], trad[len(sur.han) :]
    p.alt_sur, p.alt_given = sur.han, given
    p.lat_sur = (sur.cantonese if hk else sur.wade_giles).capitalize()
    p.lat_given = latin_given
    p.nationality, p.cc = ("HK", "852") if hk else ("TW", "886")
    p.city_zh, p.city_en = rng.choice(HK_CITIES if hk else TW_CITIES)
    if hk:
        p.id_type, p.id_number = "hrp", _ids.hk_home_return_permit(rng)
        p.passport = _ids.fill_shape(rng, "K########")
    else:
        p.id_type, p.id_number = "mtp", _ids.tw_travel_permit(rng)
        p.passport = _ids.fill_shape(rng, "3########")
    p.mobile = _mobile(rng, p.cc)
    if rng.random() < 0.85:
        user = ascii_fold(p.lat_given).lower().replace(" ", "").replace("-", "")
        p.email = (
            f"{user}.{p.lat_sur.lower()}{rng.randrange(1, 99)}@{rng.choice(('gmail.com', 'yahoo.com.hk'))}"
        )
    if rng.random() < 0.3:
        p.alias = rng.choice(ENGLISH_ALIASES_M if p.gender == "M" else ENGLISH_ALIASES_F)


def _make_international(rng: random.Random, p: Person) -> None:
    country = rng.choices(COUNTRIES, cum_weights=_COUNTRY_CUM)[0]
    p.nationality, p.cc = country.iso2, country.calling_code
    p.family_first = country.family_first
    p.lat_given = rng.choice(country.given_m if p.gender == "M" else country.given_f)
    p.lat_sur = rng.choice(country.surnames)
    p.passport = _ids.fill_shape(rng, country.passport)
    p.id_number = p.passport
    p.city_en = p.city_zh = rng.choice(country.cities)
    p.mobile = _mobile(rng, p.cc)
    if rng.random() < 0.85:
        first = ascii_fold(p.lat_given).lower().replace(" ", "")
        last = ascii_fold(p.lat_sur).lower().replace(" ", "").replace("'", "")
        sep = rng.choice((".", "_", ""))
        suffix = rng.choice(("", str(rng.randrange(1, 99))))
        p.email = f"{first}{sep}{last}{suffix}@{rng.choice(country.mail_domains)}"
    if p.lat_given in NICKNAMES and rng.random() < 0.5:
        p.alias = NICKNAMES[p.lat_given]


def _relationships(rng: random.Random, people: list[Person], p: Person, today: date) -> None:
    """Households (shared phone), number changers, corporate travel desks."""
    r = rng.random()
    if r < HOUSEHOLD_RATE and p.idx > 0:
        other = people[rng.randrange(max(0, p.idx - 300), p.idx)]
        p.household, p.cc, p.mobile = other.idx, other.cc, other.mobile
        p.city_zh, p.city_en = other.city_zh, other.city_en
        if p.kind == other.kind == "mainland" and rng.random() < 0.5:  # parent and child
            p.han_sur, p.alt_sur, p.lat_sur = other.han_sur, other.alt_sur, other.lat_sur
    elif r < HOUSEHOLD_RATE + NUMBER_CHANGER_RATE:
        p.old_mobile = p.mobile
        p.mobile = _mobile(rng, p.cc)
        p.phone_changed = date.fromordinal(today.toordinal() - rng.randrange(60, 900))
    if rng.random() < CORPORATE_RATE:
        p.corp_email = rng.choice(CORPORATE_EMAILS)


def _loyalty(rng: random.Random, p: Person, today: date, taken: set[str]) -> None:
    if rng.random() >= LOYALTY_RATE:
        return
    number = f"YQ{rng.randrange(10**8, 10**9):09d}"
    while number in taken:
        number = f"YQ{rng.randrange(10**8, 10**9):09d}"
    taken.add(number)
    p.loyalty_no = number
    p.tier = rng.choices(TIERS, weights=TIER_WEIGHTS)[0]
    p.enrolled = date.fromordinal(today.toordinal() - rng.randrange(30, 8 * 365))


def make_person(rng: random.Random, people: list[Person], today: date, taken: set[str]) -> Person:
    idx = len(people)
    r = rng.random()
    kind = (
        "mainland" if r < SHARE_MAINLAND else "hk_tw" if r < SHARE_MAINLAND + SHARE_HK_TW else "international"
    )
    gender = "M" if rng.random() < 0.55 else "F"
    p = Person(idx, f"P{idx + 1:07d}", kind, "CN", gender, _birth(rng, today))
    if kind == "mainland":
        _make_mainland(rng, p)
    elif kind == "hk_tw":
        _make_hk_tw(rng, p)
    else:
        _make_international(rng, p)
    _relationships(rng, people, p, today)
    _loyalty(rng, p, today, taken)
    return p


def synthesize_people(
    rng: random.Random, count: int, today: date, tick: Callable[[int], None] | None = None
) -> list[Person]:
    """``count`` persons with ids P0000001..; ``tick(n)`` is called every 1000 persons."""
    people: list[Person] = []
    taken: set[str] = set()
    for i in range(count):
        people.append(make_person(rng, people, today, taken))
        if tick is not None and (i + 1) % 1000 == 0:
            tick(1000)
    if tick is not None:
        tick(count % 1000)
    return people

"""The guest identity fields a PMS row carries, decided once per stay before localisation."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from guestgraph.demo._dirt import (
    BAD_ID_CHECKSUM_RATE,
    MISSING_BIRTH_RATE,
    MISSING_EMAIL_RATE,
    MISSING_GENDER_RATE,
    MISSING_ID_RATE,
    Dirt,
)
from guestgraph.demo._ids import break_checksum
from guestgraph.demo._stays import Stay


@dataclass(slots=True)
class Identity:
    gender: str  # M / F / ""
    id_kind: str  # resident / passport / hrp / mtp / ""
    id_number: str
    phone_cc: str  # "" when ``phone_raw`` holds an already formatted (OTA relay) number
    phone_nat: str
    phone_raw: str
    email: str
    birth: date | None
    member_no: str


def _document(d: Dirt, st: Stay) -> tuple[str, str]:
    p, rng = st.person, d.rng
    if not st.arrived and rng.random() >= 0.2:
        return "", ""  # nobody has seen the guest's papers yet
    kind, number = p.id_type, p.id_number
    # mainland guests show a passport abroad (Hong Kong) and now and then at home
    if kind == "resident" and p.passport and (not st.hotel.mainland or rng.random() < 0.05):
        kind, number = "passport", p.passport
    if kind == "resident" and d.hit(BAD_ID_CHECKSUM_RATE, p.idx, "bad_id_checksum"):
        number = break_checksum(number)
    if st.arrived and d.hit(MISSING_ID_RATE, p.idx, "missing_id"):
        return kind, ""
    return kind, number


def _email(d: Dirt, st: Stay) -> str:
    p, rng = st.person, d.rng
    if st.corp_contact:
        return p.corp_email
    if st.is_ota and rng.random() < 0.4:
        return st.ota_email
    return d.blank(p.idx, p.email, MISSING_EMAIL_RATE, "missing_email")


def guest_identity(d: Dirt, st: Stay) -> Identity:
    """Identity fields for one PMS row; arrived guests have had their documents scanned."""
    p, rng = st.person, d.rng
    kind, number = _document(d, st)
    if st.is_ota and st.ota_phone and rng.random() < 0.5:
        cc, nat, raw = "", "", st.ota_phone
    else:
        cc, nat, raw = p.cc, p.mobile_on(st.arrival), ""
    known = st.arrived or rng.random() < 0.3
    birth = p.birth if known and not d.hit(MISSING_BIRTH_RATE, p.idx, "missing_birth_date") else None
    gender = p.gender if (known or rng.random() < 0.7) else ""
    gender = d.blank(p.idx, gender, MISSING_GENDER_RATE, "missing_gender")
    member = ""
    if p.loyalty_no and p.enrolled is not None and p.enrolled <= st.arrival and rng.random() < 0.75:
        member = p.loyalty_no
    return Identity(gender, kind, number, cc, nat, raw, _email(d, st), birth, member)

"""Standardising one person (guest, booker, companion, member) of an inbound record."""

from __future__ import annotations

from typing import Any

from guestgraph import cleanse
from guestgraph.cleanse import CleanseError
from guestgraph.ingest._context import RecordContext

CONSENT_YES = frozenset({"yes", "y", "true", "1", "granted", "opt-in", "optin", "是", "同意"})
CONSENT_NO = frozenset({"no", "n", "false", "0", "denied", "withdrawn", "opt-out", "optout", "否", "不同意"})
PLAIN_FIELDS = (
    "role",
    "loyalty_program",
    "loyalty_number",
    "loyalty_tier",
    "vip_level",
    "language",
    "address_line",
    "city",
    "postal_code",
    "region",
    "company_name",
    "middle_name",
    "alt_name",
)


def standardise_person(ctx: RecordContext, index: int, person: dict[str, str | None]) -> dict[str, Any]:
    """The standardised person; each distinct value of an import is parsed once (RecordContext.cached)."""
    return _standardise_person(ctx, index, person)


def _standardise_person(ctx: RecordContext, index: int, person: dict[str, str | None]) -> dict[str, Any]:
    out: dict[str, Any] = {k: person[k] for k in PLAIN_FIELDS if person.get(k)}
    out.setdefault("role", "primary" if index == 0 else "additional")
    _name(ctx, index, person, out)
    _phone(ctx, index, person.get("phone"), out, "phone")
    _phone(ctx, index, person.get("phone_alt"), out, "phone_alt")
    _email(ctx, index, person.get("email"), out)
    _document(ctx, index, person, out)
    _birth_date(ctx, index, person.get("birth_date"), out)
    _gender(ctx, index, person.get("gender"), out)
    for key in ("nationality", "country", "id_issuing_country"):
        _country(ctx, index, key, person.get(key), out)
    for key in ("consent_email_marketing", "consent_sms_marketing", "consent_post_marketing"):
        _consent(person.get(key), key, out)
    return out


def _name(ctx: RecordContext, i: int, p: dict[str, str | None], out: dict[str, Any]) -> None:
    full, family, given = p.get("full_name"), p.get("family_name"), p.get("given_name")
    if not (full or family or given):
        return
    try:
        name = ctx.cached(
            "name",
            (full, family, given),
            lambda: cleanse.parse_person_name(full=full, family=family, given=given),
        )
    except CleanseError as e:
        ctx.warn("name.standardised", "full_name", i, full or f"{family} {given}", detail=e.message)
        out["full_name"] = full or " ".join(x for x in (family, given) if x)
        return
    out.update(
        full_name=name.as_sent,
        family_name=name.family,
        given_name=name.given,
        name_script=name.script,
        name_simplified=name.simplified,
        name_pinyin=name.pinyin,
        name_latin_key=name.latin_key,
        surname_only=name.is_surname_only,
    )
    if name.salutation or p.get("salutation"):
        out["salutation"] = name.salutation or p.get("salutation")
    shown = " ".join(x for x in (name.family, name.given) if x)
    if name.simplified and name.simplified != name.as_sent or name.salutation:
        ctx.fix("name.standardised", "full_name", i, name.as_sent, shown)


def _phone(ctx: RecordContext, i: int, raw: str | None, out: dict[str, Any], key: str) -> None:
    if not raw:
        return
    try:
        phone = ctx.cached("phone", raw, lambda: cleanse.parse_phone(raw, default_region=ctx.default_region))
    except CleanseError as e:
        ctx.warn("phone.invalid", key, i, raw, detail=e.message)
        return
    out[key] = phone.e164
    out[f"{key}_kind"] = phone.kind
    if phone.non_identifying:
        out[f"{key}_non_identifying"] = True
        ctx.warn("phone.non_identifying", key, i, raw, phone.e164)
    elif phone.e164 != raw:
        ctx.fix("phone.standardised", key, i, raw, phone.e164)


def _email(ctx: RecordContext, i: int, raw: str | None, out: dict[str, Any]) -> None:
    if not raw:
        return
    try:
        email = ctx.cached("email", raw, lambda: cleanse.parse_email(raw))
    except CleanseError as e:
        ctx.warn("email.invalid", "email", i, raw, detail=e.message)
        return
    out["email"], out["email_kind"] = email.address, email.kind
    if email.non_identifying:
        out["email_non_identifying"] = True
        ctx.warn("email.non_identifying", "email", i, raw, email.address)
    elif email.address != raw:
        ctx.fix("email.standardised", "email", i, raw, email.address)


def _document(ctx: RecordContext, i: int, p: dict[str, str | None], out: dict[str, Any]) -> None:
    number = p.get("id_number")
    if not number:
        return
    try:
        kind = p.get("id_type") or ""
        doc = ctx.cached("document", (kind, number), lambda: cleanse.parse_document(kind, number))
    except CleanseError as e:
        ctx.warn("document.invalid", "id_number", i, _mask(number), detail=e.message)
        return
    out["id_type"], out["id_number"] = doc.type, doc.number
    if doc.birth_date:
        out["id_birth_date"] = doc.birth_date.isoformat()
    if doc.gender:
        out["id_gender"] = doc.gender


def _mask(number: str) -> str:
    return "*" * max(len(number) - 4, 0) + number[-4:]


def _birth_date(ctx: RecordContext, i: int, raw: str | None, out: dict[str, Any]) -> None:
    derived = out.get("id_birth_date")
    if raw:
        try:
            born = ctx.parse_date(raw)
        except CleanseError as e:
            ctx.warn("birth_date.invalid", "birth_date", i, raw, detail=e.message)
            born = None
        if born and not cleanse.plausible_birth_date(born, today=ctx.today):
            ctx.warn("birth_date.implausible", "birth_date", i, raw)
            born = None
        if born:
            out["birth_date"] = born.isoformat()
            if born.isoformat() != raw:
                ctx.fix("date.standardised", "birth_date", i, raw, born.isoformat())
    if derived and out.get("birth_date") and derived != out["birth_date"]:
        ctx.warn("document.birth_mismatch", "birth_date", i, out["birth_date"], derived)
    if derived and "birth_date" not in out:
        out["birth_date"] = derived


def _gender(ctx: RecordContext, i: int, raw: str | None, out: dict[str, Any]) -> None:
    gender: str | None = None
    if raw:
        try:
            gender = ctx.cached("gender", raw, lambda: cleanse.parse_gender(raw))
        except CleanseError:
            ctx.warn("gender.invalid", "gender", i, raw)
    gender = gender or _gender_from_salutation(out.get("salutation"))
    derived = out.get("id_gender")
    if gender and derived and gender != derived:
        ctx.warn("document.birth_mismatch", "gender", i, gender, derived)
    if gender or derived:
        out["gender"] = gender or derived


def _gender_from_salutation(salutation: str | None) -> str | None:
    if not salutation:
        return None
    try:
        return cleanse.parse_gender(salutation)
    except CleanseError:
        return None


def _country(ctx: RecordContext, i: int, key: str, raw: str | None, out: dict[str, Any]) -> None:
    if not raw:
        return
    try:
        out[key] = ctx.cached("country", raw, lambda: cleanse.parse_country(raw))
    except CleanseError:
        ctx.warn("country.invalid", key, i, raw)


def _consent(raw: str | None, key: str, out: dict[str, Any]) -> None:
    if not raw:
        return
    value = raw.strip().lower()
    if value in CONSENT_YES:
        out[key] = "granted"
    elif value in CONSENT_NO:
        out[key] = "withdrawn"

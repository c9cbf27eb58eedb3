"""Breach readiness (PIPL 57, GDPR 33/34, CAC incident measures): from the set of affected guests, one
call produces the incident record — data categories and counts, the clocks per jurisdiction, and
notice drafts in Chinese and English — computed set-based, so a million guests take seconds."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Column, Integer, MetaData, Select, Table, case, func, select
from sqlalchemy.orm import Session

from guestgraph.db.models import Guest, GuestStatus, Hotel, Stay, StayGuest

EEA = frozenset(
    {"AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT"}
    | {"LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE", "IS", "LI", "NO"}
)


@dataclass(frozen=True)
class BreachReport:
    discovered_at: datetime
    cause: str
    measures: str
    contact: str
    guests: int
    categories: dict[str, int]
    sensitive: dict[str, int]
    jurisdictions: dict[str, int]
    deadlines: dict[str, str]
    notices: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in self.__dict__.items()}


def affected_by_hotel(code: str) -> Select[int]:
    """Guests with a stay at a hotel (e.g. its PMS was compromised)."""
    return (
        select(StayGuest.guest_id)
        .join(Stay, Stay.id == StayGuest.stay_id)
        .join(Hotel, Hotel.id == Stay.hotel_id)
        .where(Hotel.code == code)
        .distinct()
    )


AFFECTED = Table("breach_affected", MetaData(), Column("guest_id", Integer), prefixes=["TEMPORARY"])
CHUNK = 10_000  # guest IDs looked up per statement (SQLite allows 32,766 bound values)


def affected_by_ids(session: Session, public_ids: Iterable[str]) -> Select[int]:
    """The guests of a list of guest IDs (say, the rows of a leaked file; a million is fine): resolved in
    chunks into a temporary table of this session's connection, which the report then reads. An ID
    that names no guest is left out; a merged guest's old ID counts as its survivor."""
    AFFECTED.drop(session.connection(), checkfirst=True)
    AFFECTED.create(session.connection())
    ids = list(dict.fromkeys(i.strip() for i in public_ids if i.strip()))
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        found = select(func.coalesce(Guest.merged_into_id, Guest.id)).where(Guest.public_id.in_(chunk))
        session.execute(AFFECTED.insert().from_select(["guest_id"], found))
    return select(AFFECTED.c.guest_id).distinct()


def _present(column: Any) -> Any:
    return func.sum(case((column.is_not(None), 1), else_=0))


def breach_report(
    session: Session,
    affected: Select[int],
    *,
    cause: str,
    measures: str,
    contact: str,
    discovered_at: datetime,
) -> BreachReport:
    """The incident record for the guests `affected` selects (one aggregate query per table)."""
    ids = affected.subquery()
    g = Guest
    row = session.execute(
        select(
            func.count(),
            _present(g.full_name),
            _present(g.phone_enc),
            _present(g.email_enc),
            _present(g.id_number_enc),
            _present(g.birth_date_enc),
            _present(g.loyalty_number),
            func.sum(case((g.nationality == "CN", 1), else_=0)),
            func.sum(case((g.nationality.in_(EEA), 1), else_=0)),
        ).where(g.id.in_(select(ids.c[0])), g.status != GuestStatus.ERASED)
    ).one()
    total, names, phones, emails, documents, births, loyalty, cn, eea = (int(v or 0) for v in row)
    with_stays = int(
        session.scalar(
            select(func.count(func.distinct(StayGuest.guest_id))).where(
                StayGuest.guest_id.in_(select(ids.c[0]))
            )
        )
        or 0
    )
    categories = {"name": names, "phone": phones, "email": emails, "loyalty_number": loyalty}
    sensitive = {"id_document": documents, "birth_date": births, "stays_whereabouts": with_stays}
    jurisdictions = {
        "PIPL (mainland China nationals)": cn,
        "GDPR (EEA nationals)": eea,
        "other": total - cn - eea,
    }
    deadlines = {
        "PIPL art. 57 (notify CAC / affected individuals)": "immediately",
        # The security checklist's reading of the CAC incident-reporting measures (2025): a critical
        # information infrastructure operator within 1 h, a major incident within 30 min. Both are
        # given; the incident's classification decides which applies (confirm with counsel).
        "CAC incident measures (critical information infrastructure)": (
            discovered_at + timedelta(hours=1)
        ).isoformat(),
        "CAC incident measures (major incident)": (discovered_at + timedelta(minutes=30)).isoformat(),
        "GDPR art. 33 (supervisory authority)": (discovered_at + timedelta(hours=72)).isoformat(),
        "GDPR art. 34 (data subjects, high risk)": "without undue delay",
    }
    report = BreachReport(
        discovered_at, cause, measures, contact, total, categories, sensitive, jurisdictions, deadlines
    )
    return BreachReport(**{**report.__dict__, "notices": _notices(report)})


def _notices(r: BreachReport) -> dict[str, str]:
    zh = (
        f"个人信息安全事件告知（草稿）\n发现时间：{r.discovered_at:%Y-%m-%d %H:%M} UTC\n"
        f"事件原因：{r.cause}\n涉及人数：{r.guests}\n"
        f"涉及信息种类：姓名 {r.categories['name']}、手机号 {r.categories['phone']}、"
        f"电子邮箱 {r.categories['email']}；"
        f"敏感个人信息：身份证件 {r.sensitive['id_document']}、出生日期 {r.sensitive['birth_date']}、"
        f"住宿记录（行踪轨迹）{r.sensitive['stays_whereabouts']}\n"
        f"已采取的补救措施：{r.measures}\n个人可采取的措施：警惕冒充酒店的电话和短信，不要透露验证码。\n"
        f"联系方式：{r.contact}\n"
    )
    en = (
        f"Personal data breach notification (draft)\nDiscovered: {r.discovered_at:%Y-%m-%d %H:%M} UTC\n"
        f"Nature and cause: {r.cause}\nData subjects concerned: {r.guests} "
        f"(EEA nationals: {r.jurisdictions['GDPR (EEA nationals)']})\n"
        f"Categories: name {r.categories['name']}, phone {r.categories['phone']}, "
        f"e-mail {r.categories['email']}; "
        f"identity documents {r.sensitive['id_document']}, birth dates {r.sensitive['birth_date']}, "
        f"stay records {r.sensitive['stays_whereabouts']}\n"
        f"Likely consequences: phishing and impersonation of the hotel.\nMeasures taken: {r.measures}\n"
        f"Contact point (DPO): {r.contact}\n"
    )
    return {"zh_CN": zh, "en": en}

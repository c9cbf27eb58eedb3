"""Shared helpers for the ingestion tests: real files, real database, counted with SQL."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from guestgraph.db import make_session_factory
from guestgraph.db.models import RecordIssue, SourceRecord
from tests.factories import opened_record

PMS_CN_HEADER = [
    "确认号",
    "姓名",
    "性别",
    "证件类型",
    "证件号码",
    "手机",
    "邮箱",
    "生日",
    "国籍",
    "到店日期",
    "离店日期",
    "房号",
    "房型",
    "房价码",
    "渠道",
    "房费",
    "币种",
    "状态",
    "会员卡号",
    "备注",
]


def factory(engine: Engine) -> sessionmaker[Session]:
    return make_session_factory(engine)


def write_pms_cn(
    path: Path, rows: list[dict[str, str]], *, encoding: str = "gb18030", title: bool = True
) -> Path:
    with path.open("w", encoding=encoding, newline="") as fh:
        if title:
            fh.write("云栖上海外滩酒店 在住及离店客人报表\r\n导出时间: 2026-11-01\r\n")
        writer = csv.DictWriter(fh, fieldnames=PMS_CN_HEADER)
        writer.writeheader()
        for row in rows:
            writer.writerow({k: row.get(k, "") for k in PMS_CN_HEADER})
    return path


def good_row(conf: str, **overrides: str) -> dict[str, str]:
    row = {
        "确认号": conf,
        "姓名": "王小明",
        "性别": "男",
        "证件类型": "身份证",
        "证件号码": "110101199003074258",
        "手机": "138-1234-5678",
        "邮箱": "Wang.XM@QQ.com",
        "生日": "1990-03-07",
        "国籍": "中国",
        "到店日期": "2026/10/01",
        "离店日期": "2026/10/03",
        "房号": "1808",
        "房型": "高级大床房",
        "房价码": "BAR",
        "渠道": "官网",
        "房费": "1,280.00",
        "币种": "CNY",
        "状态": "离店",
    }
    row.update(overrides)
    return row


def count(session: Session, *where: object) -> int:
    return session.scalar(select(func.count()).select_from(SourceRecord).where(*where)) or 0  # type: ignore[arg-type]


def rules_of(session: Session, external_id: str) -> set[str]:
    """Every rule that fired on the record: warnings/rejections (record_issue) and fixes (changes)."""
    issues = set(
        session.scalars(
            select(RecordIssue.rule)
            .join(SourceRecord, SourceRecord.id == RecordIssue.source_record_id)
            .where(SourceRecord.external_id == external_id)
        )
    )
    query = select(SourceRecord).where(SourceRecord.external_id == external_id)
    documents = [opened_record(session, r).standardised for r in session.scalars(query)]
    changes = {change[0] for std in documents for change in std.get("changes", [])}
    return issues | changes


def booking(ext: str, version: int | None, departure: str = "2026-12-03", **extra: object) -> dict[str, Any]:
    """One reservation as the push API takes it (JSON), for Wei Zhang at SHA01 from 1 December."""
    return {
        "external_id": ext,
        "record_type": "reservation",
        "version": version,
        "hotel_code": "SHA01",
        "fields": {
            "confirmation_number": ext,
            "arrival": "2026-12-01",
            "departure": departure,
            "amount": "990",
            "currency": "CNY",
            "stay_status": "Commit",
        },
        "persons": [
            {
                "role": "primary",
                "values": {"given_name": "Wei", "family_name": "Zhang", "email": "abc123@guest.booking.com"},
            }
        ],
        **extra,
    }

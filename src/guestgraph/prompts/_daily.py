"""Daily generation for the worker: once per day of the process's clock (and at its start), the
prompts of every hotel's tomorrow. Idempotent, so two workers or a restart do no harm."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.orm import Session, sessionmaker

from guestgraph.prompts._generate import GenerateReport, generate_for_tomorrow


class DailyPrompts:
    def __init__(self) -> None:
        self.last_day: date | None = None

    def run_if_due(self, factory: sessionmaker[Session], now: datetime) -> GenerateReport | None:
        if self.last_day == now.date():
            return None
        with factory() as session:
            report = generate_for_tomorrow(session, now=now)
            session.commit()
        self.last_day = now.date()
        return report

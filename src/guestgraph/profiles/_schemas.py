"""Shapes of guest data leaving the profiles package (already scoped and masked)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class GuestSummary(BaseModel):
    """One line of the guest list; personal fields are masked."""

    public_id: str = Field(description="The stable global guest ID.")
    name: str | None = Field(description="Display name, masked.")
    name_pinyin: str | None
    gender: str | None
    nationality: str | None
    phone: str | None = Field(description="Phone in E.164, masked.")
    email: str | None = Field(description="E-mail, masked.")
    loyalty_tier: str | None
    status: str
    updated_at: datetime

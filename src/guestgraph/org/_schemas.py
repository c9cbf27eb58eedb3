"""Shapes of the hotel group, in and out."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from guestgraph.db.models import SourceKind


class RegionSpec(BaseModel):
    code: str = Field(min_length=1, max_length=20)
    name_zh: str
    name_en: str


class HotelSpec(BaseModel):
    code: str = Field(min_length=1, max_length=20)
    name_zh: str
    name_en: str
    region: str
    city_zh: str | None = None
    city_en: str | None = None
    timezone: str = "Asia/Shanghai"
    currency: str = Field("CNY", min_length=3, max_length=3)
    rooms: int | None = Field(None, ge=1)
    pms_feed: bool = Field(False, description="Stays come from a PMS feed (no stay operations here).")


class SourceSystemSpec(BaseModel):
    code: str = Field(min_length=1, max_length=40)
    kind: SourceKind
    name_zh: str
    name_en: str
    trust_rank: int = 50


class GroupInfo(BaseModel):
    code: str
    name_zh: str
    name_en: str


class GroupSpec(BaseModel):
    """The `group.json` file: the group, its regions, hotels and source systems."""

    model_config = ConfigDict(extra="ignore")

    group: GroupInfo
    regions: list[RegionSpec]
    hotels: list[HotelSpec]
    source_systems: list[SourceSystemSpec] = []


class HotelPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str
    name_zh: str
    name_en: str
    region_code: str
    region_name_zh: str
    region_name_en: str
    city_zh: str | None
    city_en: str | None
    timezone: str
    currency: str
    rooms: int | None
    pms_feed: bool = False
    guests: int = Field(0, description="Guests with a stay or a source record at this hotel.")
    stays: int = 0

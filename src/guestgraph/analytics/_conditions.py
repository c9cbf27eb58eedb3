"""The segment language: a tree of conditions (pydantic, saved as JSON), combined with and/or/not.

Rule tags are written in the same language (rules/default.yaml), so a tag and a segment that say the
same thing select the same guests.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, model_validator

Op = Literal["=", "!=", ">", ">=", "<", "<=", "in", "not_in", "present", "absent"]
Scalar = str | int | float | bool
Value = Scalar | list[Scalar] | None

AttributeField = Literal["gender", "nationality", "country", "city", "language", "loyalty_tier", "vip_level"]
MetricField = Literal[
    "bookings",
    "stays",
    "nights",
    "days_since",
    "usual_interval_days",
    "longest_stay",
    "weekday_share",
    "child_stays",
    "corporate_stays",
    "ota_stays",
    "direct_stays",
    "ota_share",
    "direct_share",
    "complaints",
    "monetary",
    "room_revenue",
    "fnb_spend",
    "spa_spend",
    "other_spend",
    "r_score",
    "f_score",
    "m_score",
    "rfm_group",
    "stage",
    "churn_warning",
]
ATTRIBUTE_FIELDS: tuple[str, ...] = get_args(AttributeField)
METRIC_FIELDS: tuple[str, ...] = get_args(MetricField)
StayStatusName = Literal["booked", "in_house", "checked_out", "cancelled", "no_show"]
COUNTED_STATUSES: tuple[StayStatusName, ...] = ("checked_out", "in_house")
OutletName = Literal["room", "fnb", "spa", "minibar", "other"]
FIELD_NAME = r"^[a-z][a-z0-9_]{0,29}$"  # a guest field's name (guest_field.name)
_LIST_OPS = ("in", "not_in")
_NO_VALUE_OPS = ("present", "absent")


class _Leaf(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Compare(_Leaf):
    op: Op
    value: Value = None

    @model_validator(mode="after")
    def _value_fits_op(self) -> _Compare:
        if self.op in _LIST_OPS and not isinstance(self.value, list):
            raise ValueError(f"`{self.op}` needs a list of values")
        single = self.op not in _LIST_OPS and self.op not in _NO_VALUE_OPS
        if single and (self.value is None or isinstance(self.value, list)):
            raise ValueError(f"`{self.op}` needs one value")
        return self


class AttributeCondition(_Compare):
    """A golden attribute of the guest, e.g. loyalty_tier in [gold, platinum]."""

    type: Literal["attribute"] = "attribute"
    field: AttributeField


class MetricCondition(_Compare):
    """A figure from the last refresh (guest_metrics), e.g. m_score >= 4 or stage = at_risk."""

    type: Literal["metric"] = "metric"
    field: MetricField


class TagCondition(_Leaf):
    """The guest currently carries the tag (rule or manual)."""

    type: Literal["tag"] = "tag"
    tag: str = Field(min_length=1, max_length=40)


class FieldCondition(_Compare):
    """One of the guest's journey fields (guestgraph.journeys `update_field`), e.g.
    survey_followup = called, or absent; compared as text."""

    type: Literal["field"] = "field"
    name: str = Field(pattern=FIELD_NAME)


class StayCondition(_Leaf):
    """At least `min_count` stays matching every filter given (empty filters match anything)."""

    type: Literal["stay"] = "stay"
    hotels: list[str] = Field(default_factory=list)
    arrival_from: date | None = None
    arrival_to: date | None = None
    min_nights: int | None = Field(None, ge=0)
    max_nights: int | None = Field(None, ge=0)
    channels: list[str] = Field(default_factory=list)
    room_types: list[str] = Field(default_factory=list)
    rate_plans: list[str] = Field(default_factory=list)
    statuses: list[StayStatusName] = Field(default_factory=lambda: list(COUNTED_STATUSES))
    min_count: int = Field(1, ge=1)


class SpendCondition(_Leaf):
    """The guest's folio spend at these outlets (and hotels, dates) compared with an amount."""

    type: Literal["spend"] = "spend"
    outlets: list[OutletName] = Field(default_factory=list)
    hotels: list[str] = Field(default_factory=list)
    since: date | None = None
    until: date | None = None
    op: Literal[">", ">=", "<", "<="] = ">="
    amount: Decimal = Field(ge=0, max_digits=14, decimal_places=2)


class BirthdayCondition(_Leaf):
    """The guest's birthday falls in the current month."""

    type: Literal["birthday"] = "birthday"


class AllOf(_Leaf):
    type: Literal["and"] = "and"
    conditions: list[Condition] = Field(min_length=1, max_length=50)


class AnyOf(_Leaf):
    type: Literal["or"] = "or"
    conditions: list[Condition] = Field(min_length=1, max_length=50)


class Not(_Leaf):
    type: Literal["not"] = "not"
    condition: Condition


Condition = Annotated[
    AttributeCondition
    | MetricCondition
    | TagCondition
    | FieldCondition
    | StayCondition
    | SpendCondition
    | BirthdayCondition
    | AllOf
    | AnyOf
    | Not,
    Field(discriminator="type"),
]


class SegmentDefinition(BaseModel):
    """What a saved segment or a preview request carries."""

    model_config = ConfigDict(extra="forbid")

    condition: Condition


AllOf.model_rebuild()
AnyOf.model_rebuild()
Not.model_rebuild()
SegmentDefinition.model_rebuild()


def depth(condition: Condition) -> int:
    if isinstance(condition, AllOf | AnyOf):
        return 1 + max(depth(c) for c in condition.conditions)
    if isinstance(condition, Not):
        return 1 + depth(condition.condition)
    return 1

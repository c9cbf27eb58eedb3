"""What a prompt rule asks of an arriving stay, as data (JSON in `prompt_rule.condition`): children in
the booking, an arrival alert the front desk already derives (profiles.alerts_for), words in the
guest's preferences or notes, or a guest tag (analytics rule tags or staff tags)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, TypeAdapter, ValidationError

from guestgraph.errors import InvalidInput

DEPARTMENTS = ("housekeeping", "front_office", "food_beverage", "duty_manager")


class Children(BaseModel):
    """At least `at_least` children in the booking's guest counts."""

    model_config = {"extra": "forbid"}
    type: Literal["children"]
    at_least: int = Field(1, ge=1, le=20)


class AlertIs(BaseModel):
    """The arrival alert of this kind (profiles.alerts_for, evaluated in the hotel's own scope)."""

    model_config = {"extra": "forbid"}
    type: Literal["alert"]
    kind: Literal["vip_arriving", "allergy", "complaint_last_stay", "birthday", "do_not_rent"]


class Mentions(BaseModel):
    """Any of the words in an active preference or a note about the guest (case ignored)."""

    model_config = {"extra": "forbid"}
    type: Literal["mentions"]
    words: list[Annotated[str, Field(min_length=1, max_length=40)]] = Field(min_length=1, max_length=40)
    preferences: bool = True
    notes: bool = True


class Tagged(BaseModel):
    """The guest carries this open tag (a rule tag such as `family`, or a staff tag)."""

    model_config = {"extra": "forbid"}
    type: Literal["tag"]
    tag: str = Field(min_length=1, max_length=40)


Condition = Annotated[Children | AlertIs | Mentions | Tagged, Field(discriminator="type")]
_CONDITION: TypeAdapter[Condition] = TypeAdapter(Condition)

# The reason of a prompt, by kind, in English (the message id; prompts.po has the Chinese).
REASONS: dict[str, str] = {
    "children": "%(detail)s children in the booking",
    "vip_arriving": "VIP / loyalty tier: %(detail)s",
    "allergy": "Allergy: %(detail)s",
    "complaint_last_stay": "Complaint on the last stay: %(detail)s",
    "birthday": "Birthday on %(detail)s, during the stay",
    "do_not_rent": "Do not rent: %(detail)s",
    "mentions": "Mentions “%(detail)s” in a preference or note",
    "tag": "Tagged: %(detail)s",
}


def parse_condition(data: Any, *, where: str = "the rule") -> Condition:
    """A condition from its JSON form; anything else is a 400 naming the problem."""
    try:
        return _CONDITION.validate_python(data)
    except ValidationError as e:
        first = e.errors()[0]
        at = ".".join(str(p) for p in first["loc"])
        raise InvalidInput(
            f"The condition of {where} is not valid: {first['msg']} (at {at or 'the top'}).",
            hint='Write it like {"type": "children", "at_least": 1}, {"type": "alert", "kind": "allergy"}, '
            '{"type": "mentions", "words": ["pet", "宠物"]} or {"type": "tag", "tag": "vip"}.',
        ) from e


def reason_text(kind: str, detail: str | None) -> str:
    """The reason in English (the API's `reason`; pages translate REASONS[kind])."""
    return REASONS.get(kind, "%(detail)s") % {"detail": detail or ""}

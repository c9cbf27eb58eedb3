"""A journey as data: one trigger, then steps run in order for each guest it enrols.

Triggers: entered a segment, a lifecycle change (became at-risk, dormant …), a booking created, a
check-in, a check-out, a birthday in N days, a loyalty tier change (up or down), a service ticket
closed, a survey answered with a low score. Each may carry a `where` condition in the segment language
(guestgraph.analytics), e.g. high-value guests only.
Steps: wait (a duration), condition (if the guest matches, go on; else jump ahead or exit), send an
e-mail or a text message (SMS, WeChat) through the consent gate, add or remove a tag, create a staff
task (a service ticket), update one of the guest's journey fields, issue a coupon.
A condition only jumps forward, so every guest's way through a journey is finite and each step runs
at most once per enrolment.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from guestgraph.analytics import FIELD_NAME, Condition
from guestgraph.engage import SMS_LIMIT
from guestgraph.journeys._errors import JourneyInvalid

StepKey = Annotated[str, Field(pattern=r"^[a-z0-9_]{1,20}$")]
Stage = Literal["new", "active", "won_back", "at_risk", "dormant", "churned"]
TicketCategory = Literal["room", "cleaning", "fnb", "billing", "noise", "lost_item", "other"]
EXIT = "exit"


class _Part(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Trigger(_Part):
    where: Condition | None = None  # only guests who also match this


class SegmentEntered(_Trigger):
    """A guest entered the saved segment (after the journey was activated, unless `include_existing`)."""

    type: Literal["segment_entered"] = "segment_entered"
    segment_id: int
    include_existing: bool = False


class StageChanged(_Trigger):
    """The lifecycle refresh moved a guest into `stage` on or after the journey's activation day."""

    type: Literal["stage_changed"] = "stage_changed"
    stage: Stage


class StayEvent(_Trigger):
    """A stay was booked (created), checked in or checked out; one enrolment per stay and guest.
    Stays whose event day is more than `within_days` old are left alone."""

    type: Literal["booking_created", "checked_in", "checked_out"]
    within_days: int = Field(3, ge=0, le=60)
    first_stay_only: bool = False  # no earlier checked-out or in-house stay


class BirthdayIn(_Trigger):
    """The guest's birthday is `days` days away (once a year)."""

    type: Literal["birthday"] = "birthday"
    days: int = Field(0, ge=0, le=60)


class TierChanged(_Trigger):
    """Tier evaluation moved a loyalty membership up or down (guestgraph.loyalty), on or after the
    journey's activation; optionally only into the tier `tier` (its code) or in the scheme `scheme`."""

    type: Literal["tier_changed"] = "tier_changed"
    direction: Literal["up", "down", "any"] = "up"
    tier: str | None = Field(None, max_length=20)
    scheme: str | None = Field(None, max_length=20)


class TicketClosed(_Trigger):
    """A service ticket about the guest was closed (guestgraph.service) on or after the journey's
    activation and at most `within_days` ago; optionally only tickets of these categories. One
    enrolment per ticket, at the ticket's hotel."""

    type: Literal["ticket_closed"] = "ticket_closed"
    categories: list[TicketCategory] = Field(default_factory=list)
    within_days: int = Field(3, ge=0, le=60)


class SurveyAnswered(_Trigger):
    """The guest answered a post-stay survey with a low score: NPS at most `max_nps` (0-10, 6 and
    below are detractors) or CSAT at most `max_csat` (1-5); a bound left out is not asked. One
    enrolment per survey, on its stay (so a later wait can count from the departure)."""

    type: Literal["survey_answered"] = "survey_answered"
    max_nps: int | None = Field(6, ge=0, le=10)
    max_csat: int | None = Field(2, ge=1, le=5)
    within_days: int = Field(3, ge=0, le=60)

    @model_validator(mode="after")
    def _some_bound(self) -> SurveyAnswered:
        if self.max_nps is None and self.max_csat is None:
            raise ValueError("give max_nps or max_csat (or both): what counts as a low score")
        return self


Trigger = Annotated[
    SegmentEntered | StageChanged | StayEvent | BirthdayIn | TierChanged | TicketClosed | SurveyAnswered,
    Field(discriminator="type"),
]


class _Step(_Part):
    key: StepKey


class Wait(_Step):
    """A duration; or, with `until`, until `offset_days` from the arrival or departure of the stay that
    enrolled the guest, at `hour` local time of its hotel (a guest without a stay, or a time already
    past, goes straight on)."""

    type: Literal["wait"] = "wait"
    days: int = Field(0, ge=0, le=365)
    hours: int = Field(0, ge=0, le=24 * 365)
    minutes: int = Field(0, ge=0, le=60 * 24)
    until: Literal["arrival", "departure"] | None = None
    offset_days: int = Field(0, ge=-365, le=365)
    hour: int = Field(10, ge=0, le=23)

    @property
    def duration(self) -> timedelta:
        return timedelta(days=self.days, hours=self.hours, minutes=self.minutes)


class Branch(_Step):
    """If the guest matches `condition`, the next step; otherwise `otherwise` (a later step, or exit)."""

    type: Literal["condition"] = "condition"
    condition: Condition
    otherwise: str = EXIT


class SendEmail(_Step):
    """An e-mail in the guest's language; asked of the consent gate, quiet hours and the cap first."""

    type: Literal["send_email"] = "send_email"
    purpose: Literal["marketing"] = "marketing"
    subject_zh: str = Field(min_length=1, max_length=200)
    subject_en: str = Field(min_length=1, max_length=200)
    body_zh: str = Field(min_length=1, max_length=20_000)
    body_en: str = Field(min_length=1, max_length=20_000)


class SendSurvey(_Step):
    """The post-stay survey of the enrolment's stay by e-mail (NPS, CSAT, outlet ratings, a comment):
    asked of the consent gate like every survey, once per stay and guest."""

    type: Literal["send_survey"] = "send_survey"


class SendText(_Step):
    """An SMS or WeChat message (text only) in the guest's language, through the channel's gateway,
    to the guest's mobile number (WeChat: the mobile the account is bound to); the same consent gate
    (for that channel), quiet hours and cap as an e-mail. An SMS is at most 300 characters, and ends
    with the opt-out line 回复TD退订 / Reply TD to unsubscribe. A WeChat message with `template` is a
    template message: the gateway gets the template ID with the text."""

    type: Literal["send_text"] = "send_text"
    channel: Literal["sms", "wechat"] = "sms"
    purpose: Literal["marketing"] = "marketing"
    body_zh: str = Field(min_length=1, max_length=2_000)
    body_en: str = Field(min_length=1, max_length=2_000)
    # WeChat only: a template message, by the template ID registered with the official account (the
    # gateway adapter fills its fields from the text)
    template: str | None = Field(None, pattern=r"^[A-Za-z0-9_\-]{1,64}$")

    @model_validator(mode="after")
    def _short_enough(self) -> SendText:
        if self.template and self.channel != "wechat":
            raise ValueError("`template` is a WeChat template message's ID: only with channel wechat")
        if self.channel == "sms":
            for lang, body in (("body_zh", self.body_zh), ("body_en", self.body_en)):
                if len(body) > SMS_LIMIT:
                    raise ValueError(f"{lang} has {len(body)} characters; an SMS takes at most {SMS_LIMIT}")
        return self


class Tag(_Step):
    type: Literal["add_tag", "remove_tag"]
    tag: str = Field(min_length=1, max_length=40)


class Task(_Step):
    """A service ticket for staff at the enrolment's hotel (the stay's, else the journey's)."""

    type: Literal["create_task"] = "create_task"
    title_zh: str = Field(min_length=1, max_length=200)
    title_en: str = Field(min_length=1, max_length=200)
    team: str | None = Field(None, max_length=40)
    category: TicketCategory = "other"
    priority: Literal["low", "normal", "high", "urgent"] = "normal"  # service.CATEGORIES, PRIORITIES


class UpdateField(_Step):
    """Set (or, with no value, clear) one of the guest's journey fields: a named value of the guest's
    own profile that journeys and staff keep, such as `survey_followup: called`, which later conditions
    ask with {type: field, name, op, value}. Golden attributes (name, phone, VIP level …) are not
    written here: they come from the source systems through survivorship, and a correction is a
    rectification."""

    type: Literal["update_field"] = "update_field"
    field: str = Field(pattern=FIELD_NAME)
    value: str | None = Field(None, min_length=1, max_length=200)


class IssueCoupon(_Step):
    """A coupon of the offer for the guest (see guestgraph.offers); a guest who gets none exits."""

    type: Literal["issue_coupon"] = "issue_coupon"
    offer_id: int = Field(ge=1)


Step = Annotated[
    Wait | Branch | SendEmail | SendText | SendSurvey | Tag | Task | UpdateField | IssueCoupon,
    Field(discriminator="type"),
]
Send = SendEmail | SendText


class JourneyDefinition(_Part):
    trigger: Trigger
    steps: list[Step] = Field(min_length=1, max_length=30)

    @model_validator(mode="after")
    def _keys_and_branches(self) -> JourneyDefinition:
        keys = [s.key for s in self.steps]
        if len(set(keys)) != len(keys):
            raise ValueError("every step needs its own key")
        for position, step in enumerate(self.steps):
            later = keys[position + 1 :]
            if isinstance(step, Branch) and step.otherwise != EXIT and step.otherwise not in later:
                raise ValueError(f"step {step.key}: `otherwise` must name a later step or `exit`")
        return self

    def step(self, key: str) -> Step:
        return next(s for s in self.steps if s.key == key)

    def after(self, key: str) -> str | None:
        """The key of the step after `key`, None after the last."""
        keys = [s.key for s in self.steps]
        position = keys.index(key) + 1
        return keys[position] if position < len(keys) else None


def parse_definition(raw: dict[str, Any]) -> JourneyDefinition:
    try:
        return JourneyDefinition.model_validate(raw)
    except ValidationError as e:
        first = e.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise JourneyInvalid(
            f"The journey definition is not valid at {where or 'the top'}: {first['msg']}",
            hint="A journey is {trigger: {type: …}, steps: [{key, type, …}, …]}; see the shipped templates.",
        ) from e

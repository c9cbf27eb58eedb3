"""The segment builder's form fields -> a segment definition (all rows combined with AND)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from pydantic import ValidationError
from starlette.datastructures import FormData

from guestgraph.analytics import (
    AllOf,
    Condition,
    MetricCondition,
    Not,
    SegmentDefinition,
    SpendCondition,
    StayCondition,
    TagCondition,
)
from guestgraph.errors import InvalidInput


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _stay(form: FormData) -> StayCondition | None:
    hotel, channel = _text(form, "hotel"), _text(form, "channel")
    since, until, count = _text(form, "arrival_from"), _text(form, "arrival_to"), _text(form, "min_stays")
    if not (hotel or channel or since or until or count):
        return None
    return StayCondition.model_validate(
        {
            "hotels": [hotel] if hotel else [],
            "channels": [channel] if channel else [],
            "arrival_from": since or None,
            "arrival_to": until or None,
            "min_count": int(count) if count.isdigit() and int(count) > 0 else 1,
        }
    )


def _spend(form: FormData) -> SpendCondition | None:
    amount = _text(form, "min_spend")
    if not amount:
        return None
    try:
        value = Decimal(amount)
    except InvalidOperation as e:
        raise InvalidInput(f"Spend {amount!r} is not an amount.", hint="Write it like 2000 or 199.50.") from e
    outlet = _text(form, "outlet")
    return SpendCondition(outlets=[outlet] if outlet else [], op=">=", amount=value)


def definition_from_form(form: FormData) -> SegmentDefinition:
    """Advanced JSON wins when given; otherwise every filled row is one condition, all must hold."""
    raw = _text(form, "definition_json")
    try:
        if raw:
            return SegmentDefinition.model_validate_json(raw)
        rows: list[Condition] = []
        stages = [v for v in form.getlist("stage") if isinstance(v, str) and v]
        if stages:
            rows.append(MetricCondition(field="stage", op="in", value=stages))
        groups = [v for v in form.getlist("rfm_group") if isinstance(v, str) and v]
        if groups:
            rows.append(MetricCondition(field="rfm_group", op="in", value=groups))
        if score := _text(form, "min_m_score"):
            rows.append(MetricCondition(field="m_score", op=">=", value=int(score)))
        if tag := _text(form, "tag"):
            rows.append(TagCondition(tag=tag))
        if without := _text(form, "without_tag"):
            rows.append(Not(condition=TagCondition(tag=without)))
        rows += [c for c in (_stay(form), _spend(form)) if c is not None]
    except (ValidationError, ValueError) as e:
        raise InvalidInput(f"The segment is not valid: {e}", hint="Check the highlighted conditions.") from e
    if not rows:
        rows.append(MetricCondition(field="stays", op=">=", value=0))
    return SegmentDefinition(condition=rows[0] if len(rows) == 1 else AllOf(conditions=rows))

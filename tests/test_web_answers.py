"""Answer models derived from the domain's dataclasses (`web._answers.out_model`): field for field, in
the dataclass's order, under the published name, with nested dataclasses answered by their own models."""

from __future__ import annotations

import dataclasses

import pytest

from guestgraph import analytics, privacy
from guestgraph.errors import ConfigurationError
from guestgraph.web._answers import out_model
from guestgraph.web.routes_api_analytics import DashboardOut, PeriodOut
from guestgraph.web.routes_privacy_records import RopaOut


def test_an_answer_model_has_its_dataclasses_fields_in_order_and_nested_models_by_name() -> None:
    assert list(DashboardOut.model_fields) == [f.name for f in dataclasses.fields(analytics.Dashboard)]
    assert list(PeriodOut.model_fields) == [f.name for f in dataclasses.fields(analytics.PeriodFigures)]
    schema = RopaOut.model_json_schema()
    items = {name: schema["properties"][name]["items"] for name in ("activities", "retention", "recipients")}
    assert items == {
        "activities": {"$ref": "#/$defs/ActivityOut"},
        "retention": {"$ref": "#/$defs/RetentionOut"},
        "recipients": {"$ref": "#/$defs/RecipientOut"},
    }
    assert schema["required"][-1] == "cross_border"  # the field the route adds, after the dataclass's
    assert DashboardOut.model_fields["adr"].description == "Average daily rate: room revenue per room night."


def test_a_description_of_a_field_the_dataclass_lost_is_refused_naming_it() -> None:
    with pytest.raises(
        ConfigurationError, match="RetentionOut: renamed described but not fields of ScheduleLine"
    ):
        out_model("RetentionOut", privacy.ScheduleLine, module=__name__, describe={"renamed": "Gone."})

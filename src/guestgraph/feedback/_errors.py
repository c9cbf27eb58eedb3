"""The feedback package's errors: what went wrong, where, and how to fix it."""

from __future__ import annotations

from guestgraph.errors import Conflict, InvalidInput, NotFound


class InvalidFeedbackInput(InvalidInput):
    code = "invalid_feedback_input"


class SurveyLinkInvalid(NotFound):
    """A survey link that names no survey (mistyped, altered, or the guest's data was erased)."""

    code = "survey_link_invalid"


class SurveyExpired(Conflict):
    status = 410
    code = "survey_expired"


class SurveyAnswered(Conflict):
    code = "survey_answered"


class RatingLinkInvalid(NotFound):
    """A rating link that names no rating (mistyped, altered, or the guest's data was erased)."""

    code = "rating_link_invalid"


class RatingExpired(Conflict):
    status = 410
    code = "rating_expired"


class RatingAnswered(Conflict):
    code = "rating_answered"

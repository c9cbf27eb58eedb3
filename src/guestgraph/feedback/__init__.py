"""Feedback and surveys: post-stay surveys (NPS 0-10, CSAT 1-5, a comment) sent by e-mail after
check-out where consent allows, answered once on a public page by a secret link; the answer on the
guest's timeline, a ticket for a low score, scores per hotel and month, and free-text classification
(complaint / suggestion / praise, and a topic) by word lists a data steward edits; and the guest's
rating of a resolved service ticket (its link by e-mail, its public page, its one answer)."""

from guestgraph.feedback._answer import (
    CATEGORY_OF_TOPIC,
    LOW_CSAT,
    LOW_NPS,
    Answer,
    Answered,
    SurveyForm,
    answer_survey,
    is_low,
    survey_form,
)
from guestgraph.feedback._classify import Classification, classify
from guestgraph.feedback._errors import (
    InvalidFeedbackInput,
    RatingAnswered,
    RatingExpired,
    RatingLinkInvalid,
    SurveyAnswered,
    SurveyExpired,
    SurveyLinkInvalid,
)
from guestgraph.feedback._ratings import (
    SKIP_REASONS,
    Rated,
    RatingForm,
    RatingPolicy,
    RatingReport,
    rate_for,
    rate_ticket,
    rating_form,
    rating_form_for,
    send_rating_links,
)
from guestgraph.feedback._rules import DIMENSIONS, Rules, current_rules, save_rule, shipped_rules
from guestgraph.feedback._scores import FeedbackLine, ScoreRow, recent_feedback, survey_scores
from guestgraph.feedback._send import SurveyPolicy, SurveyReport, due_surveys, send_surveys

__all__ = [
    "CATEGORY_OF_TOPIC",
    "SKIP_REASONS",
    "Rated",
    "RatingAnswered",
    "RatingExpired",
    "RatingForm",
    "RatingLinkInvalid",
    "RatingPolicy",
    "RatingReport",
    "rate_for",
    "rate_ticket",
    "rating_form",
    "rating_form_for",
    "send_rating_links",
    "DIMENSIONS",
    "LOW_CSAT",
    "LOW_NPS",
    "Answer",
    "Answered",
    "Classification",
    "FeedbackLine",
    "InvalidFeedbackInput",
    "Rules",
    "ScoreRow",
    "SurveyAnswered",
    "SurveyExpired",
    "SurveyForm",
    "SurveyLinkInvalid",
    "SurveyPolicy",
    "SurveyReport",
    "answer_survey",
    "classify",
    "current_rules",
    "due_surveys",
    "is_low",
    "recent_feedback",
    "save_rule",
    "send_surveys",
    "shipped_rules",
    "survey_form",
    "survey_scores",
]

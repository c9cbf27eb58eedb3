"""Feedback and surveys: post-stay surveys (NPS 0-10, CSAT 1-5, optional 1-5 ratings of the outlets
the guest used, a comment) sent by e-mail after check-out where consent allows, answered once on a
public page by a secret link; reviews imported from OTA exports (Ctrip, Booking.com...); answers and
matched reviews on the guest's timeline, a ticket for a low score, scores per hotel, source, outlet,
review aspect and month, and free-text classification (complaint / suggestion / praise, and a topic)
by word lists a data steward edits."""

from guestgraph.feedback._answer import (
    LOW_CSAT,
    LOW_NPS,
    RATED_OUTLETS,
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
    SurveyAnswered,
    SurveyExpired,
    SurveyLinkInvalid,
)
from guestgraph.feedback._review_rows import (
    ParsedReview,
    ReviewProfile,
    RowProblem,
    load_review_profile,
    open_reviews,
    parse_row,
    review_profiles,
    review_sources,
    to_csat,
)
from guestgraph.feedback._reviews import ReviewImport, import_reviews
from guestgraph.feedback._rules import DIMENSIONS, Rules, current_rules, save_rule, shipped_rules
from guestgraph.feedback._scores import (
    SOURCES,
    AspectScoreRow,
    FeedbackLine,
    OutletScoreRow,
    ReviewLine,
    ScoreRow,
    Source,
    aspect_scores,
    feedback_scores,
    outlet_scores,
    recent_feedback,
    recent_reviews,
    review_scores,
    survey_scores,
)
from guestgraph.feedback._send import SurveyPolicy, SurveyReport, due_surveys, send_surveys

__all__ = [
    "DIMENSIONS",
    "LOW_CSAT",
    "LOW_NPS",
    "RATED_OUTLETS",
    "SOURCES",
    "Answer",
    "Answered",
    "AspectScoreRow",
    "Classification",
    "FeedbackLine",
    "InvalidFeedbackInput",
    "OutletScoreRow",
    "ParsedReview",
    "ReviewImport",
    "ReviewLine",
    "ReviewProfile",
    "RowProblem",
    "Rules",
    "ScoreRow",
    "Source",
    "aspect_scores",
    "feedback_scores",
    "import_reviews",
    "load_review_profile",
    "open_reviews",
    "outlet_scores",
    "parse_row",
    "recent_reviews",
    "review_profiles",
    "review_scores",
    "review_sources",
    "to_csat",
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
